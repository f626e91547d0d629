/**
 * Two-sample Kolmogorov–Smirnov test with the rules and results of `scipy.stats.ks_2samp`
 * (scipy 1.17.1): same statistic (ties included), same signed location, same exact/asymptotic
 * switch, same exact algorithms and the same asymptotic formulas.
 */
import { attemptExactKs2Samp, gcd, roundHalfEven } from './ks-exact';
import { kstwoSf } from './kolmogorov-distribution';
import { checkAlternative, checkSample, invalidParameter, type Alternative } from './test-inputs';

/** Which difference between the two empirical CDFs the test looks for (scipy's `alternative`). */
export type KsAlternative = Alternative;
/** How the p-value is computed (scipy's `method`). */
export type KsMethod = 'auto' | 'exact' | 'asymp';

/** Options of {@link ksTest}. */
export interface KsTestOptions {
  /**
   * `'two-sided'` (default): the CDFs differ; statistic max |F1 − F2|.
   * `'greater'`: F1 > F2 somewhere (sample 1 tends to be smaller); statistic max(F1 − F2).
   * `'less'`: F1 < F2 somewhere (sample 1 tends to be larger); statistic max(F2 − F1).
   */
  alternative?: KsAlternative;
  /**
   * `'auto'` (default): exact when both samples have at most 10,000 points, else asymptotic.
   * `'exact'`: exact lattice-path distribution, unless lcm(n1, n2) would exceed 2^31 − 1 or the
   * computation overflows (scipy warns; here `methodUsed` reports `'asymp'`).
   * `'asymp'`: two-sided → `kstwo.sf(D, round(n1·n2/(n1+n2)))`; one-sided → Hodges' (1958) eq. 5.3.
   */
  method?: KsMethod;
}

/** Result of {@link ksTest}; the first four fields are scipy's `KstestResult`. */
export interface KsTestResult {
  /** The KS statistic D. In exact mode it is snapped to the lattice h/lcm(n1, n2), as scipy does. */
  statistic: number;
  /** The p-value, in [0, 1]. */
  pValue: number;
  /** The pooled observation at which the ECDF difference reaching D occurs (scipy `statistic_location`). */
  statisticLocation: number;
  /** +1 when D is max(F1 − F2), −1 when it is max(F2 − F1) (scipy `statistic_sign`). */
  statisticSign: 1 | -1;
  /** The method that produced the p-value after the auto switch and any exact → asymp fallback. */
  methodUsed: 'exact' | 'asymp';
}

/** scipy's MAX_AUTO_N: 'auto' is exact only when both samples are at most this large. */
const MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;
const METHODS: readonly string[] = ['auto', 'exact', 'asymp'];

/**
 * Two-sample Kolmogorov–Smirnov test, as `scipy.stats.ks_2samp(a, b, alternative, method)`.
 *
 * Inputs are copied and sorted (the caller's arrays are not modified). Ties, within or across the
 * samples, are handled as scipy does (ECDFs evaluated with `searchsorted(side='right')`).
 * Unlike scipy (whose default `nan_policy='propagate'` returns NaN), non-finite values are rejected.
 * One other deviation: two single observations with `method: 'asymp'` (two-sided) give p = 1, the
 * exact value, where scipy evaluates `kstwo.sf(D, 0)` and returns NaN.
 *
 * Cost: O((n1+n2) log(n1+n2)) for the statistic; the exact p-value is O(n) for equal sizes and
 * O(max(n1,n2) · D · min(n1,n2)) for unequal sizes (the band of the lattice-path recursion).
 *
 * @param a - first sample (array or Float64Array of finite numbers).
 * @param b - second sample.
 * @param options - `alternative` (default `'two-sided'`) and `method` (default `'auto'`).
 * @throws DriftwatchError `DRIFTWATCH_EMPTY_SAMPLE` when a sample is empty;
 * `DRIFTWATCH_INVALID_INPUT` when a value is NaN, ±Infinity or not a number;
 * `DRIFTWATCH_INVALID_PARAMETER` when `alternative` or `method` is not one of the listed values.
 *
 * @example
 * ```ts
 * import { ksTest } from 'driftwatch/detectors';
 * const r = ksTest([0.1, 0.4, 0.7, 1.2, 1.5], [0.9, 1.4, 1.8, 2.2, 2.5]);
 * console.log(r.statistic, r.pValue.toFixed(4), r.statisticSign, r.methodUsed);
 * // 0.6 0.3571 1 exact
 * ```
 */
