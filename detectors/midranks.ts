/**
 * Ranks with ties given their average rank (`scipy.stats.rankdata(method='average')`), used by
 * the rank-based two-sample tests.
 */

/**
 * 1-based average ranks of `x` (ties share the mean of the ranks they span).
 *
 * @example
 * ```ts
 * console.log(Array.from(midranks([10, 20, 10, 30]))); // [ 1.5, 3, 1.5, 4 ]
 * ```
 */
export function midranks(x: Float64Array): Float64Array {
  const n = x.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((i, j) => (x[i] as number) - (x[j] as number));
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    const v = x[order[i] as number] as number;
    while (j < n && x[order[j] as number] === v) j++;
    const r = (i + 1 + j) / 2; // mean of ranks i+1 .. j
    for (let k = i; k < j; k++) ranks[order[k] as number] = r;
    i = j;
  }
  return ranks;
}
