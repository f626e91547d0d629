"""Golden vectors for the two-sample Kolmogorov-Smirnov test (detectors/ks-test.ts) and the
Kolmogorov / Smirnov distributions (detectors/kolmogorov-distribution.ts, smirnov-distribution.ts).

Reference: scipy.stats.ks_2samp, scipy.stats.kstwo, scipy.special.smirnov (scipy 1.17.1).

Samples: small ones are stored verbatim (including numpy normal draws). Large ones are described by
a generator the TypeScript test reproduces bit for bit: a 32-bit LCG
    x <- (1664525 * x + 1013904223) mod 2**32,   u = x / 2**32
and value = u * scale + shift (scale and shift dyadic, so exact), or floor(u * levels) for tied
integer data. The KS statistic depends only on the ordering, so these samples test the same code
paths as any continuous data, and the fixture stays small.
"""
import math
import warnings

import numpy as np
from scipy import special, stats

import golden_io

SAMPLE_LIMIT_VERBATIM = 300


def lcg_sample(seed, n, scale=1.0, shift=0.0, levels=0):
    x = seed & 0xFFFFFFFF
    out = []
    for _ in range(n):
        x = (1664525 * x + 1013904223) & 0xFFFFFFFF
        u = x / 4294967296.0
        out.append(float(math.floor(u * levels)) if levels else u * scale + shift)
    return out


def run(a, b, alternative, method):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = stats.ks_2samp(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                           alternative=alternative, method=method)
    fell_back = any("Switching to" in str(w.message) for w in caught)
    return r, fell_back


def method_used(n1, n2, method, fell_back):
    if method == "asymp":
        return "asymp"
    if method == "auto" and max(n1, n2) > 10000:
        return "asymp"
    return "asymp" if fell_back else "exact"


def ks_cases():
    rng = np.random.default_rng(20261122)
    samples = []  # (label, spec_a, spec_b, values_a, values_b)

    def add(label, spec_a, spec_b):
        va = spec_a["values"] if "values" in spec_a else lcg_sample(**spec_a["lcg"])
        vb = spec_b["values"] if "values" in spec_b else lcg_sample(**spec_b["lcg"])
        samples.append((label, spec_a, spec_b, va, vb))

    # verbatim normal draws, equal/unequal sizes, several shifts
    for n1, n2 in [(1, 1), (1, 2), (2, 3), (3, 3), (5, 5), (5, 7), (6, 9), (8, 12), (10, 10), (13, 17),
                   (20, 30), (25, 25), (30, 45), (40, 60), (50, 75), (64, 96), (100, 100), (100, 150),
                   (120, 180), (200, 250), (150, 300)]:
        for shift in (0.0, 0.5, 1.5):
            a = rng.normal(0.0, 1.0, n1).tolist()
            b = rng.normal(shift, 1.0, n2).tolist()
            add(f"normal n1={n1} n2={n2} shift={shift}", {"values": a}, {"values": b})
    # verbatim ties: integer-valued data, within and across samples
    for n1, n2, lam1, lam2 in [(5, 5, 2, 2), (10, 15, 3, 3), (20, 20, 1, 2), (30, 50, 4, 5), (60, 40, 2, 2),
                               (100, 100, 3, 4), (80, 120, 6, 6), (200, 300, 1, 1)]:
        a = rng.poisson(lam1, n1).astype(float).tolist()
        b = rng.poisson(lam2, n2).astype(float).tolist()
        add(f"poisson ties n1={n1} n2={n2} lam={lam1},{lam2}", {"values": a}, {"values": b})
    add("identical samples", {"values": [1.0, 2.0, 3.0, 4.0]}, {"values": [1.0, 2.0, 3.0, 4.0]})
    add("disjoint samples", {"values": [1.0, 2.0, 3.0]}, {"values": [10.0, 11.0, 12.0, 13.0]})
    add("reversed disjoint", {"values": [10.0, 11.0, 12.0, 13.0, 14.0]}, {"values": [1.0, 2.0, 3.0]})
    add("all equal", {"values": [5.0] * 7}, {"values": [5.0] * 9})

    # generated samples: large sizes, gcd structures, ties
    seed = 1
    for n1, n2, shift in [(300, 400, 0.0), (300, 700, 0.03125), (450, 560, 0.0625), (500, 500, 0.0),
                          (500, 500, 0.0625), (999, 1001, 0.0), (1000, 1000, 0.03125), (1000, 1500, 0.0),
                          (1000, 1500, 0.0625), (2000, 3000, 0.015625), (1024, 768, 0.0), (3000, 2000, 0.0),
                          (5000, 5000, 0.0), (5000, 5000, 0.015625), (7, 10000, 0.0), (9999, 10000, 0.0),
                          (10000, 10000, 0.0), (10000, 10000, 0.0078125), (10000, 6000, 0.0),
                          (10001, 10000, 0.0), (10001, 10000, 0.015625), (15000, 12000, 0.0),
                          (20000, 20000, 0.0), (20000, 20000, 0.0078125), (20000, 5, 0.25),
                          # lcm(50000, 49999) > 2^31 - 1: method='exact' switches to asymp up front
                          (50000, 49999, 0.0)]:
        a = {"lcg": {"seed": seed, "n": n1, "scale": 1.0, "shift": 0.0, "levels": 0}}
        b = {"lcg": {"seed": seed + 1000, "n": n2, "scale": 1.0, "shift": shift, "levels": 0}}
        seed += 1
        add(f"lcg n1={n1} n2={n2} shift={shift}", a, b)
    for n1, n2, l1, l2 in [(400, 600, 50, 50), (1000, 1000, 10, 11), (3000, 4500, 1000, 1000),
                           (12000, 11000, 200, 200), (20000, 20000, 64, 64)]:
        a = {"lcg": {"seed": seed, "n": n1, "scale": 1.0, "shift": 0.0, "levels": l1}}
        b = {"lcg": {"seed": seed + 1000, "n": n2, "scale": 1.0, "shift": 0.0, "levels": l2}}
        seed += 1
        add(f"lcg ties n1={n1} n2={n2} levels={l1},{l2}", a, b)

    cases = []
    stored = []
    store = lambda spec: {"values": spec["values"]} if "values" in spec else {"lcg": spec["lcg"]}
    for index, (label, spec_a, spec_b, va, vb) in enumerate(samples):
        stored.append({"label": label, "a": store(spec_a), "b": store(spec_b)})
        n1, n2 = len(va), len(vb)
        for alternative in ("two-sided", "less", "greater"):
            for method in ("auto", "exact", "asymp"):
                r, fell_back = run(va, vb, alternative, method)
                p = float(r.pvalue)
                if math.isnan(p):
                    continue  # scipy's 1x1 asymptotic NaN: tested separately (documented deviation)
                cases.append({
                    "sample": index,
                    "alternative": alternative,
                    "method": method,
                    "statistic": float(r.statistic),
                    "pvalue": p,
                    "statistic_location": float(r.statistic_location),
                    "statistic_sign": int(r.statistic_sign),
                    "method_used": method_used(n1, n2, method, fell_back),
                })
    return stored, cases


