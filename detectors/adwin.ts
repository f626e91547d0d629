/**
 * ADWIN (ADaptive WINdowing, Bifet & Gavaldà 2007), bit-for-bit compatible with River 0.26.1's
 * `river.drift.ADWIN` (its Rust `AdaptiveWindowing`): same bucket merges, same floating-point
 * operation order, the same cut test every `clock` updates once the window is longer than
 * `gracePeriod`, and the same self-reset at the start of the update after a drift.
 */
import { AdwinBucketList, INV_POW2, POW2 } from './adwin-bucket-list';
import {
  assertFiniteInput,
  checkNumberOption,
  decodeNumber,
  decodeValue,
  encodeNumber,
  readSnapshotHeader,
  snapshotBoolean,
  snapshotError,
  snapshotNumber,
  type DriftDetector,
  snapshotOptions,
} from './drift-detector';

/** Options of {@link ADWIN}; names and defaults are River's (camelCased). */
export interface ADWINOptions {
  /** Significance δ of the cut test, in (0, 1). Default 0.002. */
  delta?: number;
  /** Check for a cut every `clock` updates (integer ≥ 1). Default 32. */
  clock?: number;
  /**
   * Buckets of each size kept before two are merged (integer ≥ 2). Default 5. River accepts 1 but
   * then crashes at the first cut that empties the top level, so 1 is refused here.
   */
  maxBuckets?: number;
  /** Smallest sub-window length considered by the cut test (integer ≥ 0). Default 5. */
  minWindowLength?: number;
  /** No cut test until the window holds more than this many values (integer ≥ 0). Default 10. */
  gracePeriod?: number;
}

/** JSON snapshot of an {@link ADWIN} (see `toJSON`). Numbers that may overflow are encoded. */
export interface ADWINSnapshot {
  readonly type: 'ADWIN';
  readonly version: 1;
  readonly options: Required<ADWINOptions>;
  readonly driftDetected: boolean;
  readonly width: number;
  readonly total: number | string;
  readonly variance: number | string;
  /** Updates since the last cut check, modulo `clock`. */
  readonly tick: number;
  readonly nDetections: number;
  /** Per level (level 0 first), the bucket totals, oldest first. */
  readonly totals: (number | string)[][];
  /** Per level, the bucket sums of squared deviations, oldest first. */
  readonly variances: (number | string)[][];
}

const NAME = 'ADWIN';

// Safety margins of the cut-test screen (see detectChange): far above the rounding they absorb.
const SCREEN_SHRINK = 1 - 1e-9;
const SCREEN_SLACK = 1e-9;

/**
 * Adaptive-window drift detector for numeric streams (River-compatible).
 *
 * Keeps a window of recent values in an exponential histogram; every `clock` updates it compares
 * the means of every split of the window into an older and a newer part and drops old buckets while
 * the difference exceeds the Hoeffding-style bound ε(δ). A drift is flagged for the update on which
 * the window was cut; the next `update` starts a fresh window (River's semantics).
 *
 * @example
 * ```ts
 * const adwin = new ADWIN();
 * for (let i = 0; i < 2000; i++) {
 *   adwin.update(i < 1000 ? i % 2 : 4 + (i % 4));
 *   if (adwin.driftDetected) console.log(`drift at ${i}, width ${adwin.width}`);
 * }
 * // drift at 1023, width 32
 * ```
 */
export class ADWIN implements DriftDetector<ADWINSnapshot> {
  /** Significance δ of the cut test. */
  readonly delta: number;
  /** Cut test period, in updates. */
  readonly clock: number;
  /** Buckets of each size kept before a merge. */
  readonly maxBuckets: number;
  /** Smallest sub-window considered by the cut test. */
  readonly minWindowLength: number;
  /** Window length below which no cut test runs. */
  readonly gracePeriod: number;

