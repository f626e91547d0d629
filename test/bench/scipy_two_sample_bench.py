"""Times scipy.stats.ks_2samp on two samples of 10,000 (the same shapes as two-sample-bench.ts),
for the baseline column of `npm run bench`. Prints JSON: {case: seconds per call (best of runs)}."""
import json
import time

import numpy as np
from scipy import stats


def best(fn, reps=20):
    fn()
    t = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


rng = np.random.default_rng(7)
a = rng.normal(0.0, 1.0, 10_000)
b = rng.normal(0.05, 1.0, 10_000)
c = rng.normal(0.05, 1.0, 9_999)
out = {
    "ks 10k x 10k auto": best(lambda: stats.ks_2samp(a, b, method="auto")),
    "ks 10k x 10k asymp": best(lambda: stats.ks_2samp(a, b, method="asymp")),
    "ks 10k x 9,999 exact": best(lambda: stats.ks_2samp(a, c, method="exact"), reps=5),
}
print(json.dumps(out))
