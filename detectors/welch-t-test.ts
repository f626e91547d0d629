/**
 * Welch's unequal-variance t-test, as `scipy.stats.ttest_ind(a, b, equal_var=False)`.
 */
import { pairwiseSum } from './pairwise-sum';
import { studentTCdf, studentTSf } from './special-functions';
import { checkAlternative, checkSample, type Alternative } from './test-inputs';

/** Options of {@link welchTTest}. */
export interface WelchTTestOptions {
  /** 'two-sided' (default), 'less' (mean of a < mean of b) or 'greater'. */
  alternative?: Alternative;
}

/** Result of {@link welchTTest}. */
export interface WelchTTestResult {
  /** t = (mean a − mean b) / √(var a / n_a + var b / n_b), variances with ddof = 1. */
  statistic: number;
  pValue: number;
  /** Welch–Satterthwaite degrees of freedom (real-valued). */
  df: number;
  meanA: number;
  meanB: number;
}

const FN = 'welchTTest';

/** Mean and ddof=1 variance computed exactly as scipy does (np.mean; mean of squared deviations × n/(n−1)). */
function meanVar(x: Float64Array): [number, number] {
  const n = x.length;
  const mean = pairwiseSum(x) / n;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - mean;
    sq[i] = d * d;
  }
  return [mean, (pairwiseSum(sq) / n) * (n / (n - 1))];
}

/**
 * Welch's t-test for equal means of two independent samples without assuming equal variances.
 * Each sample needs at least 2 finite values (`DRIFTWATCH_EMPTY_SAMPLE`, `DRIFTWATCH_INVALID_INPUT`).
 *
 * Degenerate case (both samples constant): scipy returns NaN; here, equal constants give
 * statistic 0 and p-value 1, and different constants give ±Infinity with p-value 0 (or 1 for the
 * alternative pointing the other way), so no NaN ever leaves the function.
 *
 * @example
 * ```ts
 * const r = welchTTest([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8]);
 * console.log(r.statistic.toFixed(4), r.df.toFixed(3), r.pValue.toFixed(4)); // -2.4019 8.989 0.0398
 * ```
 */
export function welchTTest(a: ArrayLike<number>, b: ArrayLike<number>, options: WelchTTestOptions = {}): WelchTTestResult {
  const alternative = checkAlternative(FN, options.alternative);
  const x = checkSample(FN, 'a', a, 2);
  const y = checkSample(FN, 'b', b, 2);
  const n1 = x.length;
  const n2 = y.length;
  const [m1, v1] = meanVar(x);
  const [m2, v2] = meanVar(y);
  const vn1 = v1 / n1;
  const vn2 = v2 / n2;
  let df = (vn1 + vn2) ** 2 / (vn1 ** 2 / (n1 - 1) + vn2 ** 2 / (n2 - 1));
  if (Number.isNaN(df)) df = 1; // both variances 0: df is irrelevant (scipy uses 1 too)
  const denom = Math.sqrt(vn1 + vn2);
  const d = m1 - m2;
  if (denom === 0 && d === 0) return { statistic: 0, pValue: 1, df, meanA: m1, meanB: m2 };
  const t = d / denom;
  let pValue: number;
  if (alternative === 'less') pValue = studentTCdf(t, df);
  else if (alternative === 'greater') pValue = studentTSf(t, df);
  else pValue = 2 * studentTSf(Math.abs(t), df);
  return { statistic: t, pValue, df, meanA: m1, meanB: m2 };
}
