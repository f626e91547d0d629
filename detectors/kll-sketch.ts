/**
 * KLL quantile sketch (Karnin, Lang & Liberty, "Optimal Quantile Approximation in Streams", 2016),
 * in the lazy-compaction layout of Apache DataSketches' `KllDoublesSketch`.
 *
 * Why KLL and not t-digest: the drift tests we run on sketches (Kolmogorov–Smirnov, PSI on quantile
 * bins) need the *whole* empirical CDF to be right to within a uniform additive rank error, because
 * the KS statistic is a supremum over the CDF. KLL gives exactly that guarantee — every rank query is
 * within ±ε·n of the truth with ε depending only on k (not on the data, its order or its scale) — and
 * it merges without losing that guarantee. t-digest concentrates accuracy in the tails and has no
 * worst-case bound in the middle of the distribution (and its merges depend on the order of
 * centroids), so a KS distance computed from it has no bound we could document.
 *
 * Determinism: the only randomness of KLL is one coin flip per compaction (keep the odd- or
 * even-indexed items). It comes from a seeded 32-bit generator (mulberry32) whose state is part of
 * the snapshot, so a replay, or a sketch restored by {@link KllSketch.fromJSON}, produces
 * bit-identical results.
 *
 * Memory layout (why it is fast): all retained items live in ONE Float64Array; level h (weight 2^h)
 * occupies `items[levels[h] .. levels[h+1])`, with free space at the front. An insert writes into
 * the free slot just below level 0 and allocates nothing; only when the array is full is one level
 * compacted (level 0 is sorted first, higher levels are always sorted). Capacity of level h with H
 * levels is max(8, ⌊k·(2/3)^(H−1−h)⌉), so the whole sketch holds fewer than ~3k + 8·log₂(n/k) items.
 */
import { DriftwatchError } from './errors';
import { assertFiniteInput, checkNumberOption, readSnapshotHeader, snapshotError, snapshotNumber } from './drift-detector';

const NAME = 'KllSketch';
/** Smallest capacity of a level (DataSketches' m). */
const MIN_LEVEL_WIDTH = 8;
const SNAPSHOT_VERSION = 1;

/** Options of {@link KllSketch}. */
export interface KllSketchOptions {
  /**
   * Accuracy parameter, an integer in [8, 65535]; default 200. The rank error shrinks roughly as
   * 1/k and memory grows as ~3k items (k = 200: ±1.33% rank error at 99% confidence, ~5 KB).
   */
  readonly k?: number;
  /** Seed of the compaction coin flips, an integer in [0, 2³²−1]; default 1. */
  readonly seed?: number;
}

/** The JSON snapshot written by {@link KllSketch.toJSON}. */
export interface KllSketchSnapshot {
  readonly type: 'KllSketch';
  readonly version: 1;
  readonly k: number;
  readonly n: number;
  /** Smallest value seen (null when empty: JSON has no infinities). */
  readonly min: number | null;
  /** Largest value seen (null when empty). */
  readonly max: number | null;
  /** State of the seeded coin-flip generator (uint32). */
  readonly rng: number;
  /** Level boundaries into the item array; `levels[levels.length-1]` is its length. */
  readonly levels: number[];
  /** The retained items, `items[levels[0] ..]` of the item array, in storage order. */
  readonly items: number[];
}

/** A sorted view of the retained items with their cumulative weights (built lazily for queries). */
interface SortedView {
  readonly values: Float64Array;
  /** cum[i] = total weight of values[0..i]; cum[last] = n. */
  readonly cum: Float64Array;
}

/** Capacity of `level` in a sketch with `numLevels` levels (DataSketches' `levelCapacity`). */
function levelCapacity(k: number, numLevels: number, level: number): number {
  const depth = numLevels - level - 1;
  // k ≤ 65535 makes k·(2/3)^31 < 1, so every level deeper than 30 has the minimum width.
  if (depth > 30) return MIN_LEVEL_WIDTH;
  const scaled = Math.floor((2 * k * 2 ** depth) / 3 ** depth);
  return Math.max(MIN_LEVEL_WIDTH, Math.floor((scaled + 1) / 2));
}

function totalCapacity(k: number, numLevels: number): number {
  let total = 0;
  for (let h = 0; h < numLevels; h++) total += levelCapacity(k, numLevels, h);
  return total;
}

