/**
 * EDDM, the Early Drift Detection Method of Baena-García et al. (2006), bit-for-bit compatible
 * with River 0.26.1's `river.drift.binary.EDDM`: it tracks the mean p′ and standard deviation s′
 * (variance with ddof = 1, Welford updates as River's `stats.Var`) of the distances between
 * consecutive errors, remembers the maximum of p′ + 2s′, and compares the current value with it.
 */
import {
  assertFiniteInput,
  checkNumberOption,
  readSnapshotHeader,
  snapshotBoolean,
  snapshotError,
  snapshotNumber,
  type DriftDetector,
  snapshotOptions,
} from './drift-detector';
import { DriftwatchError } from './errors';

/** Options of {@link EDDM}; names and defaults are River's. */
export interface EDDMOptions {
  /** Values and errors needed before testing (integer ≥ 0). Default 30. */
  warmStart?: number;
  /** Warning when (p′+2s′)/max < alpha, in (0, 1] and ≥ beta. Default 0.95. */
  alpha?: number;
  /** Drift when (p′+2s′)/max < beta, in (0, 1]. Default 0.9. */
  beta?: number;
}

/** JSON snapshot of an {@link EDDM}. */
export interface EDDMSnapshot {
  readonly type: 'EDDM';
  readonly version: 1;
  readonly options: Required<EDDMOptions>;
  readonly driftDetected: boolean;
  readonly warningDetected: boolean;
  readonly n: number;
  readonly lastError: number;
  readonly nErrors: number;
  readonly distanceMean: number;
  /** Welford sum of squared deviations of the distances. */
  readonly distanceM2: number;
  readonly p2sMax: number;
}

const NAME = 'EDDM';

/**
 * Early Drift Detection Method for a stream of error indicators: a value equal to 1 is an error,
 * any other finite value is not (River's `x == 1`).
 *
 * As in River, the warning flag changes only on updates that carry an error past the warm start
 * (a correct prediction leaves it as it was).
 *
 * @example
 * ```ts
 * const eddm = new EDDM({ alpha: 0.8, beta: 0.75 });
 * const xs = [...Array(3000)].map((_, i) => (i < 2000 ? +(i % 10 === 0) : +(i % 3 === 0)));
 * xs.forEach((x, i) => { if (eddm.update(x).driftDetected) console.log(`drift at ${i}`); });
 * // drift at 420  (EDDM reacts to the error spacing itself: strictly periodic errors are unusual)
 * ```
 */
export class EDDM implements DriftDetector<EDDMSnapshot> {
  /** Values (and errors) needed before testing. */
  readonly warmStart: number;
  /** Warning level. */
  readonly alpha: number;
  /** Drift level. */
  readonly beta: number;

  private _n = 0;
  private _lastError = 0;
  private _nErrors = 0;
  private _mean = 0;
  private _m2 = 0;
  private _p2sMax = -1;
  private _drift = false;
  private _warning = false;

  constructor(options: EDDMOptions = {}) {
    this.warmStart = checkNumberOption(NAME, 'warmStart', options.warmStart ?? 30, { min: 0, integer: true });
    this.alpha = checkNumberOption(NAME, 'alpha', options.alpha ?? 0.95, { min: 0, max: 1, minExclusive: true });
    this.beta = checkNumberOption(NAME, 'beta', options.beta ?? 0.9, { min: 0, max: 1, minExclusive: true });
    if (this.alpha < this.beta) {
      throw new DriftwatchError(
        'DRIFTWATCH_INVALID_PARAMETER',
        `EDDM option alpha must be ≥ beta (alpha in [beta, 1]), got alpha=${this.alpha}, beta=${this.beta}`,
        { details: { detector: NAME, option: 'alpha', value: this.alpha, valid: `[${this.beta}, 1]` } },
      );
    }
  }

  /** True when the last update detected a drift. */
  get driftDetected(): boolean {
    return this._drift;
  }

  /** True while in the warning zone (see the class note on when it changes). */
  get warningDetected(): boolean {
    return this._warning;
  }

