"""Golden vectors for the sequential detectors PageHinkley, KSWIN (River 0.26.1) and CUSUM.

River has no CUSUM, so CUSUM's expected indices come from `cusum_reference` below: an independent
numpy implementation of Page's two-sided tabular CUSUM (Montgomery §9.1) whose warm-up estimates use
np.mean / np.std(ddof=1) (the TypeScript side uses Welford's online update).

Streams are stored in full (rounded to a few decimals so the file stays small; the rounded values
are what both sides read), together with the generator seed and parameters that produced them.
"""
import random

import numpy as np
from river import drift

import golden_io

N = 3000
CHANGE = 1500


def river_test_streams():
    """The three streams of river/drift/test_drift_detectors.py, by name."""
    s1, s2, s3 = golden_io.river_test_streams()
    return {"river_1": s1, "river_2": s2, "river_3": s3}


def docstring_stream():
    """The stream of River's PageHinkley / KSWIN docstring examples (CPython random, seed 12345)."""
    rng = random.Random(12345)
    return rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)


def sigmoid_mix(rng, a, b, width):
    """Gradual drift: sample i comes from `b` with probability sigmoid((i - CHANGE) * 8 / width)."""
    i = np.arange(N)
    p = 1.0 / (1.0 + np.exp(-(i - CHANGE) * 8.0 / width))
    return np.where(rng.random(N) < p, b, a)


def generated_streams(seed=20261122):
    rng = np.random.default_rng(seed)
    r4 = lambda v: np.round(v, 4).tolist()  # noqa: E731
    s = {}
    s["abrupt_up_normal"] = r4(np.concatenate([rng.normal(0, 1, CHANGE), rng.normal(1, 1, N - CHANGE)]))
    s["abrupt_down_normal"] = r4(np.concatenate([rng.normal(0, 1, CHANGE), rng.normal(-1, 1, N - CHANGE)]))
    s["abrupt_variance"] = r4(np.concatenate([rng.normal(0, 1, CHANGE), rng.normal(0, 3, N - CHANGE)]))
    s["gradual_sigmoid_normal"] = r4(sigmoid_mix(rng, rng.normal(0, 1, N), rng.normal(1.5, 1, N), 500))
    s["gradual_ramp_normal"] = r4(rng.normal(0, 1, N) + np.clip((np.arange(N) - CHANGE) / 1000.0, 0, 1) * 2)
    s["stationary_normal"] = r4(rng.normal(0, 1, N))
    s["stationary_uniform"] = r4(rng.random(N))
    s["all_zeros"] = [0] * N
    s["all_ones"] = [1] * N
    s["bernoulli_0.2_0.3"] = np.concatenate([rng.binomial(1, 0.2, CHANGE), rng.binomial(1, 0.3, N - CHANGE)]).tolist()
    s["bernoulli_0.2_0.8"] = np.concatenate([rng.binomial(1, 0.2, CHANGE), rng.binomial(1, 0.8, N - CHANGE)]).tolist()
    s["bernoulli_gradual_0.1_0.5"] = sigmoid_mix(rng, rng.binomial(1, 0.1, N), rng.binomial(1, 0.5, N), 500).tolist()
    s["bernoulli_stationary_0.3"] = rng.binomial(1, 0.3, N).tolist()
    s["bernoulli_0.5_0.1"] = np.concatenate([rng.binomial(1, 0.5, CHANGE), rng.binomial(1, 0.1, N - CHANGE)]).tolist()
    s["bernoulli_rare_0.01_0.05"] = np.concatenate([rng.binomial(1, 0.01, CHANGE), rng.binomial(1, 0.05, N - CHANGE)]).tolist()
    s["integers_shift"] = np.concatenate([rng.integers(0, 10, CHANGE), rng.integers(3, 13, N - CHANGE)]).tolist()
    s["multi_drift_normal"] = r4(np.concatenate([rng.normal(m, 1, 750) for m in (0, 2, 0, 2)]))
    s["exponential_scale"] = r4(np.concatenate([rng.exponential(1, CHANGE), rng.exponential(2, N - CHANGE)]))
    s["student_t_stationary"] = r4(rng.standard_t(3, N))
    s["large_scale_shift"] = np.round(np.concatenate([rng.normal(1e6, 1e3, CHANGE), rng.normal(1e6 + 1e3, 1e3, N - CHANGE)]), 1).tolist()
    s["small_scale_shift"] = np.round(np.concatenate([rng.normal(1e-3, 1e-4, CHANGE), rng.normal(1.2e-3, 1e-4, N - CHANGE)]), 7).tolist()
    s["constant_5_then_7"] = [5] * CHANGE + [7] * (N - CHANGE)
    s["zeros_then_ones"] = [0] * CHANGE + [1] * (N - CHANGE)
    s["alternating_then_ones"] = [i % 2 for i in range(CHANGE)] + [1] * (N - CHANGE)
    s["constant_0.1_then_noise"] = [0.1] * 200 + r4(rng.normal(0.1, 0.05, N - 200))
    return s


