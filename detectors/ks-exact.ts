/**
 * Exact null distribution of the two-sample Kolmogorov–Smirnov statistic, as used by
 * `scipy.stats.ks_2samp(method='exact')` (scipy 1.17.1, `_attempt_exact_2kssamp` and helpers).
 *
 * Under H0 every interleaving of the two sorted samples is equally likely, i.e. every monotone
 * lattice path from (0,0) to (n1,n2). With D = h / lcm(n1, n2), the p-value is the share of paths
 * that reach the diagonal band |x/n1 − y/n2| >= h/lcm (two-sided) or one side of it (one-sided).
 * The algorithms and their floating-point formulation follow scipy, so the same inputs give the
 * same p-values (to ~1e-12) and the same failures (overflow → the caller falls back to asymp).
 */

/** Outcome of an exact attempt: `ok` false means the computation overflowed or left [0, 1]. */
export interface ExactKsResult {
  /** True when `pValue` is a valid exact probability. */
  ok: boolean;
  /** The statistic after rounding to the lattice, h / lcm(n1, n2) (scipy returns this one). */
  statistic: number;
  /** The exact p-value; NaN when `ok` is false. */
  pValue: number;
}

/**
 * Rounds half to even, as `numpy.round` does.
 *
 * @example
 * ```ts
 * console.log(roundHalfEven(2.5), roundHalfEven(3.5)); // 2 4
 * ```
 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Greatest common divisor of two positive integers.
 *
 * @example
 * ```ts
 * console.log(gcd(30, 45)); // 15
 * ```
 */
export function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

/**
 * Attempts the exact p-value for the two-sample KS statistic `d` with sample sizes `n1`, `n2`
 * (scipy `_attempt_exact_2kssamp`). The statistic is first snapped to the lattice h/lcm(n1, n2).
 *
 * @example
 * ```ts
 * import { attemptExactKs2Samp } from './ks-exact';
 * console.log(attemptExactKs2Samp(5, 5, 0.6, 'two-sided')); // { ok: true, statistic: 0.6, pValue: 0.35714285714285715 }
 * ```
 */
export function attemptExactKs2Samp(
  n1: number,
  n2: number,
  d: number,
  alternative: 'two-sided' | 'less' | 'greater',
): ExactKsResult {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const statistic = h / lcm;
  if (h === 0) return { ok: true, statistic, pValue: 1 };
  let prob: number;
  if (alternative === 'two-sided') {
    prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInsideMethod(n1, n2, g, h);
  } else if (n1 === n2) {
    // binom(2n, n-h) / binom(2n, n), as a product to avoid the binomials' rounding.
    prob = 1;
    for (let j = 0; j < h; j++) prob *= (n1 - j) / (n1 + j + 1);
  } else {
    // scipy raises on the first overflowing binomial; every intermediate count is at most the
    // total, so checking the total first gives the same failures without the O(n^2) loop.
    const total = binom(n1 + n2, n1);
    if (!Number.isFinite(total)) return { ok: false, statistic, pValue: Number.NaN };
    const numPaths = countPathsOutside(n1, n2, g, h);
    if (!Number.isFinite(numPaths) || numPaths > total) {
      return { ok: false, statistic, pValue: Number.NaN };
    }
    prob = numPaths / total;
  }
  if (!(prob >= 0 && prob <= 1)) return { ok: false, statistic, pValue: Number.NaN };
  return { ok: true, statistic, pValue: prob };
}

/**
 * Pr(D_{n,n} >= h/n) for two samples of equal size n (scipy `_compute_prob_outside_square`):
 * 2·Σ_k (−1)^k binom(2n, n−kh)/binom(2n, n), evaluated Horner-style with each ratio as a product
 * of h simple factors, which avoids the subtractive cancellation of the plain alternating sum.
 *
 * @example
 * ```ts
 * console.log(probOutsideSquare(5, 3)); // 0.35714285714285715 (D = 3/5 with n1 = n2 = 5)
 * ```
 */
