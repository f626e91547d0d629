/**
 * HDDM_A, the Hoeffding-bound drift detector with the A-test (average) of Frías-Blanco et al.
 * (2014), bit-for-bit compatible with River 0.26.1's `river.drift.binary.HDDM_A`. As in River the
 * test is one-sided (error increases only) unless `twoSidedTest` is set; MOA's default is two-sided.
 */
import {
  assertFiniteInput,
  checkBooleanOption,
  checkNumberOption,
  readSnapshotHeader,
  snapshotBoolean,
  snapshotError,
  snapshotNumber,
  type DriftDetector,
  snapshotOptions,
} from './drift-detector';

/** Options of {@link HDDM_A}; names and defaults are River's (camelCased). */
export interface HDDMAOptions {
  /** Confidence of the drift test, in (0, 1). Default 0.001. */
  driftConfidence?: number;
  /** Confidence of the warning test, in (0, 1). Default 0.005. */
  warningConfidence?: number;
  /** Also detect decreases of the mean. Default false (River's default). */
  twoSidedTest?: boolean;
}

/** JSON snapshot of an {@link HDDM_A}. */
export interface HDDMASnapshot {
  readonly type: 'HDDM_A';
  readonly version: 1;
  readonly options: Required<HDDMAOptions>;
  readonly driftDetected: boolean;
  readonly warningDetected: boolean;
  /** Count and mean of all values since the reset (River's `_z`). */
  readonly n: number;
  readonly mean: number;
  /** Count and mean at the cut point where mean + ε was lowest (River's `_x_min`). */
  readonly minN: number;
  readonly minMean: number;
  /** Count and mean at the cut point where mean − ε was highest (River's `_x_max`). */
  readonly maxN: number;
  readonly maxMean: number;
}

const NAME = 'HDDM_A';

/**
 * Drift detector based on Hoeffding's inequality on the running mean of a bounded stream
 * (error indicators 0/1 or values in [0, 1]; other finite values are accepted as River does, but
 * the bounds assume [0, 1]).
 *
 * @example
 * ```ts
 * const d = new HDDM_A();
 * const xs = [...Array(2000)].map((_, i) => (i < 1000 ? +(i % 5 === 0) : +(i % 5 < 3)));
 * xs.forEach((x, i) => { if (d.update(x).driftDetected) console.log(`drift at ${i}`); });
 * // drift at 1017
 * ```
 */
export class HDDM_A implements DriftDetector<HDDMASnapshot> {
  /** Confidence of the drift test. */
  readonly driftConfidence: number;
  /** Confidence of the warning test. */
  readonly warningConfidence: number;
  /** Whether decreases are detected too. */
  readonly twoSidedTest: boolean;

  // ln(1/δ_drift) and ln(2/δ): constants of every bound, computed once with River's expressions.
  private readonly lnInvDrift: number;
  private readonly lnTwoDrift: number;
  private readonly lnTwoWarning: number;

  private _n = 0;
  private _mean = 0;
  private _minN = 0;
  private _minMean = 0;
  private _maxN = 0;
  private _maxMean = 0;
  private _drift = false;
  private _warning = false;

  constructor(options: HDDMAOptions = {}) {
    const open = { min: 0, max: 1, minExclusive: true, maxExclusive: true };
    this.driftConfidence = checkNumberOption(NAME, 'driftConfidence', options.driftConfidence ?? 0.001, open);
    this.warningConfidence = checkNumberOption(NAME, 'warningConfidence', options.warningConfidence ?? 0.005, open);
    this.twoSidedTest = checkBooleanOption(NAME, 'twoSidedTest', options.twoSidedTest ?? false);
    this.lnInvDrift = Math.log(1.0 / this.driftConfidence);
    this.lnTwoDrift = Math.log(2.0 / this.driftConfidence);
    this.lnTwoWarning = Math.log(2.0 / this.warningConfidence);
  }

  /** True when the last update detected a drift. */
  get driftDetected(): boolean {
    return this._drift;
  }

  /** True when the last update is in the warning zone. */
  get warningDetected(): boolean {
    return this._warning;
  }

  /** Values seen since the last reset. */
  get n(): number {
    return this._n;
  }

  /** Running mean of the values since the last reset. */
  get mean(): number {
    return this._mean;
  }