export function ksTest(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: KsTestOptions = {},
): KsTestResult {
  const alternative = checkAlternative('ksTest', options.alternative);
  const method = options.method ?? 'auto';
  if (!METHODS.includes(method)) {
    throw invalidParameter('ksTest', 'method', `must be 'auto', 'exact' or 'asymp', got ${JSON.stringify(method)}`);
  }
  const x1 = checkSample('ksTest', 'a', a).sort();
  const x2 = checkSample('ksTest', 'b', b).sort();
  const n1 = x1.length;
  const n2 = x2.length;

  const ext = ecdfExtremes(x1, x2);
  const minS = Math.min(Math.max(-ext.minDiff, 0), 1);
  const maxS = ext.maxDiff;
  let d: number;
  let statisticLocation: number;
  let statisticSign: 1 | -1;
  if (alternative === 'less' || (alternative === 'two-sided' && minS > maxS)) {
    d = minS;
    statisticLocation = ext.minLoc;
    statisticSign = -1;
  } else {
    d = maxS;
    statisticLocation = ext.maxLoc;
    statisticSign = 1;
  }

  const g = gcd(n1, n2);
  let mode: 'exact' | 'asymp';
  if (method === 'auto') mode = Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'asymp';
  else if (method === 'exact') mode = n1 / g >= INT32_MAX / (n2 / g) ? 'asymp' : 'exact';
  else mode = 'asymp';

  let prob = Number.NaN;
  if (mode === 'exact') {
    const r = attemptExactKs2Samp(n1, n2, d, alternative);
    d = r.statistic;
    if (r.ok) prob = r.pValue;
    else mode = 'asymp';
  }
  if (mode === 'asymp') {
    const m = Math.max(n1, n2);
    const n = Math.min(n1, n2);
    const en = (m * n) / (m + n);
    if (alternative === 'two-sided') {
      const nEff = roundHalfEven(en); // numpy.round: half to even
      // Only n1 = n2 = 1 gives nEff = 0, where scipy returns NaN; every ordering of two single
      // points gives D = 1, so the exact p-value is 1, which is returned instead of NaN.
      prob = nEff === 0 ? 1 : kstwoSf(d, nEff);
    } else {
      // Hodges (1958) eq. 5.3; needs m >= n, hence the sort above.
      const z = Math.sqrt(en) * d;
      const expt = -2 * z ** 2 - (((2 * z * (m + 2 * n)) / Math.sqrt(m * n * (m + n))) / 3.0);
      prob = Math.exp(expt);
    }
  }
  prob = Math.min(Math.max(prob, 0), 1);
  return { statistic: d, pValue: prob, statisticLocation, statisticSign, methodUsed: mode };
}

interface EcdfExtremes {
  maxDiff: number;
  maxLoc: number;
  minDiff: number;
  minLoc: number;
}

/**
 * Max and min of F1(v) − F2(v) over the pooled points v, visited in scipy's order (sorted sample 1,
 * then sorted sample 2) with the same float expression i/n1 − j/n2, so that argmax/argmin pick the
 * same first occurrence as numpy and the location matches scipy's even among equal differences.
 */
function ecdfExtremes(x1: Float64Array, x2: Float64Array): EcdfExtremes {
  const n1 = x1.length;
  const n2 = x2.length;
  let maxDiff = Number.NEGATIVE_INFINITY;
  let minDiff = Number.POSITIVE_INFINITY;
  let maxLoc = Number.NaN;
  let minLoc = Number.NaN;
  const visit = (v: number, c1: number, c2: number): void => {
    const diff = c1 / n1 - c2 / n2;
    if (diff > maxDiff) {
      maxDiff = diff;
      maxLoc = v;
    }
    if (diff < minDiff) {
      minDiff = diff;
      minLoc = v;
    }
  };
  // counts of values <= v in each sample (searchsorted side='right'), by two monotone pointers
  let i1 = 0;
  let i2 = 0;
  for (let k = 0; k < n1; k++) {
    const v = x1[k] as number;
    while (i1 < n1 && (x1[i1] as number) <= v) i1++;
    while (i2 < n2 && (x2[i2] as number) <= v) i2++;
    visit(v, i1, i2);
  }
  i1 = 0;
  i2 = 0;
  for (let k = 0; k < n2; k++) {
    const v = x2[k] as number;
    while (i1 < n1 && (x1[i1] as number) <= v) i1++;
    while (i2 < n2 && (x2[i2] as number) <= v) i2++;
    visit(v, i1, i2);
  }
  return { maxDiff, maxLoc, minDiff, minLoc };
}
