/**
 * Binning rules that turn raw samples into the histograms compared by the distances
 * (PSI, Jensen–Shannon, Hellinger).
 *
 * - Reference-quantile bins (the PSI convention): inner edges at the reference quantiles
 *   i/bins, i = 1..bins−1 (numpy's default 'linear' quantile), duplicates removed (discrete data),
 *   outer bins open-ended so current values outside the reference range are still counted.
 *   Bin i holds e_{i−1} < x ≤ e_i (`np.searchsorted(edges, x, 'left')`).
 * - Sturges bins: ceil(log2 n) + 1 equal-width bins over the pooled range of both samples, with
 *   the edges of `numpy.histogram_bin_edges(pooled, bins='sturges')`; bin i holds e_i ≤ x < e_{i+1},
 *   the last bin also holds its right edge (numpy.histogram's rule).
 * - Explicit edges: the caller's sorted edges, counted like Sturges bins; values outside are
 *   rejected (`DRIFTWATCH_INVALID_INPUT`).
 */
import { DriftwatchError } from './errors';
import { checkCounts, checkSample, invalidParameter } from './test-inputs';

/** How raw samples are binned. */
export type Binning =
  | 'quantile'
  | 'sturges'
  | { method: 'quantile'; bins?: number }
  | { method: 'sturges' }
  | { method: 'edges'; edges: ArrayLike<number> };

/** Default number of reference-quantile bins (deciles, the usual PSI choice). */
export const DEFAULT_QUANTILE_BINS = 10;

/** Linear-interpolation quantile of sorted data, operation for operation as `np.quantile`. */
function sortedQuantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return sorted[n - 1] as number;
  if (virtual < 0) return sorted[0] as number;
  const prev = Math.floor(virtual);
  const a = sorted[prev] as number;
  const b = sorted[prev + 1] as number;
  const t = virtual - prev;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/**
 * Inner edges at the reference quantiles i/bins (i = 1..bins−1), deduplicated; the outer bins
 * are open-ended, so there are `edges.length + 1` bins.
 *
 * @example
 * ```ts
 * console.log(quantileEdges([1, 2, 3, 4, 5], 4)); // [ 2, 3, 4 ]
 * ```
 */
export function quantileEdges(reference: ArrayLike<number>, bins: number = DEFAULT_QUANTILE_BINS): number[] {
  if (!Number.isInteger(bins) || bins < 2) throw invalidParameter('quantileEdges', 'bins', `must be an integer ≥ 2, got ${String(bins)}`);
  const sorted = checkSample('quantileEdges', 'reference', reference).sort();
  const edges: number[] = [];
  for (let i = 1; i < bins; i++) {
    const e = sortedQuantile(sorted, i / bins);
    if (edges.length === 0 || e !== edges[edges.length - 1]) edges.push(e);
  }
  return edges;
}

/**
 * Edges of Sturges' rule over the pooled samples, as `numpy.histogram_bin_edges(pooled, bins='sturges')`.
 *
 * @example
 * ```ts
 * console.log(sturgesEdges([0, 1, 2, 3], [4, 5, 6, 7])); // [ 0, 1.75, 3.5, 5.25, 7 ]
 * ```
 */
export function sturgesEdges(reference: ArrayLike<number>, current: ArrayLike<number>): number[] {
  const a = checkSample('sturgesEdges', 'reference', reference);
  const b = checkSample('sturgesEdges', 'current', current);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const x of a) { if (x < lo) lo = x; if (x > hi) hi = x; }
  for (const x of b) { if (x < lo) lo = x; if (x > hi) hi = x; }
  const n = a.length + b.length;
  const ptp = hi - lo;
  let first = lo;
  let last = hi;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = ptp / (Math.log2(n) + 1);
  const nBins = width !== 0 ? Math.ceil((last - first) / width) : 1;
  const step = (last - first) / nBins;
  const edges: number[] = [];
  for (let i = 0; i < nBins; i++) edges.push(i * step + first);
  edges.push(last);
  return edges;
}