def run(detector, stream):
    out = []
    for i, v in enumerate(stream):
        detector.update(v)
        if detector.drift_detected:
            out.append(i)
    return out


def snake(options):
    names = {"minInstances": "min_instances", "windowSize": "window_size", "statSize": "stat_size"}
    return {names.get(k, k): v for k, v in options.items()}


def cusum_reference(x, k=0.5, h=5.0, warm_up=30, target=None, sigma=None, mode="both"):
    """Page's two-sided tabular CUSUM on standardized values, restarted after every drift."""
    x = np.asarray(x, dtype=float)
    out = []
    t = 0
    n = len(x)
    while t < n:
        if target is not None:
            mu, sd, start = float(target), float(sigma), t
        else:
            m = warm_up
            # A warm-up whose values are all equal has sigma 0: extend it until a value differs.
            while t + m <= n and np.all(x[t : t + m] == x[t]):
                m += 1
            if t + m > n:
                break
            w = x[t : t + m]
            mu, sd, start = float(np.mean(w)), float(np.std(w, ddof=1)), t + m
        cp = cm = 0.0
        t = n
        for i in range(start, n):
            z = (x[i] - mu) / sd
            cp = max(0.0, cp + z - k)
            cm = max(0.0, cm - z - k)
            if (mode != "down" and cp > h) or (mode != "up" and cm > h):
                out.append(i)
                t = i + 1
                break
    return out


PH_CONFIGS = [
    {},
    {"mode": "up"},
    {"mode": "down"},
    {"threshold": 10, "delta": 0.05},
    {"minInstances": 5, "threshold": 5, "alpha": 1.0, "mode": "up"},
    {"threshold": 2, "delta": 0.01, "alpha": 0.99},
]

KSWIN_CONFIGS = [
    {"seed": 42},
    {"alpha": 0.0001, "windowSize": 200, "statSize": 100, "seed": 42},
    {"alpha": 0.01, "windowSize": 50, "statSize": 10, "seed": 7},
    {"alpha": 0.005, "windowSize": 500, "statSize": 20, "seed": 123456789012},  # set-based sample()
]

CUSUM_CONFIGS = [
    {},
    {"mode": "up"},
    {"mode": "down"},
    {"k": 0.25, "h": 8, "warmUp": 100},
    {"k": 1.0, "h": 3, "warmUp": 10},
]


def python_random_cases():
    """CPython random.Random draws that python-random.ts must reproduce bit for bit."""
    cases = []
    for seed in (0, 1, 42, -5, 12345, 2**32 + 1, 123456789012, 2**53 - 1):
        r = random.Random(seed)
        bits32 = [r.getrandbits(32) for _ in range(5)]
        bits = [r.getrandbits(k) for k in (1, 7, 13, 31)]
        floats = [r.random() for _ in range(3)]
        samples = []
        for n, k in ((10, 3), (70, 30), (100, 100), (40, 10), (970, 30), (480, 20), (5, 0), (1, 1), (100000, 50)):
            samples.append({"n": n, "k": k, "draw": r.sample(range(n), k)})
        below = [r._randbelow(n) for n in (1, 2, 3, 1000, 2**31 + 5)]
        cases.append({"seed": seed, "bits32": bits32, "bits": bits, "floats": floats, "samples": samples, "below": below})
    return cases