export function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    const kh = k * h;
    for (let j = 0; j < h; j++) p1 = ((n - kh - j) * p1) / (n + kh + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

/**
 * Share of lattice paths that leave the band |x/m − y/n| < h/lcm (scipy's pythran
 * `_compute_outer_prob_inside_method`): the "inside" recursion of Hodges rewritten by Viehmann
 * (arXiv:2102.08037) to carry 1 − p directly, so it stays in [0, 1] and never overflows.
 * Cost O(max(m,n) · band width).
 *
 * @example
 * ```ts
 * console.log(outerProbInsideMethod(5, 7, 1, 21)); // 0.16666666666666666 (D = 21/35)
 * ```
 */
export function outerProbInsideMethod(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  // Each step is a convex combination, so multiplying by a precomputed 1/(i+j) instead of dividing
  // adds at most an ulp per step (no amplification) and halves the cost of this O(m·band) loop.
  const inv = new Float64Array(m + n + 1);
  for (let k = 1; k <= m + n; k++) inv[k] = 1 / k;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    const shift = minj - lastminj;
    const width = maxj - minj;
    for (let jj = 0; jj < width; jj++) {
      const j = jj + minj;
      val = ((A[jj + shift] as number) * i + val * j) * (inv[i + j] as number);
      A[jj] = val;
    }
    curlen = width;
    if (lastlen > curlen) A.fill(1, width, width + (lastlen - curlen));
  }
  return A[maxj - minj - 1] as number;
}

/**
 * Number of lattice paths from (0,0) to (m,n) that touch m·y <= n·x − h·g (scipy
 * `_count_paths_outside_method`, after Hodges 1958). May overflow to Infinity for large samples;
 * the caller checks.
 *
 * @example
 * ```ts
 * console.log(countPathsOutside(5, 7, 1, 21)); // 66
 * ```
 */
export function countPathsOutside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  const lxj = n + Math.floor((mg - h) / mg);
  if (lxj <= 0) return binom(m + n, n);
  const xj = new Float64Array(lxj);
  for (let j = 0; j < lxj; j++) xj[j] = Math.floor((h + mg * j + ng - 1) / ng);
  const B = new Float64Array(lxj);
  B[0] = 1;
  for (let j = 1; j < lxj; j++) {
    const xjj = xj[j] as number;
    let Bj = binom(xjj + j, j);
    for (let i = 0; i < j; i++) Bj -= binom(xjj - (xj[i] as number) + j - i, j - i) * (B[i] as number);
    B[j] = Bj;
  }
  let numPaths = 0;
  for (let j = 0; j < lxj; j++) numPaths += (B[j] as number) * binom(m - (xj[j] as number) + (n - j), n - j);
  return numPaths;
}

/**
 * Binomial coefficient C(n, k) for integers 0 <= k <= n, in double precision (Infinity on overflow).
 * Small k uses the same product loop as `scipy.special.binom` (so identical rounding); larger k
 * uses log-gamma differences (relative error ~1e-13, like scipy's beta-function route).
 *
 * @example
 * ```ts
 * console.log(binom(10, 3)); // 120
 * ```
 */
export function binom(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let kx = k;
  if (kx > n / 2 && n > 0) kx = n - kx;
  if (kx < 20) {
    let num = 1;
    let den = 1;
    for (let i = 1; i < 1 + kx; i++) {
      num *= i + n - kx;
      den *= i;
      if (Math.abs(num) > 1e50) {
        num /= den;
        den = 1;
      }
    }
    return num / den;
  }
  return Math.exp(logGammaLarge(n + 1) - logGammaLarge(kx + 1) - logGammaLarge(n - kx + 1));
}

/** Bernoulli-series coefficients of the Stirling correction, highest power of 1/x² first. */
const STIRLING = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
  -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log Γ(x) for x >= 20 by Stirling's series (truncation error < 1e-20 there). */
function logGammaLarge(x: number): number {
  const r = 1 / x;
  const u = r * r;
  let poly = 0;
  for (const c of STIRLING) poly = poly * u + c;
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + r * poly;
}
