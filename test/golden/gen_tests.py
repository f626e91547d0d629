"""Golden vectors for the two-sample / contingency tests and their special functions (scipy 1.17.1).

Writes fixtures/special-functions.json and fixtures/two-sample-tests.json.
Samples are drawn from seeded numpy generators and rounded to 6 significant digits (ties and
compactness); the rounded values are what is stored and what scipy saw.
"""
import warnings

import numpy as np
from scipy import special, stats

import golden_io

SEED = 20261122


def r6(x):
    return [float(f"{v:.6g}") for v in np.asarray(x, dtype=float)]


def special_functions():
    rng = np.random.default_rng(SEED)
    cases = {"gammaln": [], "gammainc": [], "gammaincc": [], "erf": [], "erfc": [], "norm_sf": [],
             "chi2_sf": [], "betainc": [], "t_sf": [], "kv": []}
    for x in list(np.geomspace(1e-6, 1e6, 60)) + [0.5, 1.5, 2.5, 3, 7.5]:
        cases["gammaln"].append([x, special.gammaln(x)])
    for a in [0.5, 1, 1.5, 2, 3.5, 10, 50.5, 200, 1000, 4999.5, 20000]:
        for q in [1e-3, 0.1, 0.5, 0.9, 1, 1.1, 2, 5, 20]:
            x = a * q if q != 20 else a + 20 * np.sqrt(a) + 30
            cases["gammainc"].append([a, x, special.gammainc(a, x)])
            cases["gammaincc"].append([a, x, special.gammaincc(a, x)])
    for x in np.concatenate([np.linspace(-6, 6, 49), [1e-10, 1e-5, 0.3, 8, 12, 20, 26]]):
        cases["erf"].append([x, special.erf(x)])
        cases["erfc"].append([x, special.erfc(x)])
    for z in np.concatenate([np.linspace(-8, 8, 65), [10, 15, 20, 30, 37]]):
        cases["norm_sf"].append([z, stats.norm.sf(z)])
    for k in [1, 2, 3, 5, 10, 30, 99, 500, 9801]:
        for q in [0.01, 0.2, 0.8, 1, 1.3, 2, 4]:
            x = k * q + (40 if q == 4 else 0)
            cases["chi2_sf"].append([x, k, stats.chi2.sf(x, k)])
    for _ in range(80):
        a = float(np.exp(rng.uniform(np.log(0.2), np.log(5000))))
        b = float(np.exp(rng.uniform(np.log(0.2), np.log(5000))))
        x = float(rng.uniform())
        cases["betainc"].append([a, b, x, special.betainc(a, b, x)])
    for df in [1, 2.5, 4.7, 10, 33.3, 100, 1234.5, 19999.2]:
        for t in [-40, -5, -2, -0.5, 0, 0.3, 1, 2.2, 4, 8, 30]:
            cases["t_sf"].append([t, df, stats.t.sf(t, df)])
    for nu in [0.25, 0.75, 1.25]:
        for x in np.geomspace(1e-3, 60, 30):
            cases["kv"].append([nu, x, special.kv(nu, x)])
    golden_io.write(golden_io_out, "special-functions", {"scipy": __import__("scipy").__version__, "cases": cases})


