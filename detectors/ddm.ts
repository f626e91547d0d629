/**
 * DDM, the Drift Detection Method of Gama et al. (2004), bit-for-bit compatible with River 0.26.1's
 * `river.drift.binary.DDM`: running error rate p and its Bernoulli deviation s = √(p(1−p)/n),
 * p_min/s_min taken where p+s reached its minimum (`≤`, so ties move the minimum forward), strict
 * `>` comparisons against p_min + k·s_min, no test until more than `warmStart` values, and the
 * self-reset at the start of the update after a drift.
 */
import {
  assertFiniteInput,
  checkNumberOption,
  decodeNumber,
  encodeNumber,
  readSnapshotHeader,
  snapshotBoolean,
  snapshotError,
  snapshotNumber,
  type DriftDetector,
  snapshotOptions,
} from './drift-detector';
import { DriftwatchError } from './errors';

/** Options of {@link DDM}; names and defaults are River's (camelCased). */
export interface DDMOptions {
  /** No test until more than this many values were seen (integer ≥ 0). Default 30. */
  warmStart?: number;
  /** Warning when p+s > p_min + warningThreshold·s_min (≥ 0). Default 2. */
  warningThreshold?: number;
  /** Drift when p+s > p_min + driftThreshold·s_min (≥ 0). Default 3. */
  driftThreshold?: number;
}

/** JSON snapshot of a {@link DDM}. */
export interface DDMSnapshot {
  readonly type: 'DDM';
  readonly version: 1;
  readonly options: Required<DDMOptions>;
  readonly driftDetected: boolean;
  readonly warningDetected: boolean;
  readonly n: number;
  readonly p: number;
  readonly pMin: number;
  readonly sMin: number;
  /** p_min + s_min, `"Infinity"` before the warm start ends. */
  readonly psMin: number | string;
}

const NAME = 'DDM';

/**
 * Drift Detection Method for a stream of error indicators (1 = error, 0 = correct; values in
 * [0, 1] are accepted, as River's running mean does). Values outside [0, 1] throw
 * `DRIFTWATCH_INVALID_INPUT` (River would fail on the square root of a negative number).
 *
 * @example
 * ```ts
 * const ddm = new DDM();
 * const errs = [...Array(1000)].map((_, i) => (i % 5 === 0 ? 1 : 0)); // 20 % errors
 * const worse = [...Array(1000)].map((_, i) => (i % 5 < 3 ? 1 : 0)); // then 60 %
 * [...errs, ...worse].forEach((x, i) => { if (ddm.update(x).driftDetected) console.log(`drift at ${i}`); });
 * // drift at 1066
 * ```
 */
export class DDM implements DriftDetector<DDMSnapshot> {
  /** Values seen before the test starts. */
  readonly warmStart: number;
  /** Warning multiplier of s_min. */
  readonly warningThreshold: number;
  /** Drift multiplier of s_min. */
  readonly driftThreshold: number;

  private _n = 0;
  private _p = 0;
  private _pMin = 0;
  private _sMin = 0;
  private _psMin = Number.POSITIVE_INFINITY;
  private _drift = false;
  private _warning = false;

  constructor(options: DDMOptions = {}) {
    this.warmStart = checkNumberOption(NAME, 'warmStart', options.warmStart ?? 30, { min: 0, integer: true });
    this.warningThreshold = checkNumberOption(NAME, 'warningThreshold', options.warningThreshold ?? 2, { min: 0 });
    this.driftThreshold = checkNumberOption(NAME, 'driftThreshold', options.driftThreshold ?? 3, { min: 0 });
  }

  /** True when the last update detected a drift. */
  get driftDetected(): boolean {
    return this._drift;
  }

  /** True when the last update is in the warning zone (never together with a drift). */
  get warningDetected(): boolean {
    return this._warning;
  }

  /** Values seen since the last reset. */
  get n(): number {
    return this._n;
  }

  /** Running error rate p since the last reset. */
  get errorRate(): number {
    return this._p;
  }

  /** Feeds one error indicator in [0, 1]. */
  update(x: number): this {
    assertFiniteInput(x, NAME);
    if (x < 0 || x > 1) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `DDM.update expects a value in [0, 1], got ${x}`, {
        details: { detector: NAME, value: x },
      });
    }
    if (this._drift) this.reset();
    const n = this._n + 1;
    this._n = n;
    // River's stats.Mean: mean += (w / n) * (x - mean) with w = 1.
    const p = this._p + (1 / n) * (x - this._p);
    this._p = p;
    const s = Math.sqrt((p * (1 - p)) / n);
    if (n > this.warmStart) {
      const ps = p + s;
      if (ps <= this._psMin) {
        this._pMin = p;
        this._sMin = s;
        this._psMin = p + s;
      }
      this._warning = ps > this._pMin + this.warningThreshold * this._sMin;
      if (ps > this._pMin + this.driftThreshold * this._sMin) {
        this._drift = true;
        this._warning = false;
      }
    }
    return this;
  }

  /** Back to the state of a new instance with the same options. */
  reset(): void {
    this._n = 0;
    this._p = 0;
    this._pMin = 0;
    this._sMin = 0;
    this._psMin = Number.POSITIVE_INFINITY;
    this._drift = false;
    this._warning = false;
  }

  /** A JSON-safe snapshot of the whole state. */
  toJSON(): DDMSnapshot {
    return {
      type: NAME,
      version: 1,
      options: { warmStart: this.warmStart, warningThreshold: this.warningThreshold, driftThreshold: this.driftThreshold },
      driftDetected: this._drift,
      warningDetected: this._warning,
      n: this._n,
      p: this._p,
      pMin: this._pMin,
      sMin: this._sMin,
      psMin: encodeNumber(this._psMin),
    };
  }

  /**
   * Restores a detector from {@link DDM.toJSON} output (`DRIFTWATCH_INVALID_SNAPSHOT` when malformed).
   *
   * @example
   * ```ts
   * const a = new DDM().update(1).update(0);
   * console.log(DDM.fromJSON(JSON.parse(JSON.stringify(a))).errorRate); // 0.5
   * ```
   */
  static fromJSON(json: unknown): DDM {
    const rec = readSnapshotHeader(json, NAME, 1);
    const d = new DDM(snapshotOptions(rec, NAME) as DDMOptions);
    const n = snapshotNumber(rec, NAME, 'n');
    if (!Number.isInteger(n) || n < 0) throw snapshotError(NAME, 'n must be a non-negative integer');
    d._n = n;
    d._p = snapshotNumber(rec, NAME, 'p');
    d._pMin = snapshotNumber(rec, NAME, 'pMin');
    d._sMin = snapshotNumber(rec, NAME, 'sMin');
    d._psMin = decodeNumber(rec, NAME, 'psMin');
    d._drift = snapshotBoolean(rec, NAME, 'driftDetected');
    d._warning = snapshotBoolean(rec, NAME, 'warningDetected');
    return d;
  }
}
