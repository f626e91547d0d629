/**
 * ADWIN's exponential histogram ("bucket list"), stored in flat typed arrays so that `ADWIN.update`
 * allocates nothing, with River's bucket merges applied in batches.
 *
 * Level `L` holds summaries (total, sum of squared deviations) of `2^L` consecutive observations
 * each, oldest first, in its own region of `region` slots of one Float64Array: the live summaries
 * are the slots [head, head + count) of the region, so every scan reads them in a straight line
 * (no ring wrap-around). Dropping the oldest advances `head`; appending writes after the newest
 * and, when the region's end is reached, first moves the live slots back to the region's start.
 *
 * Deferred merges. River compresses after every insert: whenever a level holds `maxBuckets + 1`
 * summaries, its two oldest are merged into one summary of the next level. The merged pairs are
 * always consecutive summaries taken from the front in arrival order, and how many merges a level
 * undergoes depends only on how many summaries arrived, so running all of level 0's merges, then
 * all of level 1's, and so on ({@link AdwinBucketList.flush}) yields exactly River's buckets, each
 * computed by the same arithmetic. `ADWIN.update` therefore only appends to level 0 and flushes
 * before anything reads the buckets (the cut test, snapshots) or when STAGE values are pending;
 * the merges then run in a tight loop instead of a branchy cascade on every update.
 */

/** Appends to level 0 between two flushes, at most (bounds the region size). */
const STAGE = 64;
const INITIAL_LEVELS = 8;

/** 2^level as exact doubles (`2 ** level` compiles to a Math.pow call). */
export const POW2 = Float64Array.from({ length: 1100 }, (_, i) => 2 ** i);
/** 2^-level, exact for every level a window can reach (2^-1074 is the smallest subnormal). */
export const INV_POW2 = Float64Array.from({ length: 1100 }, (_, i) => 2 ** -i);

/**
 * The bucket storage of {@link ADWIN}. Exported for ADWIN and its tests; not part of the public
 * library surface (it is not re-exported from `detectors/index.ts`).
 *
 * @example
 * ```ts
 * const b = new AdwinBucketList(5);
 * b.push(0, 1, 0);
 * console.log(b.count[0], b.totalAt(0, 0)); // 1 1
 * ```
 */
export class AdwinBucketList {
  /** Summaries per level that force a merge (River's `max_buckets + 1`). */
  readonly capacity: number;
  /** Slots per level region: room for a flushed level plus everything one flush can append. */
  readonly region: number;
  /** `ADWIN.update` flushes when level 0 reaches this many summaries. */
  readonly flushAt: number;
  /** Number of levels in use (River's `len(bucket_list)`); level 0 always exists. */
  nLevels = 1;
  /** Offset of the oldest live summary inside each level's region. */
  head: Int32Array;
  /** Live summaries per level (level 0 may exceed `capacity - 1` until the next flush). */
  count: Int32Array;
  /** Totals, level-major: level L uses [L*region, (L+1)*region). */
  totals: Float64Array;
  /** Sums of squared deviations, same layout as `totals`. */
  variances: Float64Array;

  constructor(maxBuckets: number) {
    this.capacity = maxBuckets + 1;
    this.flushAt = this.capacity - 1 + STAGE;
    this.region = 2 * (this.capacity + STAGE);
    this.head = new Int32Array(INITIAL_LEVELS);
    this.count = new Int32Array(INITIAL_LEVELS);
    this.totals = new Float64Array(INITIAL_LEVELS * this.region);
    this.variances = new Float64Array(INITIAL_LEVELS * this.region);
  }

  /** Empties every level (keeps the allocated arrays). */
  clear(): void {
    this.nLevels = 1;
    this.head.fill(0);
    this.count.fill(0);
  }

  /** Flat array index of the k-th oldest summary of `level`. */
  slot(level: number, k: number): number {
    return level * this.region + (this.head[level] as number) + k;
  }

  /** Total of the k-th oldest summary of `level`. */
  totalAt(level: number, k: number): number {
    return this.totals[this.slot(level, k)] as number;
  }

  /** Sum of squared deviations of the k-th oldest summary of `level`. */
  varianceAt(level: number, k: number): number {
    return this.variances[this.slot(level, k)] as number;
  }

