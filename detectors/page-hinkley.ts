/**
 * Page-Hinkley test for a change in the mean of a stream, with River 0.26.1's semantics
 * (`river.drift.PageHinkley`): a running (not faded) mean, faded cumulative deviations for an
 * increase and a decrease, and a drift when either test statistic exceeds `threshold` once at
 * least `minInstances` values were seen.
 */
import {
  assertFiniteInput,
  checkNumberOption,
  decodeNumber,
  encodeNumber,
  readSnapshotHeader,
  snapshotBoolean,
  snapshotNumber,
  type DriftDetector,
  snapshotOptions,
} from './drift-detector';
import { DriftwatchError } from './errors';

/** Which direction of change PageHinkley watches. */
export type PageHinkleyMode = 'up' | 'down' | 'both';

/** Options of {@link PageHinkley}; the defaults are River's. */
export interface PageHinkleyOptions {
  /** Values to see before a drift may be signalled (integer ≥ 1). Default 30. */
  readonly minInstances?: number;
  /** Magnitude of change tolerated per observation (≥ 0). Default 0.005. */
  readonly delta?: number;
  /** Detection threshold λ on the cumulative deviation (> 0). Default 50. */
  readonly threshold?: number;
  /** Forgetting factor of the cumulative sums, in (0, 1]. Default 1 − 1e-4. */
  readonly alpha?: number;
  /** `'up'` (increases), `'down'` (decreases) or `'both'`. Default `'both'`. */
  readonly mode?: PageHinkleyMode;
}

/** The JSON-safe snapshot of a {@link PageHinkley}. */
export interface PageHinkleySnapshot {
  readonly type: 'PageHinkley';
  readonly version: 1;
  readonly options: Required<PageHinkleyOptions>;
  readonly n: number;
  readonly mean: number;
  readonly sumIncrease: number;
  readonly sumDecrease: number;
  /** +∞ until the first update, written as the string `"Infinity"`. */
  readonly minIncrease: number | string;
  readonly maxDecrease: number;
  readonly driftDetected: boolean;
}

const NAME = 'PageHinkley';
const MODES: readonly PageHinkleyMode[] = ['up', 'down', 'both'];

function validate(options: PageHinkleyOptions): Required<PageHinkleyOptions> {
  const mode = options.mode ?? 'both';
  if (!MODES.includes(mode)) {
    throw new DriftwatchError(
      'DRIFTWATCH_INVALID_PARAMETER',
      `${NAME} option mode must be one of 'up', 'down', 'both', got ${String(mode)}`,
      { details: { detector: NAME, option: 'mode', value: String(mode), valid: MODES.join(', ') } },
    );
  }
  return {
    minInstances: checkNumberOption(NAME, 'minInstances', options.minInstances ?? 30, { min: 1, integer: true }),
    delta: checkNumberOption(NAME, 'delta', options.delta ?? 0.005, { min: 0 }),
    threshold: checkNumberOption(NAME, 'threshold', options.threshold ?? 50, { min: 0, minExclusive: true }),
    alpha: checkNumberOption(NAME, 'alpha', options.alpha ?? 1 - 0.0001, { min: 0, max: 1, minExclusive: true }),
    mode,
  };
}

/**
 * Page-Hinkley change detector (no warning zone). Numerically identical to River 0.26.1: the same
 * detection indices on every stream in the golden fixtures.
 *
 * @example
 * ```ts
 * const ph = new PageHinkley();
 * const stream = [...Array(1000).fill(0), ...Array(1000).fill(5)];
 * stream.forEach((x, i) => { if (ph.update(x).driftDetected) console.log(`drift at ${i}`); });
 * // drift at 1010
 * ```
 */
export class PageHinkley implements DriftDetector<PageHinkleySnapshot> {
  private readonly opts: Required<PageHinkleyOptions>;
  private n = 0;
  private mean = 0;
  private sumIncrease = 0;
  private sumDecrease = 0;
  private minIncrease = Number.POSITIVE_INFINITY;
  private maxDecrease = -1;
  private drift = false;