def table_cases(rng):
    out = []
    shapes = [(1, 4), (4, 1), (2, 2), (2, 2), (2, 2), (2, 3), (3, 2), (3, 4), (5, 5), (10, 10), (2, 20), (30, 30)]
    lambdas = [None, "pearson", "log-likelihood", "freeman-tukey", "mod-log-likelihood", "neyman", "cressie-read", 0.5, -0.3, 2.0]
    for i, (r, c) in enumerate(shapes):
        for scale in [3, 40, 5000]:
            probs = rng.dirichlet(np.ones(r * c)).reshape(r, c)
            t = rng.poisson(probs * scale * r * c) + (0 if i % 2 else 1)
            # keep rows/columns non-empty
            t[:, t.sum(axis=0) == 0] += 1
            t[t.sum(axis=1) == 0, :] += 1
            for lam in lambdas:
                if lam is not None and isinstance(lam, (int, float)) and lam < 0 or lam in ("mod-log-likelihood", "neyman", "freeman-tukey"):
                    if (t == 0).any():
                        continue
                for corr in [True, False]:
                    res = stats.chi2_contingency(t, correction=corr, lambda_=lam)
                    out.append({"table": t.tolist(), "correction": corr, "lambda": lam,
                                "statistic": res.statistic, "pvalue": res.pvalue, "dof": res.dof,
                                "expected": res.expected_freq})
    # documented examples, half-counts and a near-tie Yates case
    for t in [[[10, 20], [30, 40]], [[12, 3], [17, 16]], [[100, 100], [100, 100.5]], [[0.5, 3.25], [2, 7]],
              [[1000000, 999000], [1001000, 1000000]]]:
        for corr in [True, False]:
            res = stats.chi2_contingency(t, correction=corr)
            out.append({"table": t, "correction": corr, "lambda": None, "statistic": res.statistic,
                        "pvalue": res.pvalue, "dof": res.dof, "expected": res.expected_freq})
    return out


def gof_cases(rng):
    out = []
    for k in [2, 3, 6, 10, 50, 300]:
        for total in [20, 500, 100000]:
            ref_p = rng.dirichlet(np.ones(k) * 2)
            obs = rng.multinomial(total, rng.dirichlet(ref_p * 50 + 0.1))
            ref_counts = rng.multinomial(5 * total, ref_p)
            for reference, kind in [(ref_counts, "counts"), (ref_p, "proportions")]:
                reference = np.asarray(reference, dtype=float)
                for pseudo in [0.0, 0.5]:
                    sm = reference + pseudo
                    keep = ~((sm == 0) & (obs == 0))
                    if ((sm == 0) & (obs > 0)).any():
                        continue
                    o = obs[keep].astype(float)
                    e = sm[keep] / sm[keep].sum() * o.sum()
                    for lam in [None, "log-likelihood", 2.0]:
                        for ddof in [0, 1]:
                            if keep.sum() - 1 - ddof < 1:
                                continue
                            res = stats.power_divergence(o, e, ddof=ddof, lambda_=lam)
                            out.append({"observed": obs.tolist(), "reference": reference, "kind": kind,
                                        "pseudoCount": pseudo, "lambda": lam, "ddof": ddof,
                                        "categories": np.nonzero(keep)[0].tolist(), "expected": e,
                                        "statistic": res.statistic, "pvalue": res.pvalue})
    return out


def z_cases(rng):
    out = []
    for n1, n2 in [(5, 7), (20, 20), (100, 300), (1000, 800), (20000, 15000), (200000, 200000)]:
        for pa, pb in [(0.1, 0.1), (0.2, 0.35), (0.5, 0.45), (0.01, 0.05), (0.9, 0.6)]:
            x1 = int(rng.binomial(n1, pa))
            x2 = int(rng.binomial(n2, pb))
            p1, p2, p = x1 / n1, x2 / n2, (x1 + x2) / (n1 + n2)
            se = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
            if se == 0:
                continue
            z = (p1 - p2) / se
            for alt in ["two-sided", "less", "greater"]:
                pv = {"two-sided": 2 * stats.norm.sf(abs(z)), "less": stats.norm.cdf(z), "greater": stats.norm.sf(z)}[alt]
                out.append({"x1": x1, "n1": n1, "x2": x2, "n2": n2, "alternative": alt, "statistic": z, "pvalue": pv})
    return out


def fisher_cases(rng):
    tables = [[[6, 2], [1, 4]], [[8, 2], [1, 5]], [[0, 5], [5, 0]], [[5, 0], [0, 5]], [[3, 3], [3, 3]],
              [[0, 0], [3, 4]], [[0, 2], [0, 3]], [[10, 10], [10, 10]], [[1, 9], [11, 3]], [[2, 7], [8, 2]],
              [[100, 95], [95, 100]], [[500, 520], [510, 490]], [[1, 0], [0, 1]], [[0, 1], [1, 0]],
              [[7, 12], [0, 0]], [[12, 5], [5, 12]], [[2000, 1000], [1000, 2000]], [[40, 60], [60, 40]]]
    for _ in range(60):
        scale = int(rng.choice([5, 30, 300, 3000]))
        t = rng.integers(0, scale, size=(2, 2)).tolist()
        tables.append(t)
    out = []
    for t in tables:
        for alt in ["two-sided", "less", "greater"]:
            res = stats.fisher_exact(t, alternative=alt)
            out.append({"table": t, "alternative": alt, "statistic": res.statistic, "pvalue": res.pvalue})
    return out


