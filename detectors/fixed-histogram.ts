/**
 * A histogram with fixed bin edges, plus an underflow and an overflow bucket. Mergeable exactly.
 *
 * Why fixed edges: two histograms can only be compared bin by bin (PSI, Jensen–Shannon,
 * chi-square) or merged if they share their edges, so the edges are decided once — typically from
 * the reference window's quantiles, or an equal-width grid over a known range (brightness 0..1) —
 * and every window of that metric reuses them. Counts are integers, so merging is exact and
 * independent of order.
 */
import { DriftwatchError } from './errors';
import { checkNumberOption, readSnapshotHeader, snapshotError, snapshotNumber } from './drift-detector';

const NAME = 'FixedHistogram';

/** The JSON snapshot written by {@link FixedHistogram.toJSON}. */
export interface FixedHistogramSnapshot {
  readonly type: 'FixedHistogram';
  readonly version: 1;
  readonly edges: number[];
  readonly counts: number[];
  readonly underflow: number;
  readonly overflow: number;
}

/**
 * Counts of values per bin for fixed, strictly increasing finite edges e0 < e1 < … < eB.
 *
 * Binning rule (numpy.histogram's): bin i is [e_i, e_{i+1}) and the last bin is closed,
 * [e_{B−1}, e_B]; values below e0 (−Infinity included) go to `underflow`, values above e_B
 * (+Infinity included) to `overflow`. NaN throws `DRIFTWATCH_INVALID_INPUT`.
 *
 * @example
 * ```ts
 * const h = FixedHistogram.equalWidth(0, 1, 4);
 * [0.1, 0.3, 0.35, 0.9, 1, 1.2, -3].forEach((x) => h.update(x));
 * console.log(Array.from(h.counts), h.underflow, h.overflow); // [ 1, 2, 0, 2 ] 1 1
 * ```
 */
export class FixedHistogram {
  /** The bin edges (do not modify). */
  readonly edges: Float64Array;
  /** Count per bin, `edges.length − 1` entries (do not modify). */
  readonly counts: Float64Array;
  private under = 0;
  private over = 0;
  /** Equal-width edges allow an O(1) bin guess (then checked against the edges). */
  private readonly uniform: boolean;

