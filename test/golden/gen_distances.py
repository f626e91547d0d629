"""Golden vectors for the distances and binning rules (scipy 1.17.1 / numpy formulas).

Writes fixtures/distances.json. jensenshannon and wasserstein_distance come from scipy; PSI and
Hellinger have no scipy function, so they are computed here with direct numpy formulas:
  psi       = sum((c - r) * ln(c / r)), r, c proportions, exact zeros replaced by epsilon (1e-4 default)
  hellinger = sqrt(sum((sqrt(p) - sqrt(q))**2) / 2), p, q normalised to sum 1
Binning: reference-quantile inner edges = unique(np.quantile(ref, arange(1, bins) / bins)), counts by
np.searchsorted(edges, x, 'left'); Sturges edges = np.histogram_bin_edges(pooled, 'sturges'), counts
by np.histogram.
"""
import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

import golden_io

SEED = 424242


def r6(x):
    return [float(f"{v:.6g}") for v in np.asarray(x, dtype=float)]


def psi_np(r, c, eps=1e-4):
    r = np.asarray(r, float) / np.sum(r)
    c = np.asarray(c, float) / np.sum(c)
    r = np.where(r == 0, eps, r)
    c = np.where(c == 0, eps, c)
    return float(np.sum((c - r) * np.log(c / r)))


def hellinger_np(p, q):
    p = np.asarray(p, float) / np.sum(p)
    q = np.asarray(q, float) / np.sum(q)
    return float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2))


def quantile_bins(ref, cur, bins):
    edges = np.unique(np.quantile(np.asarray(ref, float), np.arange(1, bins) / bins))
    rc = np.bincount(np.searchsorted(edges, ref, "left"), minlength=len(edges) + 1)
    cc = np.bincount(np.searchsorted(edges, cur, "left"), minlength=len(edges) + 1)
    return edges, rc, cc


def sturges_bins(ref, cur):
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    return edges, np.histogram(ref, edges)[0], np.histogram(cur, edges)[0]


def generate(out_dir):
    rng = np.random.default_rng(SEED)
    vectors = []
    for k in [2, 3, 5, 10, 40, 200]:
        for zeros in [False, True]:
            p = rng.dirichlet(np.ones(k))
            q = rng.dirichlet(np.ones(k) * 0.5)
            if zeros:
                p[0] = 0
                q[-1] = 0
            counts = rng.random() < 0.5
            if counts:
                p = np.round(p * 1000)
                q = np.round(q * 700)
            for base in [None, 2.0, 10.0]:
                vectors.append({"p": p, "q": q, "base": base, "js": jensenshannon(p, q, base=base),
                                "psi": psi_np(p, q), "psi_eps_1e-3": psi_np(p, q, 1e-3),
                                "hellinger": hellinger_np(p, q)})
    samples = []
    for n, m in [(5, 5), (10, 30), (100, 80), (1000, 1200), (20000, 5000)]:
        for kind in ["normal", "discrete"]:
            if kind == "normal":
                ref = r6(rng.normal(0, 1, n))
                cur = r6(rng.normal(0.3, 1.2, m))
            else:
                ref = [float(v) for v in rng.poisson(3, n)]
                cur = [float(v) for v in rng.poisson(3.5, m)]
            ref_a, cur_a = np.asarray(ref), np.asarray(cur)
            case = {"reference": ref, "current": cur, "kind": kind}
            for bins in [4, 10]:
                edges, rc, cc = quantile_bins(ref_a, cur_a, bins)
                case[f"quantile{bins}"] = {"edges": edges, "ref": rc, "cur": cc, "psi": psi_np(rc, cc),
                                           "js": jensenshannon(rc, cc), "hellinger": hellinger_np(rc, cc)}
            edges, rc, cc = sturges_bins(ref_a, cur_a)
            case["sturges"] = {"edges": edges, "ref": rc, "cur": cc, "psi": psi_np(rc, cc),
                               "js": jensenshannon(rc, cc), "hellinger": hellinger_np(rc, cc)}
            case["wasserstein"] = wasserstein_distance(ref_a, cur_a)
            uw = rng.random(len(ref)) if n <= 1000 else None
            vw = rng.random(len(cur)) if n <= 1000 else None
            if uw is not None:
                case["uWeights"] = uw
                case["vWeights"] = vw
                case["wasserstein_weighted"] = wasserstein_distance(ref_a, cur_a, uw, vw)
            samples.append(case)
    # Sturges edge cases: constant pooled data, n where log2(n) is an integer
    edge_cases = []
    for ref, cur in [([2.0, 2.0, 2.0], [2.0]), ([0.0, 1, 2, 3], [4.0, 5, 6, 7]), ([0.1, 0.2, 0.7], [0.3] * 5),
                     ([1e-3] * 8, [5e-3] * 8)]:
        edge_cases.append({"reference": ref, "current": cur, "edges": sturges_bins(np.asarray(ref), np.asarray(cur))[0]})
    golden_io.write(out_dir, "distances", {"seed": SEED, "vectors": vectors, "samples": samples, "sturges_edge_cases": edge_cases,
                                           "wasserstein_doc": [[[0, 1, 3], [5, 6, 8], None, None, wasserstein_distance([0, 1, 3], [5, 6, 8])],
                                                               [[3.4, 3.9, 7.5, 7.8], [4.5, 1.4], [1.4, 0.9, 3.1, 7.2], [3.2, 3.5],
                                                                wasserstein_distance([3.4, 3.9, 7.5, 7.8], [4.5, 1.4], [1.4, 0.9, 3.1, 7.2], [3.2, 3.5])]]})
