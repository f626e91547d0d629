/**
 * numpy's pairwise summation, reproduced operation for operation.
 *
 * scipy reduces arrays with `np.sum` / `np.mean`, which sum contiguous float64 data pairwise
 * (blocks of 128 with 8 accumulators). Summing in the same order gives bit-identical sums, so
 * statistics that cancel (a G statistic near 0, a t statistic of nearly equal means) agree with
 * scipy far beyond what an independent "more accurate" summation would.
 */

/**
 * Sum of `a[from..from+n)` in numpy's pairwise order (equal to `np.sum` bit for bit).
 *
 * @example
 * ```ts
 * console.log(pairwiseSum([0.1, 0.2, 0.3])); // 0.6000000000000001
 * ```
 */
export function pairwiseSum(a: ArrayLike<number>, from = 0, n: number = a.length - from): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[from + i] as number;
    return res;
  }
  if (n <= 128) {
    let r0 = a[from] as number;
    let r1 = a[from + 1] as number;
    let r2 = a[from + 2] as number;
    let r3 = a[from + 3] as number;
    let r4 = a[from + 4] as number;
    let r5 = a[from + 5] as number;
    let r6 = a[from + 6] as number;
    let r7 = a[from + 7] as number;
    let i = 8;
    const end = n - (n % 8);
    for (; i < end; i += 8) {
      const k = from + i;
      r0 += a[k] as number;
      r1 += a[k + 1] as number;
      r2 += a[k + 2] as number;
      r3 += a[k + 3] as number;
      r4 += a[k + 4] as number;
      r5 += a[k + 5] as number;
      r6 += a[k + 6] as number;
      r7 += a[k + 7] as number;
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[from + i] as number;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, from, n2) + pairwiseSum(a, from + n2, n - n2);
}

/**
 * Arithmetic mean as `np.mean` computes it (pairwise sum divided by n).
 *
 * @example
 * ```ts
 * console.log(numpyMean([1, 2, 3, 4])); // 2.5
 * ```
 */
export function numpyMean(a: ArrayLike<number>): number {
  return pairwiseSum(a) / a.length;
}