def kstwo_points():
    pts = []
    ns = [1, 2, 3, 5, 10, 20, 30, 50, 100, 140, 141, 200, 500, 1000, 2500, 5000, 10000, 50000, 100000,
          100001, 500000, 2000000]
    zs = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.87, 0.9, 1.0, 1.1, 1.2, 1.36, 1.5, 1.63, 1.8,
          2.0, 2.5, 3.0, 4.0, 5.0, 7.0, 10.0, 13.0, 19.0]
    for n in ns:
        ds = set()
        for f in (0.3, 0.5, 0.6, 0.75, 0.9, 1.0, 1.2, 1.5, 2.0):
            ds.add(f / n)
        for z in zs:
            ds.add(z / math.sqrt(n))
        for d in (0.2, 0.3, 0.45, 0.5, 0.55, 0.7, 0.9, 0.99, 1.0, 1.5, 0.0, -0.1):
            ds.add(d)
        for d in sorted(ds):
            pts.append({"n": n, "d": d, "sf": float(stats.kstwo.sf(d, n)), "cdf": float(stats.kstwo.cdf(d, n))})
    return pts


def smirnov_points():
    pts = []
    for n in [1, 2, 5, 10, 30, 100, 141, 1000, 10000, 200000, 2000000]:
        for x in [0.0, 0.3 / n, 1.0 / n, 1.5 / n, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1 - 0.5 / n, 1.0]:
            if 0 <= x <= 1:
                pts.append({"n": n, "x": x, "sf": float(special.smirnov(n, x))})
    return pts


def generate(out_dir):
    samples, cases = ks_cases()
    golden_io.write(out_dir, "ks", {
        "scipy": __import__("scipy").__version__,
        "generator": "lcg: x <- (1664525*x + 1013904223) mod 2^32; u = x/2^32; value = u*scale+shift, or floor(u*levels) when levels > 0",
        "samples": samples,
        "cases": cases,
        "kstwo": kstwo_points(),
        "smirnov": smirnov_points(),
        "reference_n30_d02": {"kstwo_sf": float(stats.kstwo.sf(0.2, 30)),
                              "kstwobign_sf": float(stats.kstwobign.sf(0.2 * math.sqrt(30)))},
    })
