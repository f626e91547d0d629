/**
 * Page's two-sided tabular CUSUM (Page 1954; Montgomery, "Introduction to Statistical Quality
 * Control", §9.1) on standardized values.
 *
 * River 0.26.1 has no CUSUM detector (its PageHinkley is a CUSUM variant on the raw values with a
 * running mean), so this one follows the textbook scheme and is checked against an independent
 * numpy reference in test/golden/gen_sequential_b.py:
 *
 *   z_t  = (x_t − μ0) / σ0
 *   C⁺_t = max(0, C⁺_{t−1} + z_t − k)      C⁻_t = max(0, C⁻_{t−1} − z_t − k)
 *   drift when C⁺_t > h (mode up/both) or C⁻_t > h (mode down/both)
 *
 * with the textbook defaults k = 0.5 (detects a shift of 1σ fastest) and h = 5 (in-control
 * two-sided ARL ≈ 465 for normal data). μ0 and σ0 are the `target` / `sigma` options when given,
 * else they are estimated from the first `warmUp` values of the stream (mean, sample standard
 * deviation with n − 1). A warm-up whose values are all equal (σ0 = 0) is extended until a
 * differing value arrives, because standardizing by 0 is undefined; that value then enters the
 * estimate and monitoring starts with the next one. Like River's detectors, CUSUM resets itself
 * (sums and, unless given, the estimates) at the start of the update after a drift.
 */
import {
  assertFiniteInput,
  checkNumberOption,
  readSnapshotHeader,
  snapshotBoolean,
  snapshotNumber,
  type DriftDetector,
  snapshotOptions,
} from './drift-detector';
import { DriftwatchError } from './errors';

/** Which direction of shift CUSUM watches. */
export type CusumMode = 'up' | 'down' | 'both';

/** Options of {@link CUSUM}. */
export interface CusumOptions {
  /** Reference value k, in σ units (≥ 0): half the shift to detect fastest. Default 0.5. */
  readonly k?: number;
  /** Decision interval h, in σ units (> 0). Default 5. */
  readonly h?: number;
  /** Values used to estimate μ0 and σ0 when they are not given (integer ≥ 2). Default 30. */
  readonly warmUp?: number;
  /** In-control mean μ0; when given together with `sigma` there is no warm-up. */
  readonly target?: number;
  /** In-control standard deviation σ0 (> 0); when given together with `target` there is no warm-up. */
  readonly sigma?: number;
  /** `'up'`, `'down'` or `'both'` (two-sided). Default `'both'`. */
  readonly mode?: CusumMode;
}

/** Validated options: `target`/`sigma` are `null` when they are estimated. */
export interface CusumResolvedOptions {
  readonly k: number;
  readonly h: number;
  readonly warmUp: number;
  readonly target: number | null;
  readonly sigma: number | null;
  readonly mode: CusumMode;
}

/** The JSON-safe snapshot of a {@link CUSUM}. */
export interface CusumSnapshot {
  readonly type: 'CUSUM';
  readonly version: 1;
  readonly options: CusumResolvedOptions;
  /** Values seen since the last reset. */
  readonly n: number;
  /** Welford accumulators of the warm-up (count, mean, sum of squared deviations). */
  readonly warmN: number;
  readonly warmMean: number;
  readonly warmM2: number;
  /** Whether μ0/σ0 are fixed and monitoring is on. */
  readonly monitoring: boolean;
  readonly mu0: number;
  readonly sigma0: number;
  readonly upper: number;
  readonly lower: number;
  readonly driftDetected: boolean;
}

const NAME = 'CUSUM';
const MODES: readonly CusumMode[] = ['up', 'down', 'both'];

function validate(options: CusumOptions): CusumResolvedOptions {
  const mode = options.mode ?? 'both';
  if (!MODES.includes(mode)) {
    throw new DriftwatchError(
      'DRIFTWATCH_INVALID_PARAMETER',
      `${NAME} option mode must be one of 'up', 'down', 'both', got ${String(mode)}`,
      { details: { detector: NAME, option: 'mode', value: String(mode), valid: MODES.join(', ') } },
    );
  }
  const hasTarget = options.target !== undefined && options.target !== null;
  const hasSigma = options.sigma !== undefined && options.sigma !== null;
  if (hasTarget !== hasSigma) {
    throw new DriftwatchError(
      'DRIFTWATCH_INVALID_PARAMETER',
      `${NAME} options target and sigma must be given together (or both omitted to estimate them)`,
      { details: { detector: NAME, option: hasTarget ? 'sigma' : 'target', value: 'undefined' } },
    );
  }
  return {
    k: checkNumberOption(NAME, 'k', options.k ?? 0.5, { min: 0 }),
    h: checkNumberOption(NAME, 'h', options.h ?? 5, { min: 0, minExclusive: true }),
    warmUp: checkNumberOption(NAME, 'warmUp', options.warmUp ?? 30, { min: 2, integer: true }),
    target: hasTarget ? checkNumberOption(NAME, 'target', options.target, {}) : null,
    sigma: hasSigma ? checkNumberOption(NAME, 'sigma', options.sigma, { min: 0, minExclusive: true }) : null,
    mode,
  };
}