  private readonly buckets: AdwinBucketList;
  private _width = 0;
  private _total = 0;
  private _variance = 0;
  private _tick = 0;
  private _nDetections = 0;
  private _drift = false;
  /** Width at which {@link _dpLow} was computed (0: not yet). */
  private _dpWidth = 0;
  /** δ' at `_dpWidth`, shrunk by SCREEN_SHRINK: a lower bound of δ' for widths ≥ `_dpWidth`. */
  private _dpLow = 0;
  /** Largest |value| since the last reset: |bucket total| ≤ size·_maxAbs for every bucket. */
  private _maxAbs = 0;

  constructor(options: ADWINOptions = {}) {
    this.delta = checkNumberOption(NAME, 'delta', options.delta ?? 0.002, {
      min: 0,
      max: 1,
      minExclusive: true,
      maxExclusive: true,
    });
    this.clock = checkNumberOption(NAME, 'clock', options.clock ?? 32, { min: 1, integer: true });
    this.maxBuckets = checkNumberOption(NAME, 'maxBuckets', options.maxBuckets ?? 5, {
      min: 2,
      max: 1000,
      integer: true,
    });
    this.minWindowLength = checkNumberOption(NAME, 'minWindowLength', options.minWindowLength ?? 5, {
      min: 0,
      integer: true,
    });
    this.gracePeriod = checkNumberOption(NAME, 'gracePeriod', options.gracePeriod ?? 10, {
      min: 0,
      integer: true,
    });
    this.buckets = new AdwinBucketList(this.maxBuckets);
  }

  /** True when the last update cut the window (a change was detected). */
  get driftDetected(): boolean {
    return this._drift;
  }

  /** ADWIN has no warning zone: always false. */
  get warningDetected(): boolean {
    return false;
  }

  /** Number of values in the current window. */
  get width(): number {
    return this._width;
  }

  /** Sum of the values in the window. */
  get total(): number {
    return this._total;
  }

  /** Mean of the window (0 when empty), River's `estimation`. */
  get estimation(): number {
    return this._width === 0 ? 0 : this._total / this._width;
  }

  /**
   * River's `variance`: the sum of squared deviations from the window mean (not divided by the
   * width, despite River's docstring). {@link varianceInWindow} is the per-value variance.
   */
  get variance(): number {
    return this._variance;
  }

  /** `variance / width`, River's `variance_in_window` (NaN when the window is empty). */
  get varianceInWindow(): number {
    return this._variance / this._width;
  }

  /**
   * Detections counted by the current window, as River's `n_detections`: the self-reset after a
   * drift starts it again from 0, so it is 1 exactly when `driftDetected` is true.
   */
  get nDetections(): number {
    return this._nDetections;
  }

  /** Adds one value and runs the periodic cut test. Throws `DRIFTWATCH_INVALID_INPUT` on NaN/±Infinity. */
  update(x: number): this {
    // Kept small so V8 inlines it into the caller's loop; merges and the cut test are out of line.
    if (typeof x !== 'number' || !Number.isFinite(x)) assertFiniteInput(x, NAME);
    if (this._drift) this.reset();
    const ax = Math.abs(x);
    if (ax > this._maxAbs) this._maxAbs = ax;
    // Streaming variance update; operation order as River so the doubles match exactly.
    const width = this._width + 1;
    this._width = width;
    let inc = 0;
    if (width > 1) {
      const d = x - this._total / (width - 1);
      inc = ((width - 1) * d * d) / width;
    }
    this._variance += inc;
    this._total += x;
    // New level-0 bucket (total x, variance 0) after the newest; River's merges are deferred to
    // the next flush (see adwin-bucket-list.ts), which yields the same buckets.
    const b = this.buckets;
    const counts = b.count;
    const c0 = counts[0] as number;
    const j = (b.head[0] as number) + c0;
    b.totals[j] = x;
    b.variances[j] = 0;
    counts[0] = c0 + 1;
    if (c0 + 1 >= b.flushAt) b.flush();
    // River checks `tick % clock == 0` on a tick that counts every update since the last reset;
    // keeping only the phase gives the same schedule without a division per update.
    let tick = this._tick + 1;
    if (tick === this.clock) tick = 0;
    this._tick = tick;
    if (tick === 0 && width > this.gracePeriod) {
      b.flush();
      this._drift = this.detectChange();
    } else {
      this._drift = false;
    }
    return this;
  }

