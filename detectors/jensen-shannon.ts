/**
 * Jensen–Shannon distance, as `scipy.spatial.distance.jensenshannon`.
 */
import { distributionPair, type Binning } from './binning';
import { pairwiseSum } from './pairwise-sum';
import { invalidParameter } from './test-inputs';

/** Options of {@link jensenShannon}. */
export interface JensenShannonOptions {
  /** Logarithm base; default e (natural log, maximum √ln 2). Base 2 bounds the distance by 1. */
  base?: number;
  /** Bin raw samples with this rule (see binning.ts); omit when the inputs are counts/probabilities. */
  binning?: Binning;
}

/** Relative entropy term x·ln(x/y) with 0·ln(0/y) = 0 (`scipy.special.rel_entr`). */
function relEntr(x: number, y: number): number {
  if (x === 0) return 0;
  return x * Math.log(x / y);
}

/**
 * Jensen–Shannon distance √(JS divergence) between two distributions. Both vectors are
 * normalised to sum 1 first (so counts work), as scipy does; no smoothing is needed because the
 * mixture m = (p + q)/2 is positive wherever p or q is. A tiny negative divergence from rounding
 * (p ≈ q) is clamped to 0 where scipy would return NaN.
 *
 * @example
 * ```ts
 * console.log(jensenShannon([1, 0, 0], [0, 1, 0], { base: 2 })); // 1
 * console.log(jensenShannon([1, 0.5], [0.5, 1]).toFixed(6)); // 0.237977
 * ```
 */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>, opts: JensenShannonOptions = {}): number {
  const base = opts.base;
  if (base !== undefined && (typeof base !== 'number' || !(base > 0) || base === 1 || !Number.isFinite(base))) {
    throw invalidParameter('jensenShannon', 'base', `must be a finite number > 0 other than 1, got ${String(base)}`);
  }
  const [a, b] = distributionPair('jensenShannon', p, q, opts.binning);
  const sa = pairwiseSum(a);
  const sb = pairwiseSum(b);
  const n = a.length;
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pi = (a[i] as number) / sa;
    const qi = (b[i] as number) / sb;
    const m = (pi + qi) / 2;
    left[i] = relEntr(pi, m);
    right[i] = relEntr(qi, m);
  }
  let js = pairwiseSum(left) + pairwiseSum(right);
  if (base !== undefined) js /= Math.log(base);
  return Math.sqrt(Math.max(0, js / 2));
}
