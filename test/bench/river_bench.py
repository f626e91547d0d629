"""Measures River 0.26.1 drift detector throughput on the stream written by detectors-bench.ts.

usage: river_bench.py <manifest.json> <out.json>

For each detector: build it with the given kwargs, feed the first `n` values of the stream
(a Python loop calling update() and reading drift_detected, as a user of River would), repeat
`repeats` times and keep the best time. Writes {name: {"updatesPerSecond": ..., "n": ...}}.
"""
import importlib
import json
import sys
import time

import numpy as np


def resolve(dotted):
    path, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module("river." + path), name)


def main(manifest_path, out_path):
    with open(manifest_path) as f:
        manifest = json.load(f)
    xs_all = np.fromfile(manifest["streamFile"], dtype=np.uint8).tolist()
    out = {}
    for det in manifest["detectors"]:
        cls = resolve(det["cls"])
        xs = xs_all[: det["n"]]
        best = float("inf")
        for _ in range(det["repeats"]):
            d = cls(**det["kwargs"])
            drifts = 0
            t0 = time.perf_counter()
            for x in xs:
                d.update(x)
                if d.drift_detected:
                    drifts += 1
            best = min(best, time.perf_counter() - t0)
        out[det["name"]] = {"updatesPerSecond": len(xs) / best, "n": len(xs), "drifts": drifts}
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