  /** Values seen since the last reset. */
  get n(): number {
    return this._n;
  }

  /** Errors seen since the last reset. */
  get nErrors(): number {
    return this._nErrors;
  }

  /** Mean distance p′ between consecutive errors. */
  get meanDistance(): number {
    return this._mean;
  }

  /** Sample standard deviation s′ of the distances (ddof = 1; 0 with fewer than two errors). */
  get stdDistance(): number {
    return Math.sqrt(this._nErrors > 1 ? this._m2 / (this._nErrors - 1) : 0);
  }

  /** Feeds one value; 1 means an error. */
  update(x: number): this {
    assertFiniteInput(x, NAME);
    if (this._drift) this.reset();
    const n = this._n + 1;
    this._n = n;
    if (x === 1) {
      const k = this._nErrors + 1;
      this._nErrors = k;
      // River's stats.Var with ddof=1 over the distances: Welford with the old and new means.
      const dist = n - this._lastError;
      const old = this._mean;
      const mean = old + (1 / k) * (dist - old);
      this._mean = mean;
      this._m2 += (dist - old) * (dist - mean);
      if (n > this.warmStart) {
        const variance = k > 1 ? this._m2 / (k - 1) : 0;
        const p2s = mean + 2 * Math.sqrt(variance);
        if (p2s > this._p2sMax) {
          this._p2sMax = p2s;
        } else if (k > this.warmStart) {
          const level = p2s / this._p2sMax;
          if (level < this.beta) this._drift = true;
          else if (level < this.alpha) this._warning = true;
          else this._warning = false;
        }
      }
      this._lastError = n;
    }
    return this;
  }

  /** Back to the state of a new instance with the same options. */
  reset(): void {
    this._n = 0;
    this._lastError = 0;
    this._nErrors = 0;
    this._mean = 0;
    this._m2 = 0;
    this._p2sMax = -1;
    this._drift = false;
    this._warning = false;
  }

  /** A JSON-safe snapshot of the whole state. */
  toJSON(): EDDMSnapshot {
    return {
      type: NAME,
      version: 1,
      options: { warmStart: this.warmStart, alpha: this.alpha, beta: this.beta },
      driftDetected: this._drift,
      warningDetected: this._warning,
      n: this._n,
      lastError: this._lastError,
      nErrors: this._nErrors,
      distanceMean: this._mean,
      distanceM2: this._m2,
      p2sMax: this._p2sMax,
    };
  }

  /**
   * Restores a detector from {@link EDDM.toJSON} output (`DRIFTWATCH_INVALID_SNAPSHOT` when malformed).
   *
   * @example
   * ```ts
   * const a = new EDDM().update(1).update(0).update(1);
   * console.log(EDDM.fromJSON(JSON.parse(JSON.stringify(a))).meanDistance); // 1.5
   * ```
   */
  static fromJSON(json: unknown): EDDM {
    const rec = readSnapshotHeader(json, NAME, 1);
    const d = new EDDM(snapshotOptions(rec, NAME) as EDDMOptions);
    const ints = ['n', 'lastError', 'nErrors'] as const;
    const [n, lastError, nErrors] = ints.map((f) => {
      const v = snapshotNumber(rec, NAME, f);
      if (!Number.isInteger(v) || v < 0) throw snapshotError(NAME, `${f} must be a non-negative integer`);
      return v;
    }) as [number, number, number];
    if (lastError > n || nErrors > n) throw snapshotError(NAME, 'lastError and nErrors must not exceed n');
    d._n = n;
    d._lastError = lastError;
    d._nErrors = nErrors;
    d._mean = snapshotNumber(rec, NAME, 'distanceMean');
    d._m2 = snapshotNumber(rec, NAME, 'distanceM2');
    d._p2sMax = snapshotNumber(rec, NAME, 'p2sMax');
    d._drift = snapshotBoolean(rec, NAME, 'driftDetected');
    d._warning = snapshotBoolean(rec, NAME, 'warningDetected');
    return d;
  }
}
