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


def river_test_streams():
    """River's own test streams (river/drift/test_drift_detectors.py, numpy legacy seed 12345),
    shared by gen_sequential_a.py and gen_sequential_b.py."""
    import numpy as np

    np.random.seed(12345)
    s1 = np.concatenate((np.random.randint(2, size=1000), np.random.randint(8, size=1000)))
    np.random.seed(12345)
    s2 = np.concatenate(
        [
            [np.random.binomial(1, 0.2) for _ in range(1000)],
            [np.random.binomial(1, 0.8) for _ in range(1000)],
        ]
    ).astype(int)
    np.random.seed(12345)
    s3 = np.concatenate(
        (
            np.random.normal(0.0, 0.1, 500) > 0,
            np.random.normal(0.25, 0.1, 500) > 0,
            np.random.normal(0.0, 0.1, 500) > 0,
            np.random.normal(0.25, 0.1, 500) > 0,
        )
    ).astype(int)
    return [int(v) for v in s1], [int(v) for v in s2], [int(v) for v in s3]