/** Counts per bin with open outer bins: bin i holds e_{i−1} < x ≤ e_i. */
function countOpen(xs: Float64Array, edges: number[]): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (const x of xs) {
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((edges[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    counts[lo] = (counts[lo] as number) + 1;
  }
  return counts;
}

/** Counts per closed-range bin: e_i ≤ x < e_{i+1}, last bin closed (numpy.histogram). */
function countClosed(fn: string, name: string, xs: Float64Array, edges: number[]): Float64Array {
  const nb = edges.length - 1;
  const counts = new Float64Array(nb);
  const first = edges[0] as number;
  const last = edges[nb] as number;
  xs.forEach((x, i) => {
    if (x < first || x > last) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${fn}: ${name}[${i}] = ${x} lies outside the bin edges [${first}, ${last}]`, {
        details: { function: fn, argument: name, index: i },
      });
    }
    let lo = 0;
    let hi = nb - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((edges[mid] as number) <= x) lo = mid;
      else hi = mid - 1;
    }
    counts[lo] = (counts[lo] as number) + 1;
  });
  return counts;
}

/** Histograms of two samples on a common binning, with the edges used. */
export interface BinnedPair {
  reference: Float64Array;
  current: Float64Array;
  /** Inner edges (quantile bins, open outer bins) or all edges (Sturges / explicit bins). */
  edges: number[];
}

/**
 * Bins two raw samples with one rule (see the file comment) and returns their counts.
 *
 * @example
 * ```ts
 * const h = binSamples([1, 2, 3, 4], [3, 4, 5, 6], { method: 'quantile', bins: 2 });
 * console.log(h.edges, Array.from(h.reference), Array.from(h.current)); // [ 2.5 ] [ 2, 2 ] [ 0, 4 ]
 * ```
 */
export function binSamples(reference: ArrayLike<number>, current: ArrayLike<number>, binning: Binning, fn = 'binSamples'): BinnedPair {
  const ref = checkSample(fn, 'reference', reference);
  const cur = checkSample(fn, 'current', current);
  const spec = typeof binning === 'string' ? { method: binning } : binning;
  if (spec === null || typeof spec !== 'object') throw invalidParameter(fn, 'binning', "must be 'quantile', 'sturges' or an object with a method");
  if (spec.method === 'quantile') {
    const edges = quantileEdges(ref, 'bins' in spec && spec.bins !== undefined ? spec.bins : DEFAULT_QUANTILE_BINS);
    return { reference: countOpen(ref, edges), current: countOpen(cur, edges), edges };
  }
  if (spec.method === 'sturges') {
    const edges = sturgesEdges(ref, cur);
    return { reference: countClosed(fn, 'reference', ref, edges), current: countClosed(fn, 'current', cur, edges), edges };
  }
  if (spec.method === 'edges') {
    const edges = Array.from(checkSample(fn, 'binning.edges', (spec as { edges: ArrayLike<number> }).edges, 2));
    for (let i = 1; i < edges.length; i++) {
      if (!((edges[i] as number) > (edges[i - 1] as number))) throw invalidParameter(fn, 'binning.edges', 'must be strictly increasing');
    }
    return { reference: countClosed(fn, 'reference', ref, edges), current: countClosed(fn, 'current', cur, edges), edges };
  }
  throw invalidParameter(fn, 'binning.method', `must be 'quantile', 'sturges' or 'edges', got ${JSON.stringify((spec as { method: unknown }).method)}`);
}

/**
 * The two histograms a distance compares: the inputs themselves (count or probability vectors of
 * equal length, checked ≥ 0 and not all zero) or, with `binning`, the binned raw samples.
 */
export function distributionPair(
  fn: string,
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  binning: Binning | undefined,
): [Float64Array, Float64Array] {
  let p: Float64Array;
  let q: Float64Array;
  if (binning === undefined) {
    p = checkCounts(fn, 'reference', reference);
    q = checkCounts(fn, 'current', current);
    if (p.length !== q.length) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${fn}: reference has ${p.length} bins but current has ${q.length}; they must match`, {
        details: { function: fn },
      });
    }
  } else {
    const h = binSamples(reference, current, binning, fn);
    p = h.reference;
    q = h.current;
  }
  for (const [name, v] of [['reference', p], ['current', q]] as const) {
    if (!v.some((x) => x > 0)) {
      throw new DriftwatchError('DRIFTWATCH_EMPTY_SAMPLE', `${fn}: ${name} has total mass 0; at least one positive count is needed`, {
        details: { function: fn, argument: name },
      });
    }
  }
  return [p, q];
}