/**
 * Merges the sorted runs `a[aBeg, aBeg+aLen)` and `a[bBeg, bBeg+bLen)` into `a[dst, dst+aLen+bLen)`
 * going forwards. Safe in place when `dst = aBeg + aLen ≤ bBeg` (the compaction layout): the write
 * cursor never overtakes the read cursor of the second run.
 */
function mergeSortedInPlace(a: Float64Array, aBeg: number, aLen: number, bBeg: number, bLen: number, dst: number): void {
  let i = aBeg;
  let j = bBeg;
  const aEnd = aBeg + aLen;
  const bEnd = bBeg + bLen;
  let d = dst;
  while (i < aEnd && j < bEnd) {
    const x = a[i] as number;
    const y = a[j] as number;
    if (x <= y) {
      a[d++] = x;
      i++;
    } else {
      a[d++] = y;
      j++;
    }
  }
  while (i < aEnd) a[d++] = a[i++] as number;
  while (j < bEnd) a[d++] = a[j++] as number;
}

/** Sorted merge of two separate sorted arrays into a new one. */
function mergeSorted(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x <= y) {
      out[d++] = x;
      i++;
    } else {
      out[d++] = y;
      j++;
    }
  }
  while (i < a.length) out[d++] = a[i++] as number;
  while (j < b.length) out[d++] = b[j++] as number;
  return out;
}

/**
 * A mergeable, deterministic KLL quantile sketch of a stream of finite numbers.
 *
 * Error bound (from the DataSketches characterisation of this exact algorithm, 99% confidence):
 * a single rank query is within ±{@link KllSketch.rankErrorBound}(k) of the true normalised rank
 * (k = 200: 1.33%), and the maximum error over all queries of the same sketch (what a CDF or a KS
 * distance uses) within ±rankErrorBound(k, true) (k = 200: 1.65%). The bound does not depend on n,
 * on the order of the stream or on the value scale; merging sketches of the same k keeps it. While
 * n ≤ k nothing has been compacted and every answer is exact. Measured in
 * test/unit/kll-sketch.test.ts (k = 200, max rank error over a 1001-point grid; 20 seeds × six
 * stream shapes at n = 1e5, 5 seeds × two shapes at n = 1e6): mean 0.25–0.74%, worst 1.09%.
 * Speed: 65–80 ns per insert amortised (k = 200, node 20, test/bench/sketch-bench.ts); state
 * ~5 KB at n = 1e6 (`sizeBytes`).
 *
 * Semantics: `rank(x)` is the (approximate) fraction of items ≤ x (`inclusive`, the default) or
 * < x; `quantile(q)` is the smallest retained item whose inclusive rank is ≥ q (numpy's
 * `inverted_cdf` definition), with `quantile(0) = min` and `quantile(1) = max` exactly.
 * Inputs must be finite numbers (NaN and ±Infinity throw `DRIFTWATCH_INVALID_INPUT`); −0 is stored
 * as +0 so that snapshots round-trip exactly.
 *
 * @example
 * ```ts
 * const s = new KllSketch({ k: 200, seed: 7 });
 * for (let i = 1; i <= 100000; i++) s.update(i);
 * console.log(s.count, s.min, s.max);                 // 100000 1 100000
 * console.log(Math.abs(s.quantile(0.5) - 50000) < 2000); // true (rank error ≲ 1.3%)
 * ```
 */
export class KllSketch {
  /** The accuracy parameter. */
  readonly k: number;
  private n = 0;
  private minV = Number.POSITIVE_INFINITY;
  private maxV = Number.NEGATIVE_INFINITY;
  private rng: number;
  private numLevels = 1;
  /** Level boundaries; length numLevels + 1; levels[numLevels] === items.length. */
  private levels: number[];
  private items: Float64Array;
  private view: SortedView | null = null;

  constructor(options: KllSketchOptions = {}) {
    this.k = checkNumberOption(NAME, 'k', options.k ?? 200, { min: MIN_LEVEL_WIDTH, max: 65535, integer: true });
    this.rng = checkNumberOption(NAME, 'seed', options.seed ?? 1, { min: 0, max: 0xffffffff, integer: true });
    const cap = levelCapacity(this.k, 1, 0);
    this.items = new Float64Array(cap);
    this.levels = [cap, cap];
  }