  /** Feeds one value (1 = error, 0 = correct). */
  update(x: number): this {
    assertFiniteInput(x, NAME);
    if (this._drift) this.reset();
    const n = this._n + 1;
    this._n = n;
    const mean = this._mean + (1 / n) * (x - this._mean);
    this._mean = mean;
    if (this._minN === 0) {
      this._minN = n;
      this._minMean = mean;
    }
    if (this._maxN === 0) {
      this._maxN = n;
      this._maxMean = mean;
    }
    const epsZ = Math.sqrt((1.0 / (2 * n)) * this.lnInvDrift);
    const epsMin = Math.sqrt((1.0 / (2 * this._minN)) * this.lnInvDrift);
    if (this._minMean + epsMin >= mean + epsZ) {
      this._minN = n;
      this._minMean = mean;
    }
    const epsMax = Math.sqrt((1.0 / (2 * this._maxN)) * this.lnInvDrift);
    if (this._maxMean - epsMax <= mean - epsZ) {
      this._maxN = n;
      this._maxMean = mean;
    }
    if (this.meanIncreased(this.lnTwoDrift)) {
      this._warning = false;
      this._drift = true;
    } else if (this.meanIncreased(this.lnTwoWarning)) {
      this._warning = true;
      this._drift = false;
    } else {
      this._warning = false;
      this._drift = false;
    }
    if (this.twoSidedTest) {
      if (this.meanDecreased(this.lnTwoDrift)) this._drift = true;
      else if (this.meanDecreased(this.lnTwoWarning)) this._warning = true;
    }
    return this;
  }

  private meanIncreased(lnTwoOverConfidence: number): boolean {
    if (this._minN === this._n) return false;
    const m = ((this._n - this._minN) / this._minN) * (1.0 / this._n);
    const eps = Math.sqrt((m / 2) * lnTwoOverConfidence);
    return this._mean - this._minMean >= eps;
  }

  private meanDecreased(lnTwoOverConfidence: number): boolean {
    if (this._maxN === this._n) return false;
    const m = ((this._n - this._maxN) / this._maxN) * (1.0 / this._n);
    const eps = Math.sqrt((m / 2) * lnTwoOverConfidence);
    return this._maxMean - this._mean >= eps;
  }

  /** Back to the state of a new instance with the same options. */
  reset(): void {
    this._n = 0;
    this._mean = 0;
    this._minN = 0;
    this._minMean = 0;
    this._maxN = 0;
    this._maxMean = 0;
    this._drift = false;
    this._warning = false;
  }

  /** A JSON-safe snapshot of the whole state. */
  toJSON(): HDDMASnapshot {
    return {
      type: NAME,
      version: 1,
      options: {
        driftConfidence: this.driftConfidence,
        warningConfidence: this.warningConfidence,
        twoSidedTest: this.twoSidedTest,
      },
      driftDetected: this._drift,
      warningDetected: this._warning,
      n: this._n,
      mean: this._mean,
      minN: this._minN,
      minMean: this._minMean,
      maxN: this._maxN,
      maxMean: this._maxMean,
    };
  }

  /**
   * Restores a detector from {@link HDDM_A.toJSON} output (`DRIFTWATCH_INVALID_SNAPSHOT` when malformed).
   *
   * @example
   * ```ts
   * const a = new HDDM_A().update(1).update(0);
   * console.log(HDDM_A.fromJSON(JSON.parse(JSON.stringify(a))).mean); // 0.5
   * ```
   */
  static fromJSON(json: unknown): HDDM_A {
    const rec = readSnapshotHeader(json, NAME, 1);
    const d = new HDDM_A(snapshotOptions(rec, NAME) as HDDMAOptions);
    const count = (f: string): number => {
      const v = snapshotNumber(rec, NAME, f);
      if (!Number.isInteger(v) || v < 0) throw snapshotError(NAME, `${f} must be a non-negative integer`);
      return v;
    };
    d._n = count('n');
    d._minN = count('minN');
    d._maxN = count('maxN');
    if (d._minN > d._n || d._maxN > d._n) throw snapshotError(NAME, 'minN and maxN must not exceed n');
    d._mean = snapshotNumber(rec, NAME, 'mean');
    d._minMean = snapshotNumber(rec, NAME, 'minMean');
    d._maxMean = snapshotNumber(rec, NAME, 'maxMean');
    d._drift = snapshotBoolean(rec, NAME, 'driftDetected');
    d._warning = snapshotBoolean(rec, NAME, 'warningDetected');
    return d;
  }
}
