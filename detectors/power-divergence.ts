/**
 * Cressie–Read power-divergence statistic, shared by the chi-square contingency and
 * goodness-of-fit tests (as scipy's `power_divergence`, which both scipy tests call).
 */
import { pairwiseSum } from './pairwise-sum';
import { invalidParameter } from './test-inputs';

/** scipy's names for the power-divergence exponent λ (`lambda_` in scipy). */
export const POWER_DIVERGENCE_LAMBDAS = {
  pearson: 1,
  'log-likelihood': 0,
  'freeman-tukey': -0.5,
  'mod-log-likelihood': -1,
  neyman: -2,
  'cressie-read': 2 / 3,
} as const;

/** A λ given by name (scipy's names) or by value. */
export type PowerDivergenceLambda = keyof typeof POWER_DIVERGENCE_LAMBDAS | number;

/**
 * Resolves a λ option to its number (default 1 = Pearson), throwing `DRIFTWATCH_INVALID_PARAMETER`
 * for unknown names and non-finite numbers.
 *
 * @example
 * ```ts
 * console.log(resolveLambda('chiSquareTest', 'log-likelihood')); // 0
 * ```
 */
export function resolveLambda(fn: string, lambda: unknown): number {
  if (lambda === undefined) return 1;
  if (typeof lambda === 'number' && Number.isFinite(lambda)) return lambda;
  if (typeof lambda === 'string' && Object.prototype.hasOwnProperty.call(POWER_DIVERGENCE_LAMBDAS, lambda)) {
    return POWER_DIVERGENCE_LAMBDAS[lambda as keyof typeof POWER_DIVERGENCE_LAMBDAS];
  }
  throw invalidParameter(
    fn,
    'lambda',
    `must be a finite number or one of ${Object.keys(POWER_DIVERGENCE_LAMBDAS).join(', ')}; got ${JSON.stringify(lambda)}`,
  );
}

/** x·ln(y) with 0·ln(y) = 0, as `scipy.special.xlogy`. */
function xlogy(x: number, y: number): number {
  return x === 0 && !Number.isNaN(y) ? 0 : x * Math.log(y);
}

/**
 * Power-divergence statistic Σ term(O, E) for exponent λ, summed in numpy's pairwise order so that
 * the result matches scipy bit for bit on the same inputs. λ = 1 is Pearson's X², λ = 0 the G
 * statistic (2 Σ O ln(O/E)), λ = −1 the modified log-likelihood (2 Σ E ln(E/O)).
 *
 * @example
 * ```ts
 * console.log(powerDivergence([10, 20], [15, 15], 1)); // 3.3333333333333335
 * ```
 */
export function powerDivergence(observed: ArrayLike<number>, expected: ArrayLike<number>, lambda: number): number {
  const n = observed.length;
  const terms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = observed[i] as number;
    const e = expected[i] as number;
    let t: number;
    if (lambda === 1) t = ((o - e) * (o - e)) / e;
    else if (lambda === 0) t = 2 * xlogy(o, o / e);
    else if (lambda === -1) t = 2 * xlogy(e, e / o);
    else t = (o * ((o / e) ** lambda - 1)) / (0.5 * lambda * (lambda + 1));
    terms[i] = t;
  }
  return pairwiseSum(terms);
}