def generate(out_dir):
    golden_io.write(out_dir, "python_random", {"about": "CPython 3.11 random.Random draws", "cases": python_random_cases()})
    streams = {}
    streams.update(river_test_streams())
    streams["river_docstring"] = docstring_stream()
    streams.update(generated_streams())

    # River's own asserted indices (river/drift/test_drift_detectors.py and docstrings), recomputed here.
    river_asserted = {
        "pageHinkley": [
            {"stream": "river_3", "options": {"mode": "up"}, "indices": run(drift.PageHinkley(mode="up"), streams["river_3"])},
            {"stream": "river_3", "options": {"mode": "down"}, "indices": run(drift.PageHinkley(mode="down"), streams["river_3"])},
            {"stream": "river_3", "options": {"mode": "both"}, "indices": run(drift.PageHinkley(mode="both"), streams["river_3"])},
            {"stream": "river_docstring", "options": {}, "indices": run(drift.PageHinkley(), streams["river_docstring"])},
        ],
        "kswin": [
            {
                "stream": "river_1",
                "options": {"alpha": 0.0001, "windowSize": 200, "statSize": 100, "seed": 42},
                "indices": run(drift.KSWIN(alpha=0.0001, window_size=200, stat_size=100, seed=42), streams["river_1"]),
            },
            {
                "stream": "river_docstring",
                "options": {"alpha": 0.0001, "seed": 42},
                "indices": run(drift.KSWIN(alpha=0.0001, seed=42), streams["river_docstring"]),
            },
        ],
    }
    assert river_asserted["pageHinkley"][0]["indices"] == [588, 1681]
    assert river_asserted["pageHinkley"][1]["indices"] == [1172]
    assert river_asserted["pageHinkley"][2]["indices"] == [588, 1097, 1585]
    assert river_asserted["pageHinkley"][3]["indices"] == [1006]
    assert river_asserted["kswin"][0]["indices"] == [1042]
    assert river_asserted["kswin"][1]["indices"] == [1016]

    ph_cases, kswin_cases, cusum_cases = [], [], []
    for name, values in streams.items():
        for opts in PH_CONFIGS:
            d = drift.PageHinkley(**snake(opts))
            idx = run(d, values)
            final = {
                "n": d._x_mean.n,
                "mean": d._x_mean.get(),
                "sumIncrease": d._sum_increase,
                "sumDecrease": d._sum_decrease,
                "minIncrease": d._min_increase,
                "maxDecrease": float(d._max_decrease),
            }
            ph_cases.append({"stream": name, "options": opts, "indices": idx, "final": final})
        for opts in KSWIN_CONFIGS:
            d = drift.KSWIN(**snake(opts))
            idx, pvals = [], []
            for i, v in enumerate(values):
                d.update(v)
                pvals.append(float(d.p_value))
                if d.drift_detected:
                    idx.append(i)
            case = {"stream": name, "options": opts, "indices": idx, "finalPValue": float(d.p_value)}
            if name in ("river_1", "bernoulli_0.2_0.8", "abrupt_up_normal") and opts.get("seed") == 42:
                case["pValues"] = pvals  # the full p-value trace: checks the KS test, not only the decisions
            kswin_cases.append(case)
        for opts in CUSUM_CONFIGS:
            ref = cusum_reference(
                values,
                k=opts.get("k", 0.5),
                h=opts.get("h", 5.0),
                warm_up=opts.get("warmUp", 30),
                mode=opts.get("mode", "both"),
            )
            cusum_cases.append({"stream": name, "options": opts, "indices": ref})
        # Known in-control parameters: no warm-up.
        vals = np.asarray(values, dtype=float)
        target, sigma = float(np.mean(vals[:500])), float(np.std(vals[:500], ddof=1)) or 1.0
        cusum_cases.append(
            {
                "stream": name,
                "options": {"target": target, "sigma": sigma},
                "indices": cusum_reference(values, target=target, sigma=sigma),
            }
        )

    golden_io.write(
        out_dir,
        "sequential_b",
        {
            "about": "PageHinkley/KSWIN: River 0.26.1 detection indices; CUSUM: numpy tabular CUSUM reference",
            "streamSeed": 20261122,
            "streams": streams,
            "riverAsserted": river_asserted,
            "pageHinkley": ph_cases,
            "kswin": kswin_cases,
            "cusum": cusum_cases,
        },
    )
