/**
 * ADWIN's exponential histogram ("bucket list"), stored in flat typed arrays so that `ADWIN.update`
 * allocates nothing.
 *
 * Level `L` holds up to `maxBuckets + 1` summaries (total, sum of squared deviations) of `2^L`
 * consecutive observations each, oldest first. Each level is a ring buffer of capacity
 * `maxBuckets + 1` inside one Float64Array (River shifts its arrays on every merge; a ring gives the
 * same order without the copies). The arrays grow by doubling the number of levels, which happens
 * only about log2(n) times over a stream, never per update.
 */
const INITIAL_LEVELS = 8;

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
  /** Summaries per level before a merge is forced, plus one (River's `max_buckets + 1`). */
  readonly capacity: number;
  /** Number of levels in use (River's `len(bucket_list)`); level 0 always exists. */
  nLevels = 1;
  /** Ring start per level. */
  head: Int32Array;
  /** Summaries stored per level. */
  count: Int32Array;
  /** Totals, level-major: level L uses [L*capacity, (L+1)*capacity). */
  totals: Float64Array;
  /** Sums of squared deviations, same layout as `totals`. */
  variances: Float64Array;

  constructor(maxBuckets: number) {
    this.capacity = maxBuckets + 1;
    this.head = new Int32Array(INITIAL_LEVELS);
    this.count = new Int32Array(INITIAL_LEVELS);
    this.totals = new Float64Array(INITIAL_LEVELS * this.capacity);
    this.variances = new Float64Array(INITIAL_LEVELS * this.capacity);
  }

  /** Empties every level (keeps the allocated arrays). */
  clear(): void {
    this.nLevels = 1;
    this.head.fill(0);
    this.count.fill(0);
  }

  /** Flat array index of the k-th oldest summary of `level`. */
  slot(level: number, k: number): number {
    let j = (this.head[level] as number) + k;
    if (j >= this.capacity) j -= this.capacity;
    return level * this.capacity + j;
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

  /** Appends a summary as the newest of `level`, opening the level (and growing storage) if needed. */
  push(level: number, total: number, variance: number): void {
    if (level >= this.nLevels) this.openLevel(level);
    const s = this.slot(level, this.count[level] as number);
    this.totals[s] = total;
    this.variances[s] = variance;
    this.count[level] = (this.count[level] as number) + 1;
  }

  /** Drops the `n` oldest summaries of `level`; closes the last level when it becomes empty. */
  dropOldest(level: number, n: number): void {
    let h = (this.head[level] as number) + n;
    if (h >= this.capacity) h -= this.capacity;
    this.head[level] = h;
    const c = (this.count[level] as number) - n;
    this.count[level] = c;
    // River pops the trailing level once it is empty, so scans never visit it.
    if (c === 0 && level === this.nLevels - 1 && level > 0) this.nLevels = level;
  }

  private grow(): void {
    const levels = this.head.length * 2;
    const head = new Int32Array(levels);
    head.set(this.head);
    const count = new Int32Array(levels);
    count.set(this.count);
    const totals = new Float64Array(levels * this.capacity);
    totals.set(this.totals);
    const variances = new Float64Array(levels * this.capacity);
    variances.set(this.variances);
    this.head = head;
    this.count = count;
    this.totals = totals;
    this.variances = variances;
  }
}