  /** Empties the window (same options), like a new instance. */
  reset(): void {
    this.buckets.clear();
    this._width = 0;
    this._total = 0;
    this._variance = 0;
    this._tick = 0;
    this._nDetections = 0;
    this._drift = false;
    this._maxAbs = 0;
  }

  /** Removes the oldest bucket from the window (River's `delete_element`). */
  private deleteOldest(): void {
    const b = this.buckets;
    const last = b.nLevels - 1;
    const n = POW2[last] as number;
    const s = b.slot(last, 0);
    const u = b.totals[s] as number;
    const v = b.variances[s] as number;
    const mu = u * (INV_POW2[last] as number); // = u / n exactly (power of two)
    this._width -= n;
    this._total -= u;
    const muWindow = this._total / this._width;
    const inc = v + (n * this._width * (mu - muWindow) * (mu - muWindow)) / (n + this._width);
    this._variance -= inc;
    b.dropOldest(last, 1);
  }

  /**
   * River's cut test (`detect_change`), bit-identical. River evaluates, at every split of the window
   * into an older part (n0 values, sum u0) and a newer part (n1, u1), `|u0/n0 − u1/n1| > ε` with
   * ε = sqrt(2·m·σ²·δ') + (2/3)·δ'·m, m = 1/(n0−mwl+1) + 1/(n1−mwl+1): two logarithms per check,
   * four divisions and a square root per split. Nearly every check is far from a cut, so a cheap
   * conservative screen ({@link screenClears}) first tries to prove that no split can cut; only
   * when it cannot does River's own arithmetic run, so every decision is River's.
   */
  private detectChange(): boolean {
    if (this.screenClears()) return false;
    const b = this.buckets;
    const region = b.region;
    const mwl = this.minWindowLength;
    let change = false;
    let reduce = true;
    while (reduce) {
      reduce = false;
      const width = this._width;
      // Constant for the whole pass (a cut ends the pass): hoisted out of the per-split test.
      // Same expressions as River's evaluate_cut, so the values are identical.
      const deltaPrime = Math.log((2 * Math.log(width)) / this.delta);
      const varPerWidth = this._variance / width;
      const linear = (2 / 3) * deltaPrime;
      let n0 = 0;
      let n1 = width;
      let u0 = 0;
      let u1 = this._total;
      // Local references: a pass never grows the arrays (a cut ends the pass), and locals spare
      // V8 from reloading the fields on every split point.
      const totals = b.totals;
      const counts = b.count;
      const heads = b.head;
      outer: for (let level = b.nLevels - 1; level >= 0; level--) {
        const size = POW2[level] as number;
        const count = counts[level] as number;
        const base = level * region;
        const first = base + (heads[level] as number);
        for (let k = 0; k < count; k++) {
          n0 += size;
          n1 -= size;
          const t = totals[first + k] as number;
          u0 += t;
          u1 -= t;
          // The newest value is never a split point (River's exit_flag).
          if (level === 0 && k === count - 1) break outer;
          if (n1 >= mwl && n0 >= mwl) {
            const deltaMean = u0 / n0 - u1 / n1;
            const mRecip = 1 / (n0 - mwl + 1) + 1 / (n1 - mwl + 1);
            const epsilon = Math.sqrt(2 * mRecip * varPerWidth * deltaPrime) + linear * mRecip;
            if (Math.abs(deltaMean) > epsilon) {
              reduce = true;
              change = true;
              if (this._width > 0) {
                this.deleteOldest();
                break outer;
              }
            }
          }
        }
      }
    }
    if (change) this._nDetections += 1;
    return change;
  }