  constructor(options: PageHinkleyOptions = {}) {
    this.opts = validate(options);
  }

  /** The validated options (defaults filled in). */
  get options(): Readonly<Required<PageHinkleyOptions>> {
    return this.opts;
  }

  /** True when the last update detected a drift. */
  get driftDetected(): boolean {
    return this.drift;
  }

  /** Always false: Page-Hinkley has no warning zone. */
  get warningDetected(): boolean {
    return false;
  }

  /** Number of values since the last reset (River's `_x_mean.n`). */
  get count(): number {
    return this.n;
  }

  /** Returns to the state of a fresh detector with the same options. */
  reset(): void {
    this.n = 0;
    this.mean = 0;
    this.sumIncrease = 0;
    this.sumDecrease = 0;
    this.minIncrease = Number.POSITIVE_INFINITY;
    this.maxDecrease = -1;
    this.drift = false;
  }

  /** Feeds one value (finite number; NaN/±Infinity throw `DRIFTWATCH_INVALID_INPUT`). */
  update(x: number): this {
    assertFiniteInput(x, NAME);
    if (this.drift) this.reset();
    const o = this.opts;
    // River's stats.Mean: mean += (w / n) * (x - mean), same operation order for bit parity.
    this.n += 1;
    this.mean += (1 / this.n) * (x - this.mean);
    const dev = x - this.mean;
    this.sumIncrease = o.alpha * this.sumIncrease + dev - o.delta;
    this.sumDecrease = o.alpha * this.sumDecrease + dev + o.delta;
    if (this.sumIncrease < this.minIncrease) this.minIncrease = this.sumIncrease;
    if (this.sumDecrease > this.maxDecrease) this.maxDecrease = this.sumDecrease;
    if (this.n >= o.minInstances) {
      const up = this.sumIncrease - this.minIncrease > o.threshold;
      const down = this.maxDecrease - this.sumDecrease > o.threshold;
      this.drift = o.mode === 'up' ? up : o.mode === 'down' ? down : up || down;
    }
    return this;
  }

  /** A JSON-safe snapshot of options and state; {@link PageHinkley.fromJSON} restores it exactly. */
  toJSON(): PageHinkleySnapshot {
    return {
      type: NAME,
      version: 1,
      options: { ...this.opts },
      n: this.n,
      mean: this.mean,
      sumIncrease: this.sumIncrease,
      sumDecrease: this.sumDecrease,
      minIncrease: encodeNumber(this.minIncrease),
      maxDecrease: this.maxDecrease,
      driftDetected: this.drift,
    };
  }

  /**
   * Restores a detector from {@link PageHinkley.toJSON} (also after a JSON round trip); throws
   * `DRIFTWATCH_INVALID_SNAPSHOT` on a malformed snapshot.
   *
   * @example
   * ```ts
   * const a = new PageHinkley().update(1).update(2);
   * const b = PageHinkley.fromJSON(JSON.parse(JSON.stringify(a)));
   * console.log(b.count); // 2
   * ```
   */
  static fromJSON(json: unknown): PageHinkley {
    const rec = readSnapshotHeader(json, NAME, 1);
    const d = new PageHinkley(snapshotOptions(rec, NAME) as PageHinkleyOptions);
    d.n = snapshotNumber(rec, NAME, 'n');
    d.mean = snapshotNumber(rec, NAME, 'mean');
    d.sumIncrease = snapshotNumber(rec, NAME, 'sumIncrease');
    d.sumDecrease = snapshotNumber(rec, NAME, 'sumDecrease');
    d.minIncrease = decodeNumber(rec, NAME, 'minIncrease');
    d.maxDecrease = snapshotNumber(rec, NAME, 'maxDecrease');
    d.drift = snapshotBoolean(rec, NAME, 'driftDetected');
    return d;
  }
}
