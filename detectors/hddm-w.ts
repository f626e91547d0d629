/**
 * HDDM_W, the McDiarmid-bound drift detector with the W-test (exponentially weighted moving
 * averages) of Frías-Blanco et al. (2014), bit-for-bit compatible with River 0.26.1's
 * `river.drift.binary.HDDM_W` (one-sided by default, as in River).
 *
 * Note on the EWMA: River 0.26.1's `stats.EWMean` (Rust) starts from the first value it sees and
 * keeps an explicit "initialised" flag, so a mean that happens to be exactly 0 is still updated as
 * α·x + (1−α)·mean. (Older River versions treated a mean of 0 as uninitialised; the golden fixtures
 * pin 0.26.1's behaviour.)
 */
import {
  assertFiniteInput,
  checkBooleanOption,
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

/** Options of {@link HDDM_W}; names and defaults are River's (camelCased). */
export interface HDDMWOptions {
  /** Confidence of the drift test, in (0, 1). Default 0.001. */
  driftConfidence?: number;
  /** Confidence of the warning test, in (0, 1). Default 0.005. */
  warningConfidence?: number;
  /** EWMA weight of the newest value, in (0, 1]. Default 0.05. */
  lambdaVal?: number;
  /** Also detect decreases of the mean. Default false (River's default). */
  twoSidedTest?: boolean;
}

/** One EWMA sample summary in a snapshot (River's `SampleInfo`). */
export interface HDDMWSample {
  readonly ewma: number;
  readonly init: boolean;
  /** Independent bounded-condition sum Σ weights², the variance factor of McDiarmid's bound. */
  readonly ibc: number;
}

/** JSON snapshot of an {@link HDDM_W}. */
export interface HDDMWSnapshot {
  readonly type: 'HDDM_W';
  readonly version: 1;
  readonly options: Required<HDDMWOptions>;
  readonly driftDetected: boolean;
  readonly warningDetected: boolean;
  readonly total: HDDMWSample;
  readonly s1Incr: HDDMWSample;
  readonly s2Incr: HDDMWSample;
  readonly s1Decr: HDDMWSample;
  readonly s2Decr: HDDMWSample;
  readonly incrCutpoint: number | string;
  readonly decrCutpoint: number | string;
}

const NAME = 'HDDM_W';

// Slots of the five sample summaries in the typed arrays.
const TOTAL = 0;
const S1_INCR = 1;
const S2_INCR = 2;
const S1_DECR = 3;
const S2_DECR = 4;
const SAMPLE_NAMES = ['total', 's1Incr', 's2Incr', 's1Decr', 's2Decr'] as const;

/**
 * Drift detector on exponentially weighted means of a bounded stream (error indicators 0/1 or
 * values in [0, 1]; other finite values are accepted as River does).
 *
 * @example
 * ```ts
 * const d = new HDDM_W();
 * const xs = [...Array(2000)].map((_, i) => (i < 1000 ? +(i % 5 === 0) : +(i % 5 < 3)));
 * xs.forEach((x, i) => { if (d.update(x).driftDetected) console.log(`drift at ${i}`); });
 * // drift at 1052
 * ```
 */
export class HDDM_W implements DriftDetector<HDDMWSnapshot> {
  /** Confidence of the drift test. */
  readonly driftConfidence: number;
  /** Confidence of the warning test. */
  readonly warningConfidence: number;
  /** EWMA weight λ. */
  readonly lambdaVal: number;
  /** Whether decreases are detected too. */
  readonly twoSidedTest: boolean;

  private readonly oneMinusLambda: number;
  private readonly lambdaSq: number;
  private readonly oneMinusLambdaSq: number;
  // ln(1/δ) of River's McDiarmid bound, computed once.
  private readonly lnInvDrift: number;
  private readonly lnInvWarning: number;

  private readonly ewma = new Float64Array(5);
  private readonly ibc = new Float64Array(5).fill(1);
  private readonly init = new Uint8Array(5);
  private incrCutpoint = Number.POSITIVE_INFINITY;
  private decrCutpoint = Number.NEGATIVE_INFINITY;
  private _drift = false;
  private _warning = false;

  constructor(options: HDDMWOptions = {}) {
    const open = { min: 0, max: 1, minExclusive: true, maxExclusive: true };
    this.driftConfidence = checkNumberOption(NAME, 'driftConfidence', options.driftConfidence ?? 0.001, open);
    this.warningConfidence = checkNumberOption(NAME, 'warningConfidence', options.warningConfidence ?? 0.005, open);
    this.lambdaVal = checkNumberOption(NAME, 'lambdaVal', options.lambdaVal ?? 0.05, {
      min: 0,
      max: 1,
      minExclusive: true,
    });
    this.twoSidedTest = checkBooleanOption(NAME, 'twoSidedTest', options.twoSidedTest ?? false);
    this.oneMinusLambda = 1 - this.lambdaVal;
    this.lambdaSq = this.lambdaVal * this.lambdaVal;
    this.oneMinusLambdaSq = (1 - this.lambdaVal) * (1 - this.lambdaVal);
    this.lnInvDrift = Math.log(1 / this.driftConfidence);
    this.lnInvWarning = Math.log(1 / this.warningConfidence);
  }

  /** True when the last update detected a drift. */
  get driftDetected(): boolean {
    return this._drift;
  }

  /** True when the last update is in the warning zone. */
  get warningDetected(): boolean {
    return this._warning;
  }

  /** Exponentially weighted mean of all values since the last reset. */
  get estimation(): number {
    return this.ewma[TOTAL] as number;
  }

  private updateSample(i: number, x: number): void {
    if (this.init[i] === 0) {
      this.ewma[i] = x;
      this.init[i] = 1;
    } else {
      this.ewma[i] = this.lambdaVal * x + this.oneMinusLambda * (this.ewma[i] as number);
    }
    this.ibc[i] = this.lambdaSq + this.oneMinusLambdaSq * (this.ibc[i] as number);
  }

  private copySample(from: number, to: number): void {
    this.ewma[to] = this.ewma[from] as number;
    this.ibc[to] = this.ibc[from] as number;
    this.init[to] = this.init[from] as number;
  }

  private clearSample(i: number): void {
    this.ewma[i] = 0;
    this.ibc[i] = 1;
    this.init[i] = 0;
  }

  /** River's `_has_mean_changed(sample1, sample2)`: ewma2 − ewma1 beyond McDiarmid's bound. */
  private changed(s1: number, s2: number, lnInvConfidence: number): boolean {
    if (this.init[s1] === 0 || this.init[s2] === 0) return false;
    const ibcSum = (this.ibc[s1] as number) + (this.ibc[s2] as number);
    const bound = Math.sqrt((ibcSum * lnInvConfidence) / 2);
    return (this.ewma[s2] as number) - (this.ewma[s1] as number) > bound;
  }

  /** Feeds one value (1 = error, 0 = correct). */
  update(x: number): this {
    assertFiniteInput(x, NAME);
    if (this._drift) this.reset();
    this.updateSample(TOTAL, x);

    let eps = Math.sqrt(((this.ibc[TOTAL] as number) * this.lnInvDrift) / 2);
    const mean = this.ewma[TOTAL] as number;
    if (mean + eps < this.incrCutpoint) {
      this.incrCutpoint = mean + eps;
      this.copySample(TOTAL, S1_INCR);
      this.clearSample(S2_INCR);
    } else {
      this.updateSample(S2_INCR, x);
    }
    if (this.changed(S1_INCR, S2_INCR, this.lnInvDrift)) {
      this._warning = false;
      this._drift = true;
    } else if (this.changed(S1_INCR, S2_INCR, this.lnInvWarning)) {
      this._warning = true;
      this._drift = false;
    } else {
      this._warning = false;
      this._drift = false;
    }

    eps = Math.sqrt(((this.ibc[TOTAL] as number) * this.lnInvDrift) / 2);
    if (mean - eps > this.decrCutpoint) {
      this.decrCutpoint = mean - eps;
      this.copySample(TOTAL, S1_DECR);
      this.clearSample(S2_DECR);
    } else {
      this.updateSample(S2_DECR, x);
    }
    if (this.twoSidedTest) {
      if (this.changed(S2_DECR, S1_DECR, this.lnInvDrift)) this._drift = true;
      else if (this.changed(S2_DECR, S1_DECR, this.lnInvWarning)) this._warning = true;
    }
    return this;
  }

  /** Back to the state of a new instance with the same options. */
  reset(): void {
    for (let i = 0; i < 5; i++) this.clearSample(i);
    this.incrCutpoint = Number.POSITIVE_INFINITY;
    this.decrCutpoint = Number.NEGATIVE_INFINITY;
    this._drift = false;
    this._warning = false;
  }

  private sample(i: number): HDDMWSample {
    return { ewma: this.ewma[i] as number, init: this.init[i] === 1, ibc: this.ibc[i] as number };
  }

  /** A JSON-safe snapshot of the whole state. */
  toJSON(): HDDMWSnapshot {
    return {
      type: NAME,
      version: 1,
      options: {
        driftConfidence: this.driftConfidence,
        warningConfidence: this.warningConfidence,
        lambdaVal: this.lambdaVal,
        twoSidedTest: this.twoSidedTest,
      },
      driftDetected: this._drift,
      warningDetected: this._warning,
      total: this.sample(TOTAL),
      s1Incr: this.sample(S1_INCR),
      s2Incr: this.sample(S2_INCR),
      s1Decr: this.sample(S1_DECR),
      s2Decr: this.sample(S2_DECR),
      incrCutpoint: encodeNumber(this.incrCutpoint),
      decrCutpoint: encodeNumber(this.decrCutpoint),
    };
  }

  /**
   * Restores a detector from {@link HDDM_W.toJSON} output (`DRIFTWATCH_INVALID_SNAPSHOT` when malformed).
   *
   * @example
   * ```ts
   * const a = new HDDM_W().update(1).update(0);
   * console.log(HDDM_W.fromJSON(JSON.parse(JSON.stringify(a))).estimation); // 0.95
   * ```
   */
  static fromJSON(json: unknown): HDDM_W {
    const rec = readSnapshotHeader(json, NAME, 1);
    const d = new HDDM_W(snapshotOptions(rec, NAME) as HDDMWOptions);
    SAMPLE_NAMES.forEach((field, i) => {
      const s = rec[field];
      if (typeof s !== 'object' || s === null) throw snapshotError(NAME, `field ${field} must be an object`);
      const sr = s as Record<string, unknown>;
      d.ewma[i] = snapshotNumber(sr, NAME, 'ewma');
      d.ibc[i] = snapshotNumber(sr, NAME, 'ibc');
      d.init[i] = snapshotBoolean(sr, NAME, 'init') ? 1 : 0;
    });
    d.incrCutpoint = decodeNumber(rec, NAME, 'incrCutpoint');
    d.decrCutpoint = decodeNumber(rec, NAME, 'decrCutpoint');
    d._drift = snapshotBoolean(rec, NAME, 'driftDetected');
    d._warning = snapshotBoolean(rec, NAME, 'warningDetected');
    return d;
  }
}
