"""Golden vectors for the sequential drift detectors ADWIN, DDM, EDDM, HDDM_A and HDDM_W (River 0.26.1).

Writes one fixture per detector, fixtures/sequential-<detector>.json:
    {"river": "0.26.1", "detector": "ADWIN", "cases": [case, ...]}
    case = {"name", "params" (camelCase TS option names), "stream", "drifts", "warnings", "checkpoints"}
    stream = {"bits": "0101..."}              for 0/1 streams (one character per value)
           | {"values": [..]}                 for numeric streams (the exact doubles River saw)
    drifts   = indices i where drift_detected was true after update(stream[i])
    warnings = [[start, end], ...] inclusive runs of indices where warning_detected was true
    checkpoints = [{"i": i, <stat>: value, ...}] state read right after update(stream[i])
                  (ADWIN: width/estimation/variance/total; others: River's private running means)

Numeric streams are rounded to 6 decimals before they are fed to River, so their JSON text is short
and the double River saw is exactly the double the TypeScript side parses.
"""
import random

import numpy as np
import river
from river import drift

import golden_io

# ---------------------------------------------------------------- streams


def docstring_binary_stream():
    """The stream of the DDM/EDDM/HDDM_W docstring examples (random.Random(42))."""
    rng = random.Random(42)
    s = rng.choices([0, 1], k=1000)
    return s + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])


def adwin_docstring_stream():
    rng = random.Random(12345)
    return rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)


def adwin_regression_stream():
    """river/drift/test_adwin_regression.py::test_multiple_drifts, expected [1023, 2015, 3007]."""
    rng = random.Random(42)
    return (
        rng.choices([0, 1], k=1000)
        + rng.choices(range(4, 8), k=1000)
        + rng.choices([0, 1], k=1000)
        + rng.choices(range(4, 8), k=1000)
    )


def bernoulli(rng, probs):
    """One 0/1 value per entry of probs."""
    return [int(v) for v in (rng.random_sample(len(probs)) < np.asarray(probs))]


def piecewise(segments):
    """[(length, p), ...] -> list of probabilities."""
    out = []
    for length, p in segments:
        out.extend([p] * length)
    return out


def ramp(n_before, p0, n_ramp, p1, n_after):
    return [p0] * n_before + list(np.linspace(p0, p1, n_ramp)) + [p1] * n_after


def binary_streams():
    """(name, list of 0/1) — abrupt, gradual, stationary, constant, several lengths."""
    out = []
    specs = [
        ("abrupt-0.1-0.3-n2000", 1, piecewise([(1000, 0.1), (1000, 0.3)])),
        ("abrupt-0.2-0.6-n5000", 2, piecewise([(2500, 0.2), (2500, 0.6)])),
        ("abrupt-0.05-0.15-n20000", 3, piecewise([(10000, 0.05), (10000, 0.15)])),
        ("abrupt-down-0.5-0.1-n4000", 4, piecewise([(2000, 0.5), (2000, 0.1)])),
        ("multi-up-down-n12000", 5, piecewise([(3000, 0.1), (3000, 0.4), (3000, 0.1), (3000, 0.4)])),
        ("gradual-0.1-0.5-n6000", 6, ramp(2000, 0.1, 2000, 0.5, 2000)),
        ("gradual-0.3-0.05-n8000", 7, ramp(3000, 0.3, 3000, 0.05, 2000)),
        ("gradual-slow-0.1-0.3-n20000", 8, ramp(5000, 0.1, 10000, 0.3, 5000)),
        ("stationary-0.2-n5000", 9, [0.2] * 5000),
        ("stationary-0.5-n20000", 10, [0.5] * 20000),
        ("stationary-0.02-n10000", 11, [0.02] * 10000),
        ("stationary-0.9-n3000", 12, [0.9] * 3000),
        ("short-abrupt-n200", 13, piecewise([(100, 0.1), (100, 0.9)])),
        ("tiny-n40", 14, [0.5] * 40),
        ("abrupt-0-1-n1000", 15, piecewise([(500, 0.0), (500, 1.0)])),
        ("spikes-n6000", 16, piecewise([(2000, 0.1), (50, 0.9), (2000, 0.1), (50, 0.9), (1900, 0.1)])),
    ]
    for name, seed, probs in specs:
        out.append((name, bernoulli(np.random.RandomState(seed), probs)))
    out.append(("all-zeros-n3000", [0] * 3000))
    out.append(("all-ones-n3000", [1] * 3000))
    out.append(("alternating-n2000", [i % 2 for i in range(2000)]))
    out.append(("ones-then-zeros-n2000", [1] * 1000 + [0] * 1000))
    return out