  /**
   * The ±rank error (as a fraction of n) that holds with 99% confidence for a sketch with
   * parameter k: for a single query, or (`allQueries`) simultaneously for all queries of a CDF.
   * These are DataSketches' empirical fits for KLL with m = 8 (1.33% / 1.65% at k = 200).
   *
   * @example
   * ```ts
   * console.log(KllSketch.rankErrorBound(200).toFixed(4));       // 0.0133
   * console.log(KllSketch.rankErrorBound(200, true).toFixed(4)); // 0.0165
   * ```
   */
  static rankErrorBound(k: number, allQueries = false): number {
    checkNumberOption(NAME, 'k', k, { min: MIN_LEVEL_WIDTH, max: 65535, integer: true });
    return allQueries ? 2.446 / k ** 0.9433 : 2.296 / k ** 0.9723;
  }

  /** Number of values inserted (merged sketches included). */
  get count(): number {
    return this.n;
  }

  /** Smallest value seen; throws `DRIFTWATCH_EMPTY_SAMPLE` when empty. */
  get min(): number {
    this.assertNotEmpty('min');
    return this.minV;
  }

  /** Largest value seen; throws `DRIFTWATCH_EMPTY_SAMPLE` when empty. */
  get max(): number {
    this.assertNotEmpty('max');
    return this.maxV;
  }

  /** Number of items the sketch currently retains (≤ its capacity, ~3k). */
  get retained(): number {
    return this.items.length - (this.levels[0] as number);
  }

  /** True once some items were compacted, i.e. answers are approximate rather than exact. */
  get isEstimationMode(): boolean {
    return this.numLevels > 1;
  }

  /**
   * Bytes of state held: the item array (8 bytes per slot, free slots included), the level
   * boundaries and the scalar fields. Independent of n apart from the slow growth of levels.
   */
  get sizeBytes(): number {
    return this.items.byteLength + 8 * this.levels.length + 56;
  }

  /**
   * Adds one finite value. Amortised O(1) (a compaction sorts ~k items every ~k/3 inserts) and
   * allocation-free except when a new level is added.
   */
  update(x: number): this {
    if (!Number.isFinite(x)) assertFiniteInput(x, NAME);
    const v = x + 0; // + 0 turns −0 into +0 (JSON cannot carry −0)
    if (this.levels[0] === 0) this.compressWhileUpdating();
    const slot = (this.levels[0] as number) - 1;
    this.levels[0] = slot;
    this.items[slot] = v;
    this.n++;
    if (v < this.minV) this.minV = v;
    if (v > this.maxV) this.maxV = v;
    this.view = null;
    return this;
  }

