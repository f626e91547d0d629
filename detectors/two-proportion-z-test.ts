/**
 * Two-proportion z-test with pooled variance (as statsmodels' `proportions_ztest` with the
 * default pooled variance; checked against a scipy.stats.norm formula in the golden generator).
 */
import { DriftwatchError } from './errors';
import { normalCdf, normalSf } from './special-functions';
import { checkAlternative, type Alternative } from './test-inputs';

/** Options of {@link twoProportionZTest}. */
export interface TwoProportionZTestOptions {
  /** 'two-sided' (default), 'less' (rate A < rate B) or 'greater'. */
  alternative?: Alternative;
}

/** Result of {@link twoProportionZTest}. */
export interface TwoProportionZTestResult {
  /** z = (p̂A − p̂B) / √(p̂(1 − p̂)(1/nA + 1/nB)), p̂ the pooled rate. */
  statistic: number;
  pValue: number;
  rateA: number;
  rateB: number;
  pooledRate: number;
}

const FN = 'twoProportionZTest';

function checkCount(name: string, value: unknown, max?: number): number {
  const ok = typeof value === 'number' && Number.isInteger(value) && value >= 0 && (max === undefined || value <= max);
  if (!ok) {
    throw new DriftwatchError(
      'DRIFTWATCH_INVALID_INPUT',
      `${FN}: ${name} must be a whole number ≥ 0${max === undefined ? '' : ` and ≤ ${max}`}, got ${String(value)}`,
      { details: { function: FN, argument: name } },
    );
  }
  return value as number;
}

/**
 * Tests whether two binomial rates are equal (e.g. the null-output rate of the reference window
 * against the current one). nA and nB must be ≥ 1, successes in [0, n].
 *
 * Degenerate case: when the pooled rate is 0 or 1 (no successes or no failures at all) the two
 * samples are identical, the variance is 0 and scipy-style arithmetic would give NaN; this
 * function returns statistic 0 and p-value 1 instead.
 *
 * @example
 * ```ts
 * const r = twoProportionZTest(30, 200, 55, 210);
 * console.log(r.statistic.toFixed(4), r.pValue.toExponential(3)); // -2.7939 5.207e-3
 * ```
 */
export function twoProportionZTest(
  successesA: number,
  nA: number,
  successesB: number,
  nB: number,
  options: TwoProportionZTestOptions = {},
): TwoProportionZTestResult {
  const alternative = checkAlternative(FN, options.alternative);
  if (nA === 0 || nB === 0) {
    throw new DriftwatchError('DRIFTWATCH_EMPTY_SAMPLE', `${FN}: nA and nB must be ≥ 1 (got ${nA}, ${nB})`, {
      details: { function: FN },
    });
  }
  const n1 = checkCount('nA', nA);
  const n2 = checkCount('nB', nB);
  const x1 = checkCount('successesA', successesA, n1);
  const x2 = checkCount('successesB', successesB, n2);
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const p = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  if (se === 0) return { statistic: 0, pValue: 1, rateA: p1, rateB: p2, pooledRate: p };
  const z = (p1 - p2) / se;
  let pValue: number;
  if (alternative === 'less') pValue = normalCdf(z);
  else if (alternative === 'greater') pValue = normalSf(z);
  else pValue = 2 * normalSf(Math.abs(z));
  return { statistic: z, pValue, rateA: p1, rateB: p2, pooledRate: p };
}