  /**
   * True when no split of the current window can pass River's cut test; false means "unknown"
   * (River's exact test then decides). Division- and logarithm-free per split.
   *
   * With W = n0 + n1, T the window total and D = u0 − (T/W)·n0, in exact arithmetic
   * u0/n0 − u1/n1 = W·D/(n0·n1), and m ≥ m' = 1/n0 + 1/n1 = W/(n0·n1) whenever mwl ≥ 1. Scaling
   * the test by n0·n1/W, a split cannot cut if |D| ≤ sqrt(A·n0·n1/W) + B with A = 2σ²δ',
   * B = (2/3)δ'. δ' = ln(2·ln W/δ) grows with W, so δ' of a smaller width W' ≤ W (cached, refreshed
   * when W leaves [W', 1.25·W')) is a valid lower bound and spares two logarithms per check.
   * Rounding (River's divisions and running sums, our products and sums) is covered by a slack of
   * 1e-9·(|T| + Σ|bucket totals|) ≤ 2e-9·W·max|x| on |D| and a factor (1 − 1e-9) on A and B: the
   * real errors are below 1e-11 of those magnitudes for any window a double can count. NaN, ±Infinity,
   * σ² < 1e-290 (square-root term dropped), δ' ≤ 0 or mwl = 0 make the screen decline.
   */
  private screenClears(): boolean {
    const width = this._width;
    if (!(width >= this._dpWidth && width < 1.25 * this._dpWidth)) {
      this._dpWidth = width;
      this._dpLow = Math.log((2 * Math.log(width)) / this.delta) * SCREEN_SHRINK;
    }
    const dpLow = this._dpLow;
    const mwl = this.minWindowLength;
    if (!(mwl >= 1 && dpLow > 0 && dpLow < Infinity)) return false;
    const total = this._total;
    const mean = total / width;
    let kq = ((2 * (this._variance / width) * dpLow) / width) * SCREEN_SHRINK;
    if (!(kq >= 1e-290)) kq = 0; // tiny, negative or NaN σ²: keep only the linear term
    else if (!(kq < 1e250)) return false; // keeps kq·n0·n1 finite, so |D| = Infinity never passes
    const bq = (2 / 3) * dpLow * SCREEN_SHRINK;
    const b = this.buckets;
    const region = b.region;
    const totals = b.totals;
    const counts = b.count;
    const heads = b.head;
    // Rounding slack on |D|: Σ|bucket totals| ≤ W·maxAbs, and |T| ≤ W·maxAbs too.
    const slack = SCREEN_SLACK * 2 * width * this._maxAbs;
    if (!(slack < Infinity)) return false;
    let n0 = 0;
    let u0 = 0;
    for (let level = b.nLevels - 1; level >= 0; level--) {
      const size = POW2[level] as number;
      const base = level * region;
      const first = base + (heads[level] as number);
      // The newest value is never a split point (River's exit_flag).
      const end = first + (counts[level] as number) - (level === 0 ? 1 : 0);
      for (let q = first; q < end; q++) {
        const t = totals[q] as number;
        n0 += size;
        u0 += t;
        const n1 = width - n0;
        const e = Math.abs(u0 - mean * n0) + slack - bq;
        if (!(e <= Math.sqrt(kq * (n0 * n1))) && n0 >= mwl && n1 >= mwl) return false;
      }
    }
    return true;
  }

