/**
 * Running count, sum, mean, variance, min and max of a stream in O(1) memory, mergeable.
 *
 * Why Welford/Chan and not Σx, Σx²: the textbook `Σx²/n − mean²` loses every significant digit
 * when the mean is large against the spread (latencies around 1e9 ns, timestamps); Welford's update
 * keeps the sum of squared deviations M2 directly, and Chan et al.'s pairwise formula
 * (M2 = M2a + M2b + δ²·na·nb/n) merges two partial summaries with the same stability, so shard
 * workers can summarise partitions separately and one owner combines them (DESIGN.md §3).
 */
import { DriftwatchError } from './errors';
import { assertFiniteInput, checkNumberOption, decodeNumber, encodeNumber, readSnapshotHeader, snapshotError, snapshotNumber } from './drift-detector';

const NAME = 'RunningMoments';

/** The JSON snapshot written by {@link RunningMoments.toJSON}. */
export interface RunningMomentsSnapshot {
  readonly type: 'RunningMoments';
  readonly version: 1;
  readonly n: number;
  /** Sums may overflow to ±Infinity (then NaN) on huge finite inputs: encoded as strings then. */
  readonly mean: number | string;
  readonly m2: number | string;
  readonly sum: number | string;
  /** null while empty. */
  readonly min: number | null;
  readonly max: number | null;
}

/**
 * Count, sum, mean, variance, min and max of the finite numbers seen (NaN and ±Infinity throw
 * `DRIFTWATCH_INVALID_INPUT`). `merge` combines two summaries as if one had seen both streams:
 * count, min and max exactly; sum, mean and variance up to floating-point rounding (relative
 * differences ~1e-15, tested below 1e-12), because floating-point addition is not associative.
 *
 * @example
 * ```ts
 * const m = new RunningMoments();
 * [2, 4, 4, 4, 5, 5, 7, 9].forEach((x) => m.update(x));
 * console.log(m.count, m.mean, m.variance(0), m.variance()); // 8 5 4 4.571428571428571
 * ```
 */
export class RunningMoments {
  private n = 0;
  private meanV = 0;
  private m2 = 0;
  private sumV = 0;
  private minV = Number.POSITIVE_INFINITY;
  private maxV = Number.NEGATIVE_INFINITY;

  /** Number of values seen. */
  get count(): number {
    return this.n;
  }

  /** Sum of the values (0 when empty). */
  get sum(): number {
    return this.sumV;
  }

  /** Arithmetic mean; throws `DRIFTWATCH_EMPTY_SAMPLE` when empty. */
  get mean(): number {
    this.need(1, 'mean');
    return this.meanV;
  }

  /** Smallest value; throws `DRIFTWATCH_EMPTY_SAMPLE` when empty. */
  get min(): number {
    this.need(1, 'min');
    return this.minV;
  }

  /** Largest value; throws `DRIFTWATCH_EMPTY_SAMPLE` when empty. */
  get max(): number {
    this.need(1, 'max');
    return this.maxV;
  }

  /**
   * Variance with `ddof` delta degrees of freedom: M2 / (n − ddof). Default ddof = 1 (the sample
   * variance, as `numpy.var(ddof=1)` and River's `stats.Var`). Needs n > ddof
   * (`DRIFTWATCH_EMPTY_SAMPLE` otherwise).
   */
  variance(ddof = 1): number {
    checkNumberOption(NAME, 'ddof', ddof, { min: 0, integer: true });
    this.need(ddof + 1, `variance(ddof=${ddof})`);
    return this.m2 / (this.n - ddof);
  }

  /** Standard deviation, the square root of {@link RunningMoments.variance}. */
  std(ddof = 1): number {
    return Math.sqrt(this.variance(ddof));
  }

  /** Adds one finite value (Welford's update). */
  update(x: number): this {
    if (!Number.isFinite(x)) assertFiniteInput(x, NAME);
    this.n++;
    const d = x - this.meanV;
    this.meanV += d / this.n;
    this.m2 += d * (x - this.meanV);
    this.sumV += x;
    if (x < this.minV) this.minV = x;
    if (x > this.maxV) this.maxV = x;
    return this;
  }

  /** Merges `other` into this summary (Chan et al.'s pairwise update); other is unchanged. */
  merge(other: RunningMoments): this {
    if (!(other instanceof RunningMoments)) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${NAME}.merge expects a RunningMoments`);
    }
    if (other.n === 0) return this;
    if (this.n === 0) {
      this.copyFrom(other);
      return this;
    }
    const n = this.n + other.n;
    const d = other.meanV - this.meanV;
    this.m2 = this.m2 + other.m2 + ((d * d * this.n) / n) * other.n;
    this.meanV += (d * other.n) / n;
    this.n = n;
    this.sumV += other.sumV;
    if (other.minV < this.minV) this.minV = other.minV;
    if (other.maxV > this.maxV) this.maxV = other.maxV;
    return this;
  }

  /** Forgets everything. */
  reset(): void {
    this.copyFrom(new RunningMoments());
  }

  /** A JSON-safe snapshot that {@link RunningMoments.fromJSON} restores bit-identically. */
  toJSON(): RunningMomentsSnapshot {
    const empty = this.n === 0;
    return {
      type: NAME,
      version: 1,
      n: this.n,
      mean: encodeNumber(this.meanV),
      m2: encodeNumber(this.m2),
      sum: encodeNumber(this.sumV),
      min: empty ? null : this.minV,
      max: empty ? null : this.maxV,
    };
  }

  /**
   * Restores a summary from {@link RunningMoments.toJSON} output (`DRIFTWATCH_INVALID_SNAPSHOT`
   * when malformed).
   *
   * @example
   * ```ts
   * const m = new RunningMoments().update(1).update(3);
   * console.log(RunningMoments.fromJSON(JSON.parse(JSON.stringify(m))).mean); // 2
   * ```
   */
  static fromJSON(json: unknown): RunningMoments {
    const rec = readSnapshotHeader(json, NAME, 1);
    const m = new RunningMoments();
    const n = snapshotNumber(rec, NAME, 'n');
    if (!Number.isSafeInteger(n) || n < 0) throw snapshotError(NAME, 'n must be a non-negative integer');
    m.n = n;
    m.meanV = decodeNumber(rec, NAME, 'mean');
    m.m2 = decodeNumber(rec, NAME, 'm2');
    m.sumV = decodeNumber(rec, NAME, 'sum');
    if (n === 0) {
      if (rec.min !== null || rec.max !== null) throw snapshotError(NAME, 'an empty summary has min and max null');
    } else {
      m.minV = snapshotNumber(rec, NAME, 'min');
      m.maxV = snapshotNumber(rec, NAME, 'max');
      if (m.minV > m.maxV) throw snapshotError(NAME, 'min must be ≤ max');
    }
    return m;
  }

  private copyFrom(o: RunningMoments): void {
    this.n = o.n;
    this.meanV = o.meanV;
    this.m2 = o.m2;
    this.sumV = o.sumV;
    this.minV = o.minV;
    this.maxV = o.maxV;
  }

  private need(k: number, what: string): void {
    if (this.n < k) {
      throw new DriftwatchError(
        'DRIFTWATCH_EMPTY_SAMPLE',
        `${NAME}.${what} needs at least ${k} value${k === 1 ? '' : 's'}, got ${this.n}`,
        { details: { needed: k, count: this.n } },
      );
    }
  }
}
