/**
 * Hellinger distance between two discrete distributions.
 */
import { distributionPair, type Binning } from './binning';
import { pairwiseSum } from './pairwise-sum';

/** Options of {@link hellinger}. */
export interface HellingerOptions {
  /** Bin raw samples with this rule (see binning.ts); omit when the inputs are counts/probabilities. */
  binning?: Binning;
}

/**
 * Hellinger distance H(p, q) = √(½ Σ (√p_i − √q_i)²), in [0, 1], after normalising both vectors
 * to sum 1 (so counts work). Empty bins need no smoothing (√0 = 0).
 *
 * @example
 * ```ts
 * console.log(hellinger([1, 0], [0, 1])); // 1
 * console.log(hellinger([0.5, 0.5], [0.9, 0.1]).toFixed(6)); // 0.324920
 * ```
 */
export function hellinger(p: ArrayLike<number>, q: ArrayLike<number>, opts: HellingerOptions = {}): number {
  const [a, b] = distributionPair('hellinger', p, q, opts.binning);
  const sa = pairwiseSum(a);
  const sb = pairwiseSum(b);
  const terms = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const d = Math.sqrt((a[i] as number) / sa) - Math.sqrt((b[i] as number) / sb);
    terms[i] = d * d;
  }
  return Math.sqrt(pairwiseSum(terms) / 2);
}