def unit_interval_streams():
    """Numeric values in [0, 1] (scores, soft errors) for the binary detectors' numeric path."""
    out = []
    rng = np.random.RandomState(101)
    out.append(("uniform-shift-n5000", list(np.concatenate([rng.beta(2, 5, 2500), rng.beta(5, 2, 2500)]))))
    rng = np.random.RandomState(102)
    out.append(("uniform-stationary-n4000", list(rng.random_sample(4000))))
    rng = np.random.RandomState(103)
    out.append(("beta-gradual-n6000", list(np.clip(rng.beta(2, 8, 6000) + np.linspace(0, 0.4, 6000), 0, 1))))
    return [(n, [round(float(v), 6) for v in vals]) for n, vals in out]


def numeric_streams():
    """Numeric streams for ADWIN: normal shifts, variance change, heavy tails, large offsets."""
    out = []
    rng = np.random.RandomState(201)
    out.append(("normal-mean-shift-n4000", np.concatenate([rng.normal(0, 1, 2000), rng.normal(1, 1, 2000)])))
    rng = np.random.RandomState(202)
    out.append(("normal-small-shift-n20000", np.concatenate([rng.normal(0, 1, 10000), rng.normal(0.2, 1, 10000)])))
    rng = np.random.RandomState(203)
    out.append(("normal-stationary-n10000", rng.normal(5, 2, 10000)))
    rng = np.random.RandomState(204)
    out.append(("variance-change-n6000", np.concatenate([rng.normal(0, 1, 3000), rng.normal(0, 3, 3000)])))
    rng = np.random.RandomState(205)
    out.append(("lognormal-shift-n8000", np.concatenate([rng.lognormal(0, 1, 4000), rng.lognormal(0.5, 1, 4000)])))
    rng = np.random.RandomState(206)
    out.append(("large-offset-n5000", np.concatenate([rng.normal(1e6, 10, 2500), rng.normal(1e6 + 20, 10, 2500)])))
    rng = np.random.RandomState(207)
    out.append(("gradual-linear-n8000", rng.normal(0, 1, 8000) + np.linspace(0, 3, 8000)))
    rng = np.random.RandomState(208)
    out.append(("multi-shift-n12000", np.concatenate([rng.normal(m, 1, 3000) for m in (0, 2, -1, 1)])))
    rng = np.random.RandomState(209)
    out.append(("latency-ms-n6000", np.concatenate([rng.gamma(2, 40, 3000), rng.gamma(2, 55, 3000)])))
    rng = np.random.RandomState(210)
    out.append(("integers-poisson-n5000", np.concatenate([rng.poisson(3, 2500), rng.poisson(5, 2500)])))
    out.append(("constant-7.5-n3000", np.full(3000, 7.5)))
    return [(n, [round(float(v), 6) for v in vals]) for n, vals in out]


# ---------------------------------------------------------------- running River


def runs(indices):
    """Sorted indices -> inclusive [start, end] runs."""
    out = []
    for i in indices:
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def run_case(make, params, stream, stats, checkpoint_every, has_warning=True):
    det = make()
    drifts, warnings, checkpoints = [], [], []
    n = len(stream)
    for i, x in enumerate(stream):
        det.update(x)
        if det.drift_detected:
            drifts.append(i)
        if has_warning and det.warning_detected:
            warnings.append(i)
        if stats is not None and (i % checkpoint_every == checkpoint_every - 1 or i == n - 1 or det.drift_detected):
            cp = {"i": i}
            cp.update(stats(det))
            checkpoints.append(cp)
    return {"drifts": drifts, "warnings": runs(warnings), "checkpoints": checkpoints}


def encode_stream(values):
    if all(v in (0, 1) for v in values):
        return {"bits": "".join("1" if v else "0" for v in values)}
    return {"values": [float(v) for v in values]}


def make_cases(factory, param_sets, streams, stats, has_warning=True, checkpoint_every=997):
    cases = []
    for pname, params in param_sets:
        for sname, values in streams:
            res = run_case(lambda: factory(params), params, values, stats, checkpoint_every, has_warning)
            case = {"name": f"{sname}/{pname}", "params": params, "stream": encode_stream(values)}
            case.update(res)
            cases.append(case)
    return cases


def river_kwargs(params, mapping):
    return {mapping[k]: v for k, v in params.items()}


ADWIN_MAP = {
    "delta": "delta",
    "clock": "clock",
    "maxBuckets": "max_buckets",
    "minWindowLength": "min_window_length",
    "gracePeriod": "grace_period",
}
DDM_MAP = {"warmStart": "warm_start", "warningThreshold": "warning_threshold", "driftThreshold": "drift_threshold"}
EDDM_MAP = {"warmStart": "warm_start", "alpha": "alpha", "beta": "beta"}
HDDM_A_MAP = {
    "driftConfidence": "drift_confidence",
    "warningConfidence": "warning_confidence",
    "twoSidedTest": "two_sided_test",
}
HDDM_W_MAP = dict(HDDM_A_MAP, lambdaVal="lambda_val")