  /**
   * A JSON-safe snapshot of the whole state (options, window statistics, buckets).
   * `ADWIN.fromJSON(JSON.parse(JSON.stringify(a.toJSON())))` continues exactly like `a`.
   */
  toJSON(): ADWINSnapshot {
    const b = this.buckets;
    b.flush(); // apply pending merges: the snapshot holds River's buckets
    const totals: (number | string)[][] = [];
    const variances: (number | string)[][] = [];
    for (let level = 0; level < b.nLevels; level++) {
      const t: (number | string)[] = [];
      const v: (number | string)[] = [];
      for (let k = 0; k < (b.count[level] as number); k++) {
        t.push(encodeNumber(b.totalAt(level, k)));
        v.push(encodeNumber(b.varianceAt(level, k)));
      }
      totals.push(t);
      variances.push(v);
    }
    return {
      type: NAME,
      version: 1,
      options: {
        delta: this.delta,
        clock: this.clock,
        maxBuckets: this.maxBuckets,
        minWindowLength: this.minWindowLength,
        gracePeriod: this.gracePeriod,
      },
      driftDetected: this._drift,
      width: this._width,
      total: encodeNumber(this._total),
      variance: encodeNumber(this._variance),
      tick: this._tick,
      nDetections: this._nDetections,
      totals,
      variances,
    };
  }

  /**
   * Restores a detector from {@link ADWIN.toJSON} output, validating it first
   * (`DRIFTWATCH_INVALID_SNAPSHOT` when malformed, `DRIFTWATCH_INVALID_PARAMETER` for bad options).
   *
   * @example
   * ```ts
   * const a = new ADWIN();
   * for (let i = 0; i < 100; i++) a.update(i % 3);
   * const b = ADWIN.fromJSON(JSON.parse(JSON.stringify(a)));
   * console.log(b.width === a.width && b.estimation === a.estimation); // true
   * ```
   */
  static fromJSON(json: unknown): ADWIN {
    const rec = readSnapshotHeader(json, NAME, 1);
    const a = new ADWIN(snapshotOptions(rec, NAME) as ADWINOptions);
    const { totals, variances } = rec;
    if (!Array.isArray(totals) || !Array.isArray(variances) || totals.length === 0 || totals.length !== variances.length) {
      throw snapshotError(NAME, 'fields totals and variances must be non-empty arrays of equal length');
    }
    let width = 0;
    for (let level = 0; level < totals.length; level++) {
      const t: unknown = totals[level];
      const v: unknown = variances[level];
      if (!Array.isArray(t) || !Array.isArray(v) || t.length !== v.length || t.length > a.maxBuckets) {
        throw snapshotError(NAME, `level ${level} must hold at most ${a.maxBuckets} buckets in both arrays`);
      }
      if (level > 0 && level === totals.length - 1 && t.length === 0) {
        throw snapshotError(NAME, 'the last level must not be empty');
      }
      for (let k = 0; k < t.length; k++) {
        a.buckets.push(
          level,
          decodeValue(t[k], NAME, `totals[${level}][${k}]`),
          decodeValue(v[k], NAME, `variances[${level}][${k}]`),
        );
      }
      width += t.length * 2 ** level;
      for (let k = 0; k < t.length; k++) {
        // Restores the screen's invariant |bucket total| ≤ size·_maxAbs.
        a._maxAbs = Math.max(a._maxAbs, Math.abs(a.buckets.totalAt(level, k)) * (INV_POW2[level] as number));
      }
    }
    a.buckets.nLevels = totals.length;
    if (snapshotNumber(rec, NAME, 'width') !== width) {
      throw snapshotError(NAME, `width must equal the number of values held by the buckets (${width})`);
    }
    const tick = snapshotNumber(rec, NAME, 'tick');
    if (!Number.isInteger(tick) || tick < 0 || tick >= a.clock) {
      throw snapshotError(NAME, `tick must be an integer in [0, ${a.clock - 1}]`);
    }
    const nDetections = snapshotNumber(rec, NAME, 'nDetections');
    if (!Number.isInteger(nDetections) || nDetections < 0) {
      throw snapshotError(NAME, 'nDetections must be a non-negative integer');
    }
    a._width = width;
    a._total = decodeNumber(rec, NAME, 'total');
    a._variance = decodeNumber(rec, NAME, 'variance');
    a._tick = tick;
    a._nDetections = nDetections;
    a._drift = snapshotBoolean(rec, NAME, 'driftDetected');
    return a;
  }
}
