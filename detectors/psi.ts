/**
 * Population stability index between a reference and a current distribution.
 */
import { distributionPair, type Binning } from './binning';
import { pairwiseSum } from './pairwise-sum';
import { invalidParameter } from './test-inputs';

/** Options of {@link psi}. */
export interface PsiOptions {
  /** Bin raw samples with this rule (see binning.ts); omit when the inputs are counts/proportions. */
  binning?: Binning;
  /**
   * Proportion substituted for an empty bin (in either distribution) so that ln(0) never occurs;
   * default 1e-4, the value common in practice. Proportions are not renormalised afterwards.
   */
  epsilon?: number;
}

/**
 * PSI = Σ (c_i − r_i) · ln(c_i / r_i) over bins, with r and c the reference and current
 * proportions (each vector normalised to sum 1). Empty bins: a proportion of exactly 0 is
 * replaced by `epsilon` (default 1e-4), so a bin that empties or appears contributes a large but
 * finite term. Rules of thumb: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 major shift.
 *
 * Inputs are either two count/probability vectors of equal length, or raw samples with a
 * `binning` (default for raw samples in the PSI literature: reference deciles, `'quantile'`).
 *
 * @example
 * ```ts
 * console.log(psi([0.25, 0.25, 0.5], [0.2, 0.3, 0.5]).toFixed(6)); // 0.020273
 * console.log(psi([1, 2, 3, 4, 5, 6, 7, 8], [5, 6, 7, 8, 9, 10, 11, 12], { binning: { method: 'quantile', bins: 4 } }) > 0.25); // true
 * ```
 */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, opts: PsiOptions = {}): number {
  const eps = opts.epsilon ?? 1e-4;
  if (typeof eps !== 'number' || !(eps > 0 && eps < 1)) throw invalidParameter('psi', 'epsilon', `must be in (0, 1), got ${String(eps)}`);
  const [r, c] = distributionPair('psi', reference, current, opts.binning);
  const rt = pairwiseSum(r);
  const ct = pairwiseSum(c);
  const terms = new Float64Array(r.length);
  for (let i = 0; i < r.length; i++) {
    let rp = (r[i] as number) / rt;
    let cp = (c[i] as number) / ct;
    if (rp === 0) rp = eps;
    if (cp === 0) cp = eps;
    terms[i] = (cp - rp) * Math.log(cp / rp);
  }
  return pairwiseSum(terms);
}