  /**
   * Makes `level` (and any below it) part of the list, empty, growing storage if needed. Growing
   * replaces the typed arrays, so callers holding references must re-read them afterwards.
   */
  openLevel(level: number): void {
    while (level >= this.head.length) this.grow();
    for (let l = this.nLevels; l <= level; l++) {
      this.head[l] = 0;
      this.count[l] = 0;
    }
    if (level >= this.nLevels) this.nLevels = level + 1;
  }

  /** Appends a summary as the newest of `level` (no merge), opening the level if needed. */
  push(level: number, total: number, variance: number): void {
    if (level >= this.nLevels) this.openLevel(level);
    this.makeRoom(level, 1);
    const s = this.slot(level, this.count[level] as number);
    this.totals[s] = total;
    this.variances[s] = variance;
    this.count[level] = (this.count[level] as number) + 1;
  }

  /** Drops the `n` oldest summaries of `level`; closes the last level when it becomes empty. */
  dropOldest(level: number, n: number): void {
    this.head[level] = (this.head[level] as number) + n;
    const c = (this.count[level] as number) - n;
    this.count[level] = c;
    // River pops the trailing level once it is empty, so scans never visit it.
    if (c === 0 && level === this.nLevels - 1 && level > 0) this.nLevels = level;
    // Level 0 must keep room for flushAt appends (ADWIN.update writes there without checking).
    if (level === 0 && (this.head[0] as number) + this.flushAt > this.region) this.compact(0);
  }

  /**
   * Applies every pending River merge (see the file comment), level by level. After a flush every
   * level holds at most `capacity - 1` summaries, as in River after each insert.
   */
  flush(): void {
    const cap = this.capacity;
    const region = this.region;
    for (let level = 0; ; level++) {
      const c = this.count[level] as number;
      if (c < cap) break; // no merge here, so nothing new reaches the levels above
      // Arrivals one at a time, merging the two oldest whenever the count reaches cap: the count
      // first hits cap, then again after every two further arrivals.
      const m = ((c - cap) >> 1) + 1;
      const next = level + 1;
      if (next >= this.nLevels) this.openLevel(next);
      this.makeRoom(next, m);
      const totals = this.totals; // read after openLevel/makeRoom, which may replace or move them
      const variances = this.variances;
      const heads = this.head;
      const counts = this.count;
      const src = level * region + (heads[level] as number);
      const dst = next * region + (heads[next] as number) + (counts[next] as number);
      // River divides by n1 = 2^level; dividing by a power of two and multiplying by its exact
      // reciprocal round the same real number, so the product is bit-identical and cheaper.
      const inv = INV_POW2[level] as number;
      const n1 = POW2[level] as number;
      for (let i = 0; i < m; i++) {
        const s0 = src + 2 * i;
        const t0 = totals[s0] as number;
        const t1 = totals[s0 + 1] as number;
        const mu1 = t0 * inv;
        const mu2 = t1 * inv;
        const temp = n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2);
        totals[dst + i] = t0 + t1;
        variances[dst + i] = (variances[s0] as number) + (variances[s0 + 1] as number) + temp;
      }
      heads[level] = (heads[level] as number) + 2 * m;
      counts[level] = c - 2 * m;
      counts[next] = (counts[next] as number) + m;
    }
    // Level 0 must take up to flushAt appends without moving before the next flush.
    if ((this.head[0] as number) + this.flushAt > region) this.compact(0);
  }

  /** Ensures `n` more summaries fit after the newest of `level`, compacting its region if not. */
  private makeRoom(level: number, n: number): void {
    if ((this.head[level] as number) + (this.count[level] as number) + n > this.region) this.compact(level);
  }

  /** Moves the live summaries of `level` to the start of its region. */
  private compact(level: number): void {
    const base = level * this.region;
    const h = base + (this.head[level] as number);
    const e = h + (this.count[level] as number);
    this.totals.copyWithin(base, h, e);
    this.variances.copyWithin(base, h, e);
    this.head[level] = 0;
  }

  private grow(): void {
    const levels = this.head.length * 2;
    const head = new Int32Array(levels);
    head.set(this.head);
    const count = new Int32Array(levels);
    count.set(this.count);
    const totals = new Float64Array(levels * this.region);
    totals.set(this.totals);
    const variances = new Float64Array(levels * this.region);
    variances.set(this.variances);
    this.head = head;
    this.count = count;
    this.totals = totals;
    this.variances = variances;
  }
}