def adwin_stats(d):
    return {"width": d.width, "estimation": d.estimation, "variance": d.variance, "total": d.total}


def ddm_stats(d):
    return {"n": d._p.n, "p": d._p.get()}


def eddm_stats(d):
    return {"n": d._n, "nErrors": d._n_errors, "meanDistance": d._error_distances.mean.get()}


def hddm_a_stats(d):
    return {"n": d._z.n, "mean": d._z.get()}


def hddm_w_stats(d):
    return {"ewma": d._total.ewma}


def generate(out_dir):
    s1, s2, s3 = golden_io.river_test_streams()
    doc = docstring_binary_stream()
    binary = binary_streams()
    unit = unit_interval_streams()
    numeric = numeric_streams()
    header = {"river": river.__version__}

    # ADWIN ------------------------------------------------------------------------------
    adwin = lambda p: drift.ADWIN(**river_kwargs(p, ADWIN_MAP))  # noqa: E731
    cases = make_cases(
        adwin,
        [("default", {})],
        [
            ("river-stream-1", s1),
            ("river-stream-2", s2),
            ("river-stream-3", s3),
            ("river-docstring", adwin_docstring_stream()),
            ("river-regression-multi", adwin_regression_stream()),
        ]
        + binary
        + numeric,
        adwin_stats,
        has_warning=False,
    )
    variants = [
        ("clock1", {"clock": 1}),
        ("delta0.01", {"delta": 0.01}),
        ("maxBuckets2-mwl10", {"maxBuckets": 2, "minWindowLength": 10}),
        ("grace100-delta0.1", {"gracePeriod": 100, "delta": 0.1}),
    ]
    some = [("river-stream-1", s1)] + [b for b in binary if b[0].startswith(("abrupt-0.1", "gradual-0.1"))]
    some += [n for n in numeric if n[0].startswith(("normal-mean", "multi-shift", "large-offset"))]
    cases += make_cases(adwin, variants, some, adwin_stats, has_warning=False)
    golden_io.write(out_dir, "sequential-adwin", dict(header, detector="ADWIN", cases=cases))

    # DDM ---------------------------------------------------------------------------------
    ddm = lambda p: drift.binary.DDM(**river_kwargs(p, DDM_MAP))  # noqa: E731
    bstreams = [("river-stream-2", s2), ("river-stream-3", s3), ("river-docstring", doc)] + binary
    cases = make_cases(ddm, [("default", {})], bstreams + unit, ddm_stats)
    cases += make_cases(
        ddm,
        [("warm50-w1.5-d2.5", {"warmStart": 50, "warningThreshold": 1.5, "driftThreshold": 2.5})],
        bstreams[:3] + binary[:8],
        ddm_stats,
    )
    golden_io.write(out_dir, "sequential-ddm", dict(header, detector="DDM", cases=cases))

    # EDDM --------------------------------------------------------------------------------
    eddm = lambda p: drift.binary.EDDM(**river_kwargs(p, EDDM_MAP))  # noqa: E731
    cases = make_cases(eddm, [("default", {})], bstreams, eddm_stats)
    cases += make_cases(
        eddm, [("a0.8-b0.75", {"alpha": 0.8, "beta": 0.75}), ("warm10", {"warmStart": 10})],
        bstreams[:3] + binary[:8], eddm_stats,
    )
    golden_io.write(out_dir, "sequential-eddm", dict(header, detector="EDDM", cases=cases))

    # HDDM_A ------------------------------------------------------------------------------
    hddm_a = lambda p: drift.binary.HDDMA(**river_kwargs(p, HDDM_A_MAP))  # noqa: E731
    all_b = [("river-stream-1", s1)] + bstreams + unit
    cases = make_cases(hddm_a, [("default", {})], all_b, hddm_a_stats)
    cases += make_cases(
        hddm_a,
        [("two-sided", {"twoSidedTest": True}),
         ("conf0.01-0.05", {"driftConfidence": 0.01, "warningConfidence": 0.05})],
        bstreams + unit[:1],
        hddm_a_stats,
    )
    golden_io.write(out_dir, "sequential-hddm-a", dict(header, detector="HDDM_A", cases=cases))

    # HDDM_W ------------------------------------------------------------------------------
    hddm_w = lambda p: drift.binary.HDDMW(**river_kwargs(p, HDDM_W_MAP))  # noqa: E731
    cases = make_cases(hddm_w, [("default", {})], all_b, hddm_w_stats)
    cases += make_cases(
        hddm_w,
        [("two-sided", {"twoSidedTest": True}), ("lambda0.1", {"lambdaVal": 0.1})],
        bstreams + unit[:1],
        hddm_w_stats,
    )
    golden_io.write(out_dir, "sequential-hddm-w", dict(header, detector="HDDM_W", cases=cases))
