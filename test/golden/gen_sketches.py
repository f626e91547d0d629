"""Golden vectors for the window summaries and the exact regime of the KLL sketch (numpy/scipy).

- moments: numpy mean, var(ddof=0), var(ddof=1), sum, min, max of streams with awkward scales;
- histogram: numpy.histogram counts on fixed edges (values placed exactly on edges included),
  plus the values below/above the range that numpy drops (driftwatch counts them as under/overflow);
- quantiles: numpy.quantile(method='inverted_cdf') of samples with n <= 200, which a KLL sketch
  with k = 200 answers exactly (nothing is compacted yet);
- ks: scipy.stats.ks_2samp(method='asymp') on samples with n <= 200 (ksFromSketches is exact there).
The streams are stored (they are short), so the TypeScript side needs no generator.
"""
import numpy as np
from scipy import stats

import golden_io


def generate(out_dir):
    rng = np.random.default_rng(20261122)
    moments = []
    for name, xs in [
        ("normal", rng.normal(0, 1, 500)),
        ("offset-1e9", 1e9 + rng.normal(0, 1, 500)),
        ("lognormal", rng.lognormal(0, 2, 500)),
        ("tiny", rng.normal(0, 1e-12, 300)),
        ("integers", rng.integers(-1000, 1000, 400).astype(float)),
        ("single", np.array([3.25])),
        ("constant", np.full(50, 0.1)),
    ]:
        moments.append({
            "name": name, "values": xs, "mean": np.mean(xs), "sum": float(np.sum(xs)),
            "var0": np.var(xs, ddof=0), "var1": np.var(xs, ddof=1) if len(xs) > 1 else None,
            "min": np.min(xs), "max": np.max(xs),
        })

    histograms = []
    for name, edges, xs in [
        ("equal-width", np.linspace(-3, 3, 13), rng.normal(0, 1.2, 1000)),
        ("uneven", np.array([0.0, 0.5, 1.0, 2.0, 5.0, 10.0]), rng.exponential(2.0, 800)),
        ("on-edges", np.linspace(0, 1, 5), np.array([0, 0.25, 0.5, 0.75, 1, 0.25, 1, -0.1, 1.1, 0.999])),
    ]:
        counts, _ = np.histogram(xs, bins=edges)
        histograms.append({
            "name": name, "edges": edges, "values": xs, "counts": counts.astype(float),
            "underflow": int(np.sum(xs < edges[0])), "overflow": int(np.sum(xs > edges[-1])),
        })

    qs = [0.001, 0.01, 0.1, 0.25, 1 / 3, 0.5, 0.6, 0.75, 0.9, 0.99, 0.999]
    quantiles = []
    for name, xs in [
        ("normal-200", rng.normal(0, 1, 200)),
        ("ties-150", rng.integers(0, 7, 150).astype(float)),
        ("uniform-37", rng.uniform(-5, 5, 37)),
    ]:
        quantiles.append({"name": name, "values": xs, "q": qs,
                          "quantiles": [float(np.quantile(xs, q, method="inverted_cdf")) for q in qs]})

    ks = []
    for i, (n1, n2, shift) in enumerate([(200, 200, 0.0), (150, 90, 0.5), (64, 200, 1.0), (30, 30, 0.3)]):
        a = np.round(rng.normal(0, 1, n1), 2)  # rounding creates ties across the samples
        b = np.round(rng.normal(shift, 1, n2), 2)
        r = stats.ks_2samp(a, b, method="asymp")
        ks.append({"name": "case-%d" % i, "a": a, "b": b, "statistic": r.statistic, "pvalue": r.pvalue})

    golden_io.write(out_dir, "sketches", {
        "numpy": np.__version__, "scipy": __import__("scipy").__version__,
        "moments": moments, "histograms": histograms, "quantiles": quantiles, "ks": ks,
    })