def sample_pairs(rng):
    """(a, b) pairs of many sizes, unequal, some with ties."""
    sizes = [(2, 2), (2, 5), (3, 3), (5, 7), (8, 8), (10, 20), (20, 20), (19, 6), (21, 20), (25, 40),
             (50, 50), (100, 80), (300, 1000), (2000, 1500), (20000, 15000)]
    pairs = []
    for i, (n, m) in enumerate(sizes):
        shift = [0.0, 0.3, 1.0][i % 3]
        a = r6(rng.normal(0, 1, n))
        b = r6(rng.normal(shift, 1.5, m))
        pairs.append((a, b, "normal"))
        if n <= 2000:
            a = [float(v) for v in rng.integers(0, 6, n)]
            b = [float(v) for v in rng.integers(0, 7, m)]
            pairs.append((a, b, "ties"))
    return pairs


def welch_cases(pairs):
    out = []
    for i, (a, b, kind) in enumerate(pairs):
        for alt in ["two-sided", "less", "greater"]:
            res = stats.ttest_ind(a, b, equal_var=False, alternative=alt)
            if np.isnan(res.statistic):
                continue
            out.append({"pair": i, "kind": kind, "alternative": alt, "statistic": res.statistic,
                        "pvalue": res.pvalue, "df": res.df})
    return out


def cvm_cases(pairs):
    out = []
    for i, (a, b, kind) in enumerate(pairs):
        if len(a) > 5000:
            continue
        res = stats.cramervonmises_2samp(a, b)
        method = "exact" if max(len(a), len(b)) <= 20 else "asymptotic"
        out.append({"pair": i, "kind": kind, "method": method, "statistic": res.statistic, "pvalue": res.pvalue})
    return out


def ad_cases(rng, pairs):
    out = []
    groups = [{"pair": i} for i, (a, b, _) in enumerate(pairs) if len(a) + len(b) >= 4 and len(a) <= 2000]
    for k in [3, 4]:
        for n in [5, 30, 200]:
            groups.append([r6(rng.normal(0.2 * j, 1, n + 3 * j)) for j in range(k)])
            groups.append([[float(v) for v in rng.integers(0, 5, n + j)] for j in range(k)])
    groups.append([r6(rng.normal(0, 1, 5000)), r6(rng.normal(0.05, 1, 4000))])
    groups.append([r6(rng.normal(0, 1, 50)), r6(rng.normal(3, 1, 50))])
    for g in groups:
        samples = [pairs[g["pair"]][0], pairs[g["pair"]][1]] if isinstance(g, dict) else g
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = stats.anderson_ksamp(samples)
        out.append({**(g if isinstance(g, dict) else {"samples": g}), "statistic": res.statistic, "pvalue": res.pvalue,
                    "critical": res.critical_values})
    return out


def generate(out_dir):
    global golden_io_out
    golden_io_out = out_dir
    special_functions()
    rng = np.random.default_rng(SEED + 1)
    pairs = sample_pairs(rng)
    payload = {
        "scipy": __import__("scipy").__version__,
        "seed": SEED,
        "pairs": [{"a": a, "b": b, "kind": k} for a, b, k in pairs],
        "chi2_contingency": table_cases(rng),
        "chisquare": gof_cases(rng),
        "two_proportion_z": z_cases(rng),
        "fisher_exact": fisher_cases(rng),
        "welch": welch_cases(pairs),
        "cramervonmises": cvm_cases(pairs),
        "anderson_ksamp": ad_cases(rng, pairs),
    }
    golden_io.write(out_dir, "two-sample-tests", payload)
