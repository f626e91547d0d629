"""Helpers shared by the gen_*.py modules: exact JSON output of floats and special values."""
import json
import math


def clean(value):
    """Converts numpy scalars/arrays and non-finite floats into JSON-safe values.

    Non-finite floats become the strings "NaN", "Infinity", "-Infinity" so that the TypeScript side
    can restore them exactly (see test/golden/load-golden.ts).
    """
    try:
        import numpy as np
    except ImportError:  # pragma: no cover
        np = None
    if np is not None:
        if isinstance(value, np.ndarray):
            return [clean(v) for v in value.tolist()]
        if isinstance(value, np.generic):
            value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def write(out_dir, name, payload):
    """Writes fixtures/<name>.json; floats keep their shortest round-trip repr (exact)."""
    path = out_dir / (name + ".json")
    with open(path, "w") as f:
        json.dump(clean(payload), f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    return path