  /**
   * Merges `other` into this sketch (other is unchanged). Both must have the same k, otherwise
   * `DRIFTWATCH_INCOMPATIBLE_MERGE`. The result has the same error bound as a sketch of the
   * concatenated stream; it is not bit-identical to one (the compactions happen at other moments).
   */
  merge(other: KllSketch): this {
    if (!(other instanceof KllSketch)) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${NAME}.merge expects a KllSketch`);
    }
    if (other.k !== this.k) {
      throw new DriftwatchError(
        'DRIFTWATCH_INCOMPATIBLE_MERGE',
        `${NAME}.merge needs sketches with the same k, got ${this.k} and ${other.k}`,
        { details: { k: this.k, otherK: other.k } },
      );
    }
    if (other.n === 0) return this;
    const numLevels = Math.max(this.numLevels, other.numLevels);
    const runs: Float64Array[] = [];
    for (let h = 0; h < numLevels; h++) {
      const a = this.levelItems(h);
      const b = other.levelItems(h);
      if (h === 0) {
        const both = new Float64Array(a.length + b.length);
        both.set(a, 0);
        both.set(b, a.length);
        runs.push(both); // level 0 stays unsorted; it is sorted when compacted
      } else {
        runs.push(mergeSorted(a, b));
      }
    }
    const pop = runs.reduce((s, r) => s + r.length, 0);
    const size = Math.max(pop, totalCapacity(this.k, numLevels));
    const items = new Float64Array(size);
    const levels = new Array<number>(numLevels + 1);
    levels[numLevels] = size;
    for (let h = numLevels - 1; h >= 0; h--) {
      const run = runs[h] as Float64Array;
      const beg = (levels[h + 1] as number) - run.length;
      items.set(run, beg);
      levels[h] = beg;
    }
    this.items = items;
    this.levels = levels;
    this.numLevels = numLevels;
    this.n += other.n;
    if (other.minV < this.minV) this.minV = other.minV;
    if (other.maxV > this.maxV) this.maxV = other.maxV;
    this.view = null;
    // Compact (lowest full level first, as on insert) until the items fit the capacity again.
    while (this.retained > totalCapacity(this.k, this.numLevels)) this.compactLevel(this.findLevelToCompact());
    const cap = totalCapacity(this.k, this.numLevels);
    if (this.items.length !== cap) this.resizeItems(cap);
    return this;
  }

  /**
   * Approximate normalised rank of `x`: the fraction of items ≤ x (`inclusive`, default) or < x.
   * Exact below min and at/above max. Throws `DRIFTWATCH_EMPTY_SAMPLE` when empty and
   * `DRIFTWATCH_INVALID_INPUT` for NaN.
   */
  rank(x: number, inclusive = true): number {
    if (typeof x !== 'number' || Number.isNaN(x)) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${NAME}.rank expects a number, got ${String(x)}`);
    }
    this.assertNotEmpty('rank');
    if (x < this.minV || (!inclusive && x === this.minV)) return 0;
    if (x > this.maxV || (inclusive && x === this.maxV)) return 1;
    const v = this.sortedView();
    const i = inclusive ? upperBound(v.values, x) : lowerBound(v.values, x);
    return i === 0 ? 0 : (v.cum[i - 1] as number) / this.n;
  }

  /**
   * The approximate empirical CDF at `x`, P(X ≤ x) — the same as `rank(x, true)`.
   *
   * @example
   * ```ts
   * const s = new KllSketch();
   * [1, 2, 3, 4].forEach((x) => s.update(x));
   * console.log(s.cdf(2)); // 0.5
   * ```
   */
  cdf(x: number): number {
    return this.rank(x, true);
  }

  /**
   * Approximate q-quantile, q in [0, 1]: the smallest retained item whose inclusive rank is ≥ q
   * (exact `inverted_cdf` quantile while n ≤ k). `quantile(0)` is min and `quantile(1)` is max.
   *
   * @example
   * ```ts
   * const s = new KllSketch();
   * [5, 1, 4, 2, 3].forEach((x) => s.update(x));
   * console.log(s.quantile(0.5)); // 3
   * ```
   */
  quantile(q: number): number {
    checkNumberOption(NAME, 'q', q, { min: 0, max: 1 });
    this.assertNotEmpty('quantile');
    if (q === 0) return this.minV;
    if (q === 1) return this.maxV;
    const t = q * this.n;
    // q·n should be an integer rank when it is one mathematically (0.3·10 = 3.0000000000000004).
    const r = Math.round(t);
    const target = Math.abs(t - r) <= 1e-9 * Math.max(1, t) ? r : Math.ceil(t);
    const v = this.sortedView();
    const cum = v.cum;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cum[mid] as number) >= target) hi = mid;
      else lo = mid + 1;
    }
    return v.values[lo] as number;
  }

  /**
   * The retained items in ascending order with the cumulative weight up to and including each
   * (the last equals `count`). This is the sketch's approximate CDF as a step function; the
   * sketch-based distances walk it. The arrays are shared with the sketch: do not modify them.
   */
  sortedItems(): { readonly values: Float64Array; readonly cumulativeWeights: Float64Array } {
    this.assertNotEmpty('sortedItems');
    const v = this.sortedView();
    return { values: v.values, cumulativeWeights: v.cum };
  }

  /**
   * A JSON-safe snapshot; {@link KllSketch.fromJSON} restores a sketch that answers and continues
   * bit-identically (same items, same layout, same generator state).
   */
  toJSON(): KllSketchSnapshot {
    const empty = this.n === 0;
    return {
      type: NAME,
      version: SNAPSHOT_VERSION,
      k: this.k,
      n: this.n,
      min: empty ? null : this.minV,
      max: empty ? null : this.maxV,
      rng: this.rng,
      levels: this.levels.slice(),
      items: Array.from(this.items.subarray(this.levels[0] as number)),
    };
  }

  /**
   * Restores a sketch from {@link KllSketch.toJSON} output, validating every invariant
   * (`DRIFTWATCH_INVALID_SNAPSHOT` otherwise).
   *
   * @example
   * ```ts
   * const a = new KllSketch();
   * for (let i = 0; i < 1000; i++) a.update(i);
   * const b = KllSketch.fromJSON(JSON.parse(JSON.stringify(a)));
   * console.log(b.quantile(0.9) === a.quantile(0.9)); // true
   * ```
   */
  static fromJSON(json: unknown): KllSketch {
    const rec = readSnapshotHeader(json, NAME, SNAPSHOT_VERSION);
    const k = snapshotNumber(rec, NAME, 'k');
    const n = snapshotNumber(rec, NAME, 'n');
    const rng = snapshotNumber(rec, NAME, 'rng');
    if (!Number.isSafeInteger(k) || k < MIN_LEVEL_WIDTH || k > 65535) throw snapshotError(NAME, 'k must be an integer in [8, 65535]');
    if (!Number.isSafeInteger(n) || n < 0) throw snapshotError(NAME, 'n must be a non-negative integer');
    if (!Number.isInteger(rng) || rng < 0 || rng > 0xffffffff) throw snapshotError(NAME, 'rng must be a uint32');
    const levels = rec.levels;
    const items = rec.items;
    if (!Array.isArray(levels) || !Array.isArray(items)) throw snapshotError(NAME, 'levels and items must be arrays');
    const numLevels = levels.length - 1;
    if (numLevels < 1 || numLevels > 64) throw snapshotError(NAME, 'levels must have 2 to 65 entries');
    const size = totalCapacity(k, numLevels);
    for (let h = 0; h <= numLevels; h++) {
      const b: unknown = levels[h];
      const prev = h === 0 ? 0 : (levels[h - 1] as number);
      if (typeof b !== 'number' || !Number.isSafeInteger(b) || b < prev) {
        throw snapshotError(NAME, 'levels must be non-decreasing integers');
      }
    }
    if (levels[numLevels] !== size) throw snapshotError(NAME, `levels must end at the capacity ${size}`);
    if (items.length !== size - (levels[0] as number)) throw snapshotError(NAME, 'items length does not match levels');
    const s = new KllSketch({ k, seed: rng });
    s.items = new Float64Array(size);
    for (let i = 0; i < items.length; i++) {
      const v: unknown = items[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw snapshotError(NAME, 'items must be finite numbers');
      s.items[(levels[0] as number) + i] = v;
    }
    s.levels = (levels as number[]).slice();
    s.numLevels = numLevels;
    // The weights must account for every item exactly: n = Σ_h |level h| · 2^h.
    let weight = 0;
    for (let h = 0; h < numLevels; h++) weight += ((levels[h + 1] as number) - (levels[h] as number)) * 2 ** h;
    if (weight !== n) throw snapshotError(NAME, `level sizes imply ${weight} items, n is ${n}`);
    for (let h = 1; h < numLevels; h++) {
      for (let i = (levels[h] as number) + 1; i < (levels[h + 1] as number); i++) {
        if ((s.items[i - 1] as number) > (s.items[i] as number)) throw snapshotError(NAME, `level ${h} is not sorted`);
      }
    }
    s.n = n;
    if (n > 0) {
      const min = snapshotNumber(rec, NAME, 'min');
      const max = snapshotNumber(rec, NAME, 'max');
      if (min > max) throw snapshotError(NAME, 'min must be ≤ max');
      s.minV = min;
      s.maxV = max;
    } else if (rec.min !== null || rec.max !== null) {
      throw snapshotError(NAME, 'an empty sketch has min and max null');
    }
    return s;
  }

  private assertNotEmpty(what: string): void {
    if (this.n === 0) {
      throw new DriftwatchError('DRIFTWATCH_EMPTY_SAMPLE', `${NAME}.${what} needs at least one value; the sketch is empty`);
    }
  }

  /** One bit from the seeded mulberry32 generator. */
  private nextBit(): number {
    this.rng = (this.rng + 0x6d2b79f5) >>> 0;
    let t = this.rng;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 31;
  }

  private levelItems(h: number): Float64Array {
    if (h >= this.numLevels) return new Float64Array(0);
    return this.items.subarray(this.levels[h] as number, this.levels[h + 1] as number);
  }

  private compressWhileUpdating(): void {
    this.compactLevel(this.findLevelToCompact());
  }

  /** The lowest level at or over its capacity (one exists whenever the sketch is full). */
  private findLevelToCompact(): number {
    for (let h = 0; h < this.numLevels; h++) {
      const pop = (this.levels[h + 1] as number) - (this.levels[h] as number);
      if (pop >= levelCapacity(this.k, this.numLevels, h)) return h;
    }
    return this.numLevels - 1;
  }

  /**
   * Halves level h into level h+1: an odd item out stays behind, the rest is sorted (level 0
   * only), every other item is kept (coin flip picks odd or even positions) with doubled weight
   * and merged into the level above; the levels below slide up into the freed space.
   */
  private compactLevel(h: number): void {
    if (h === this.numLevels - 1) this.addEmptyTopLevel();
    const levels = this.levels;
    const items = this.items;
    const rawBeg = levels[h] as number;
    const rawEnd = levels[h + 1] as number;
    const popAbove = (levels[h + 2] as number) - rawEnd;
    const rawPop = rawEnd - rawBeg;
    const odd = rawPop & 1;
    const adjBeg = rawBeg + odd;
    const adjPop = rawPop - odd;
    const half = adjPop >>> 1;
    if (h === 0) items.subarray(adjBeg, adjBeg + adjPop).sort();
    const offset = this.nextBit();
    if (popAbove === 0) {
      // Keep items adjBeg+offset, +2, … packed into the upper half [adjBeg+half, adjBeg+adjPop).
      let j = adjBeg + adjPop - 1 - (1 - offset);
      for (let d = adjBeg + adjPop - 1; d >= adjBeg + half; d--, j -= 2) items[d] = items[j] as number;
    } else {
      // Pack the kept items into the lower half, then merge them with the level above.
      let j = adjBeg + offset;
      for (let d = adjBeg; d < adjBeg + half; d++, j += 2) items[d] = items[j] as number;
      mergeSortedInPlace(items, adjBeg, half, rawEnd, popAbove, adjBeg + half);
    }
    levels[h + 1] = rawEnd - half;
    if (odd === 1) {
      const keep = (levels[h + 1] as number) - 1;
      items[keep] = items[rawBeg] as number;
      levels[h] = keep;
    } else {
      levels[h] = levels[h + 1] as number;
    }
    if (h > 0) {
      const beg = levels[0] as number;
      items.copyWithin(beg + half, beg, rawBeg);
      for (let l = 0; l < h; l++) levels[l] = (levels[l] as number) + half;
    }
    this.view = null;
  }

  /** Adds an empty level on top; the item array grows by the capacity of the new bottom level. */
  private addEmptyTopLevel(): void {
    const delta = levelCapacity(this.k, this.numLevels + 1, 0);
    const oldSize = this.items.length;
    const grown = new Float64Array(oldSize + delta);
    const beg = this.levels[0] as number;
    grown.set(this.items.subarray(beg), beg + delta);
    this.items = grown;
    for (let h = 0; h <= this.numLevels; h++) this.levels[h] = (this.levels[h] as number) + delta;
    this.levels.push(oldSize + delta);
    this.numLevels++;
  }

  private resizeItems(size: number): void {
    const beg = this.levels[0] as number;
    const pop = this.items.length - beg;
    const shift = size - this.items.length;
    const next = new Float64Array(size);
    next.set(this.items.subarray(beg), size - pop);
    this.items = next;
    for (let h = 0; h <= this.numLevels; h++) this.levels[h] = (this.levels[h] as number) + shift;
  }

  private sortedView(): SortedView {
    if (this.view !== null) return this.view;
    let values = this.levelItems(0).slice().sort();
    let weights = new Float64Array(values.length).fill(1);
    for (let h = 1; h < this.numLevels; h++) {
      const level = this.levelItems(h);
      if (level.length === 0) continue;
      const w = 2 ** h;
      const nv = new Float64Array(values.length + level.length);
      const nw = new Float64Array(nv.length);
      let i = 0;
      let j = 0;
      let d = 0;
      while (i < values.length || j < level.length) {
        if (j >= level.length || (i < values.length && (values[i] as number) <= (level[j] as number))) {
          nv[d] = values[i] as number;
          nw[d++] = weights[i++] as number;
        } else {
          nv[d] = level[j++] as number;
          nw[d++] = w;
        }
      }
      values = nv;
      weights = nw;
    }
    let acc = 0;
    for (let i = 0; i < weights.length; i++) {
      acc += weights[i] as number;
      weights[i] = acc;
    }
    this.view = { values, cum: weights };
    return this.view;
  }
}

/** Number of elements of the sorted array `a` that are ≤ x. */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of elements of the sorted array `a` that are < x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
