#!/usr/bin/env python3
"""Writes the golden vectors that the TypeScript tests compare against.

The reference implementations are scipy and River, pinned in requirements.txt beside this file.
Each area of the statistics library has its own module here named gen_<area>.py exposing
`generate(out_dir)`, which writes one or more JSON files into test/golden/fixtures/.
The fixtures are committed: the test run never needs Python.

Rerun (from the repository root):
    python3 -m venv .venv-golden && .venv-golden/bin/pip install -r test/golden/requirements.txt
    .venv-golden/bin/python test/golden/generate.py            # every area
    .venv-golden/bin/python test/golden/generate.py ks adwin   # only gen_ks.py and gen_adwin.py
"""
import importlib
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "fixtures"


def main(argv):
    sys.path.insert(0, str(HERE))
    areas = argv or sorted(p.stem[len("gen_"):] for p in HERE.glob("gen_*.py"))
    OUT.mkdir(exist_ok=True)
    for area in areas:
        module = importlib.import_module("gen_" + area)
        module.generate(OUT)
        print("generated", area)


if __name__ == "__main__":
    main(sys.argv[1:])