/**
 * Two-sided tabular CUSUM on standardized values (no warning zone).
 *
 * @example
 * ```ts
 * const c = new CUSUM({ target: 0, sigma: 1 });
 * const stream = [...Array(100).fill(0), ...Array(6).fill(2)]; // a 2σ step
 * stream.forEach((x, i) => { if (c.update(x).driftDetected) console.log(`drift at ${i}`); });
 * // drift at 103
 * ```
 */
export class CUSUM implements DriftDetector<CusumSnapshot> {
  private readonly opts: CusumResolvedOptions;
  private n = 0;
  private warmN = 0;
  private warmMean = 0;
  private warmM2 = 0;
  private monitoring = false;
  private mu0 = 0;
  private sigma0 = 1;
  private upper = 0;
  private lower = 0;
  private drift = false;

  constructor(options: CusumOptions = {}) {
    this.opts = validate(options);
    this.reset();
  }

  /** The validated options (`target`/`sigma` null when estimated). */
  get options(): Readonly<CusumResolvedOptions> {
    return this.opts;
  }

  /** True when the last update detected a drift. */
  get driftDetected(): boolean {
    return this.drift;
  }

  /** Always false: the tabular CUSUM has no warning zone. */
  get warningDetected(): boolean {
    return false;
  }

  /** The upper and lower cumulative sums C⁺ and C⁻ (in σ units) after the last update. */
  get statistics(): { upper: number; lower: number } {
    return { upper: this.upper, lower: this.lower };
  }

  /** μ0 and σ0 in use, or null while the warm-up still estimates them. */
  get reference(): { mean: number; sigma: number } | null {
    return this.monitoring ? { mean: this.mu0, sigma: this.sigma0 } : null;
  }

  /** Returns to the state of a fresh detector with the same options. */
  reset(): void {
    this.n = 0;
    this.warmN = 0;
    this.warmMean = 0;
    this.warmM2 = 0;
    this.upper = 0;
    this.lower = 0;
    this.drift = false;
    if (this.opts.target !== null && this.opts.sigma !== null) {
      this.monitoring = true;
      this.mu0 = this.opts.target;
      this.sigma0 = this.opts.sigma;
    } else {
      this.monitoring = false;
      this.mu0 = 0;
      this.sigma0 = 1;
    }
  }

  /** Feeds one value (finite number; NaN/±Infinity throw `DRIFTWATCH_INVALID_INPUT`). */
  update(x: number): this {
    assertFiniteInput(x, NAME);
    if (this.drift) this.reset();
    this.n += 1;
    if (!this.monitoring) {
      // Welford's update: numerically stable and needs no buffer of the warm-up values.
      this.warmN += 1;
      const d = x - this.warmMean;
      this.warmMean += d / this.warmN;
      this.warmM2 += d * (x - this.warmMean);
      if (this.warmN >= this.opts.warmUp && this.warmM2 > 0) {
        this.mu0 = this.warmMean;
        this.sigma0 = Math.sqrt(this.warmM2 / (this.warmN - 1));
        this.monitoring = true;
      }
      return this;
    }
    const z = (x - this.mu0) / this.sigma0;
    const k = this.opts.k;
    this.upper = Math.max(0, this.upper + z - k);
    this.lower = Math.max(0, this.lower - z - k);
    const h = this.opts.h;
    const mode = this.opts.mode;
    this.drift = (mode !== 'down' && this.upper > h) || (mode !== 'up' && this.lower > h);
    return this;
  }

  /** A JSON-safe snapshot of options and state; {@link CUSUM.fromJSON} restores it exactly. */
  toJSON(): CusumSnapshot {
    return {
      type: NAME,
      version: 1,
      options: { ...this.opts },
      n: this.n,
      warmN: this.warmN,
      warmMean: this.warmMean,
      warmM2: this.warmM2,
      monitoring: this.monitoring,
      mu0: this.mu0,
      sigma0: this.sigma0,
      upper: this.upper,
      lower: this.lower,
      driftDetected: this.drift,
    };
  }

  /**
   * Restores a detector from {@link CUSUM.toJSON}; throws `DRIFTWATCH_INVALID_SNAPSHOT` on a
   * malformed snapshot.
   *
   * @example
   * ```ts
   * const a = new CUSUM().update(1).update(2);
   * console.log(CUSUM.fromJSON(JSON.parse(JSON.stringify(a))).toJSON().n); // 2
   * ```
   */
  static fromJSON(json: unknown): CUSUM {
    const rec = readSnapshotHeader(json, NAME, 1);
    const opts = snapshotOptions(rec, NAME);
    const d = new CUSUM({
      ...(opts as CusumOptions),
      target: opts.target === null ? undefined : (opts.target as number),
      sigma: opts.sigma === null ? undefined : (opts.sigma as number),
    });
    d.n = snapshotNumber(rec, NAME, 'n');
    d.warmN = snapshotNumber(rec, NAME, 'warmN');
    d.warmMean = snapshotNumber(rec, NAME, 'warmMean');
    d.warmM2 = snapshotNumber(rec, NAME, 'warmM2');
    d.monitoring = snapshotBoolean(rec, NAME, 'monitoring');
    d.mu0 = snapshotNumber(rec, NAME, 'mu0');
    d.sigma0 = snapshotNumber(rec, NAME, 'sigma0');
    d.upper = snapshotNumber(rec, NAME, 'upper');
    d.lower = snapshotNumber(rec, NAME, 'lower');
    d.drift = snapshotBoolean(rec, NAME, 'driftDetected');
    return d;
  }
}
