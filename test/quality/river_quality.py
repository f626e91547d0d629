"""Runs River 0.26.1's drift detectors on the Bernoulli streams written by run-quality.ts.

usage: river_quality.py <manifest.json> <out.json>

The manifest names the stream file (one uint8 0/1 value per sample, streams back to back), the
stream length and count, and for each detector its River class (dotted path under `river.`), its
keyword arguments and the indices of the streams to run. The output maps each detector name to one
list of detection indices per stream run, plus the seconds it took.
"""
import importlib
import json
import sys
import time

import numpy as np


def resolve(dotted):
    """'drift.binary.DDM' -> river.drift.binary.DDM (the submodules are imported explicitly)."""
    path, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module("river." + path), name)


def main(manifest_path, out_path):
    with open(manifest_path) as f:
        manifest = json.load(f)
    data = np.fromfile(manifest["streamsFile"], dtype=np.uint8).reshape(manifest["count"], manifest["length"])
    out = {}
    for det in manifest["detectors"]:
        cls = resolve(det["cls"])
        runs = {}
        t0 = time.perf_counter()
        for idx in det["streams"]:
            d = cls(**det["kwargs"])
            found = []
            for i, x in enumerate(data[idx].tolist()):
                d.update(x)
                if d.drift_detected:
                    found.append(i)
            runs[str(idx)] = found
        out[det["name"]] = {"runs": runs, "seconds": time.perf_counter() - t0}
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