  /** Builds a histogram on the given edges: at least 2, finite, strictly increasing. */
  constructor(edges: ArrayLike<number>) {
    if (edges === null || typeof edges !== 'object' || typeof edges.length !== 'number' || edges.length < 2) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `${NAME} needs at least 2 bin edges`);
    }
    const e = Float64Array.from(edges);
    for (let i = 0; i < e.length; i++) {
      const v = e[i] as number;
      if (!Number.isFinite(v) || (i > 0 && v <= (e[i - 1] as number))) {
        throw new DriftwatchError(
          'DRIFTWATCH_INVALID_PARAMETER',
          `${NAME} edges must be finite and strictly increasing; edge ${i} is ${String(v)}`,
          { details: { index: i, value: String(v) } },
        );
      }
    }
    this.edges = e;
    this.counts = new Float64Array(e.length - 1);
    const lo = e[0] as number;
    const width = ((e[e.length - 1] as number) - lo) / (e.length - 1);
    let uniform = true;
    // The last edge is exempt: equalWidth sets it to hi exactly, as numpy.linspace does.
    for (let i = 1; i < e.length - 1 && uniform; i++) uniform = (e[i] as number) === lo + i * width;
    this.uniform = uniform;
  }

  /**
   * `bins` equal-width bins over [lo, hi], edges lo + i·(hi − lo)/bins (numpy.linspace's values).
   *
   * @example
   * ```ts
   * console.log(Array.from(FixedHistogram.equalWidth(0, 1, 4).edges)); // [ 0, 0.25, 0.5, 0.75, 1 ]
   * ```
   */
  static equalWidth(lo: number, hi: number, bins: number): FixedHistogram {
    checkNumberOption(NAME, 'bins', bins, { min: 1, max: 1e7, integer: true });
    checkNumberOption(NAME, 'lo', lo, {});
    checkNumberOption(NAME, 'hi', hi, { min: lo, minExclusive: true });
    const edges = new Float64Array(bins + 1);
    const width = (hi - lo) / bins;
    for (let i = 0; i <= bins; i++) edges[i] = lo + i * width;
    edges[bins] = hi;
    return new FixedHistogram(edges);
  }

  /** Values below the first edge. */
  get underflow(): number {
    return this.under;
  }

  /** Values above the last edge. */
  get overflow(): number {
    return this.over;
  }

  /** All values counted, underflow and overflow included. */
  get total(): number {
    let t = this.under + this.over;
    for (let i = 0; i < this.counts.length; i++) t += this.counts[i] as number;
    return t;
  }

  /** Adds one value (NaN throws `DRIFTWATCH_INVALID_INPUT`; ±Infinity go to under/overflow). */
  update(x: number): this {
    if (typeof x !== 'number' || Number.isNaN(x)) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${NAME}.update expects a number (not NaN), got ${String(x)}`, {
        details: { value: String(x) },
      });
    }
    const i = this.binOf(x);
    if (i < 0) this.under++;
    else if (i >= this.counts.length) this.over++;
    else this.counts[i] = (this.counts[i] as number) + 1;
    return this;
  }

  /**
   * The bin index of `x`: −1 for underflow, `counts.length` for overflow, else the bin.
   *
   * @example
   * ```ts
   * console.log(FixedHistogram.equalWidth(0, 1, 4).binOf(0.5)); // 2
   * ```
   */
  binOf(x: number): number {
    const e = this.edges;
    const last = e.length - 1;
    if (x < (e[0] as number)) return -1;
    if (x > (e[last] as number)) return last;
    if (x === (e[last] as number)) return last - 1;
    let i: number;
    if (this.uniform) {
      const lo = e[0] as number;
      i = Math.min(last - 1, Math.floor(((x - lo) / ((e[last] as number) - lo)) * last));
      // The division can land one bin off near an edge: move to the bin whose edges hold x.
      while (i > 0 && x < (e[i] as number)) i--;
      while (i < last - 1 && x >= (e[i + 1] as number)) i++;
      return i;
    }
    let lo = 0;
    let hi = last; // answer in [0, last−1]: the largest i with e[i] ≤ x
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((e[mid] as number) <= x) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Counts in a fixed order for comparisons: `[underflow, ...counts, overflow]` (B + 2 entries), so
   * that PSI or Jensen–Shannon between two histograms accounts for all the mass.
   */
  allCounts(): Float64Array {
    const out = new Float64Array(this.counts.length + 2);
    out[0] = this.under;
    out.set(this.counts, 1);
    out[out.length - 1] = this.over;
    return out;
  }

  /** Adds `other`'s counts (exact). Edges must be identical (`DRIFTWATCH_INCOMPATIBLE_MERGE`). */
  merge(other: FixedHistogram): this {
    if (!(other instanceof FixedHistogram)) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${NAME}.merge expects a FixedHistogram`);
    }
    if (!this.sameEdges(other)) {
      throw new DriftwatchError('DRIFTWATCH_INCOMPATIBLE_MERGE', `${NAME}.merge needs histograms with identical edges`, {
        details: { bins: this.counts.length, otherBins: other.counts.length },
      });
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i] = (this.counts[i] as number) + (other.counts[i] as number);
    this.under += other.under;
    this.over += other.over;
    return this;
  }

  /** True when both histograms have exactly the same edges (so they can be merged or compared). */
  sameEdges(other: FixedHistogram): boolean {
    if (other.edges.length !== this.edges.length) return false;
    for (let i = 0; i < this.edges.length; i++) if (other.edges[i] !== this.edges[i]) return false;
    return true;
  }

  /** Sets every count back to zero (edges are kept). */
  reset(): void {
    this.counts.fill(0);
    this.under = 0;
    this.over = 0;
  }

  /** A JSON-safe snapshot; {@link FixedHistogram.fromJSON} restores it exactly. */
  toJSON(): FixedHistogramSnapshot {
    return {
      type: NAME,
      version: 1,
      edges: Array.from(this.edges),
      counts: Array.from(this.counts),
      underflow: this.under,
      overflow: this.over,
    };
  }

  /**
   * Restores a histogram (`DRIFTWATCH_INVALID_SNAPSHOT` when malformed).
   *
   * @example
   * ```ts
   * const h = FixedHistogram.equalWidth(0, 10, 5).update(3);
   * console.log(FixedHistogram.fromJSON(JSON.parse(JSON.stringify(h))).binOf(3), h.counts[1]); // 1 1
   * ```
   */
  static fromJSON(json: unknown): FixedHistogram {
    const rec = readSnapshotHeader(json, NAME, 1);
    const { edges, counts } = rec;
    if (!Array.isArray(edges) || !Array.isArray(counts) || counts.length !== edges.length - 1) {
      throw snapshotError(NAME, 'edges and counts must be arrays with counts.length = edges.length − 1');
    }
    let h: FixedHistogram;
    try {
      h = new FixedHistogram(edges as number[]);
    } catch (e) {
      throw snapshotError(NAME, `bad edges: ${(e as Error).message}`);
    }
    counts.forEach((c: unknown, i) => {
      h.counts[i] = countValue(c, `counts[${i}]`);
    });
    h.under = countValue(snapshotNumber(rec, NAME, 'underflow'), 'underflow');
    h.over = countValue(snapshotNumber(rec, NAME, 'overflow'), 'overflow');
    return h;
  }
}

function countValue(c: unknown, field: string): number {
  if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0) {
    throw snapshotError(NAME, `${field} must be a non-negative integer`);
  }
  return c;
}
