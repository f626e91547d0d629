/**
 * First Wasserstein (earth mover's) distance between two 1-D empirical distributions, as
 * `scipy.stats.wasserstein_distance`.
 */
import { DriftwatchError } from './errors';
import { checkCounts, checkSample } from './test-inputs';

function checkWeights(name: string, w: ArrayLike<number> | undefined, n: number): Float64Array | undefined {
  if (w === undefined) return undefined;
  const out = checkCounts('wasserstein', name, w);
  if (out.length !== n) {
    throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `wasserstein: ${name} has ${out.length} entries but its sample has ${n}; they must match`, {
      details: { function: 'wasserstein', argument: name },
    });
  }
  let s = 0;
  for (const x of out) s += x;
  if (!(s > 0 && Number.isFinite(s))) {
    throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `wasserstein: ${name} must have a positive, finite sum`, {
      details: { function: 'wasserstein', argument: name },
    });
  }
  return out;
}

/** Cumulative distribution of one sample at each pooled value: weight of values ≤ x over the total. */
function cdfAt(values: Float64Array, weights: Float64Array | undefined, at: Float64Array): Float64Array {
  // Unweighted: a plain typed-array sort (fast); weighted: sort indices to carry the weights along.
  const order = weights === undefined ? undefined : Array.from(values.keys()).sort((i, j) => (values[i] as number) - (values[j] as number));
  const sorted = order === undefined ? Float64Array.from(values).sort() : Float64Array.from(order, (i) => values[i] as number);
  const cum = new Float64Array(sorted.length + 1);
  if (weights !== undefined && order !== undefined) for (let k = 0; k < order.length; k++) cum[k + 1] = (cum[k] as number) + (weights[order[k] as number] as number);
  const total = weights === undefined ? sorted.length : (cum[sorted.length] as number);
  const out = new Float64Array(at.length);
  let idx = 0;
  for (let k = 0; k < at.length; k++) {
    const x = at[k] as number; // `at` is sorted: advance a single pointer (searchsorted 'right')
    while (idx < sorted.length && (sorted[idx] as number) <= x) idx++;
    out[k] = weights === undefined ? idx / total : (cum[idx] as number) / total;
  }
  return out;
}

/**
 * W₁(u, v) = ∫ |F_u(x) − F_v(x)| dx over the pooled support, for samples `u` and `v` with optional
 * non-negative weights (default: equal weights). Both samples need at least one finite value.
 *
 * @example
 * ```ts
 * console.log(wasserstein([0, 1, 3], [5, 6, 8])); // 5
 * console.log(wasserstein([3.4, 3.9, 7.5, 7.8], [4.5, 1.4], [1.4, 0.9, 3.1, 7.2], [3.2, 3.5]).toFixed(6)); // 4.078133
 * ```
 */
export function wasserstein(
  u: ArrayLike<number>,
  v: ArrayLike<number>,
  uWeights?: ArrayLike<number>,
  vWeights?: ArrayLike<number>,
): number {
  const a = checkSample('wasserstein', 'u', u);
  const b = checkSample('wasserstein', 'v', v);
  const wa = checkWeights('uWeights', uWeights, a.length);
  const wb = checkWeights('vWeights', vWeights, b.length);
  const all = new Float64Array(a.length + b.length);
  all.set(a);
  all.set(b, a.length);
  all.sort();
  const at = all.subarray(0, all.length - 1);
  const fu = cdfAt(a, wa, at);
  const fv = cdfAt(b, wb, at);
  let sum = 0;
  for (let k = 0; k < at.length; k++) sum += Math.abs((fu[k] as number) - (fv[k] as number)) * ((all[k + 1] as number) - (all[k] as number));
  return sum;
}
