/**
 * KSWIN (Kolmogorov-Smirnov WINdowing; Raab, Heusinger & Schleif 2020) with River 0.26.1's
 * semantics (`river.drift.KSWIN`): a sliding window of `windowSize` values; once full, the last
 * `statSize` values are compared by a two-sample KS test (`scipy.stats.ks_2samp`, method 'auto')
 * with `statSize` values drawn without replacement from the older part of the window; a drift is
 * signalled when p ≤ alpha and D > 0.1.
 *
 * The draw uses a port of CPython's `random.Random(seed).sample` so detection indices match River
 * exactly; the generator state is part of the snapshot.
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
import { ksTest } from './ks-test';
import { PythonRandom, type PythonRandomState } from './python-random';

/** Options of {@link KSWIN}; the defaults are River's. */
export interface KswinOptions {
  /** Significance level of the KS test, in [0, 1]. Default 0.005. */
  readonly alpha?: number;
  /** Size of the sliding window (integer ≥ 2·statSize). Default 100. */
  readonly windowSize?: number;
  /** Size of the recent window and of the random reference sample (integer ≥ 1). Default 30. */
  readonly statSize?: number;
  /**
   * Seed of the CPython-compatible generator (safe integer). Omitted: a random seed per
   * (re)start, as River does with `seed=None`.
   */
  readonly seed?: number;
  /** Values that pre-fill the window at construction (cold start avoidance); the last windowSize are kept. */
  readonly windowData?: readonly number[];
}

/** Validated options. */
export interface KswinResolvedOptions {
  readonly alpha: number;
  readonly windowSize: number;
  readonly statSize: number;
  readonly seed: number | null;
  readonly windowData: readonly number[];
}

/** The JSON-safe snapshot of a {@link KSWIN}. */
export interface KswinSnapshot {
  readonly type: 'KSWIN';
  readonly version: 1;
  readonly options: KswinResolvedOptions;
  /** Updates since the last reset (River's `n`). */
  readonly n: number;
  /** p-value of the last KS test (0 before the first test, as in River). */
  readonly pValue: number;
  /** Window contents, oldest first. */
  readonly window: number[];
  readonly rng: PythonRandomState;
  readonly driftDetected: boolean;
}

const NAME = 'KSWIN';

function validate(options: KswinOptions): KswinResolvedOptions {
  const alpha = checkNumberOption(NAME, 'alpha', options.alpha ?? 0.005, { min: 0, max: 1 });
  const statSize = checkNumberOption(NAME, 'statSize', options.statSize ?? 30, { min: 1, integer: true });
  // River draws statSize values from the windowSize − statSize oldest ones without replacement,
  // so the window must hold at least twice statSize (River itself fails later, inside sample()).
  const windowSize = checkNumberOption(NAME, 'windowSize', options.windowSize ?? 100, {
    min: 2 * statSize,
    max: 0xffffffff,
    integer: true,
  });
  const seed =
    options.seed === undefined || options.seed === null
      ? null
      : checkNumberOption(NAME, 'seed', options.seed, { integer: true });
  const data = options.windowData ?? [];
  if (!Array.isArray(data) || !data.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `${NAME} option windowData must be an array of finite numbers`, {
      details: { detector: NAME, option: 'windowData', valid: 'array of finite numbers' },
    });
  }
  return { alpha, windowSize, statSize, seed, windowData: data.slice(-windowSize) };
}

/**
 * KSWIN drift detector (no warning zone), index-for-index identical to River 0.26.1 for the same
 * seed.
 *
 * @example
 * ```ts
 * const kswin = new KSWIN({ alpha: 0.0001, seed: 42 });
 * const stream = Array.from({ length: 400 }, (_, i) => (i < 200 ? i % 2 : 5 + (i % 3)));
 * stream.forEach((x, i) => { if (kswin.update(x).driftDetected) console.log(`drift at ${i}`); });
 * // drift at 216
 * ```
 */
export class KSWIN implements DriftDetector<KswinSnapshot> {
  private readonly opts: KswinResolvedOptions;
  /** Ring buffer of the window: `len` values, the oldest at `head`. */
  private readonly buf: Float64Array;
  private head = 0;
  private len = 0;
  private n = 0;
  private p = 0;
  private drift = false;
  private rng: PythonRandom;
  private readonly older: number[];
  private readonly recent: number[];

  constructor(options: KswinOptions = {}) {
    this.opts = validate(options);
    this.buf = new Float64Array(this.opts.windowSize);
    this.older = new Array<number>(this.opts.statSize).fill(0);
    this.recent = new Array<number>(this.opts.statSize).fill(0);
    this.rng = new PythonRandom(this.opts.seed ?? undefined);
    this.reset();
  }

  /** The validated options. */
  get options(): Readonly<KswinResolvedOptions> {
    return this.opts;
  }

  /** True when the last update detected a drift. */
  get driftDetected(): boolean {
    return this.drift;
  }

  /** Always false: KSWIN has no warning zone. */
  get warningDetected(): boolean {
    return false;
  }

  /** p-value of the last KS test (0 before the window first fills, as in River). */
  get pValue(): number {
    return this.p;
  }

  /** The window contents, oldest first. */
  get window(): number[] {
    const out = new Array<number>(this.len);
    for (let i = 0; i < this.len; i++) out[i] = this.at(i);
    return out;
  }

  private at(i: number): number {
    return this.buf[(this.head + i) % this.opts.windowSize] as number;
  }

  /** River's `_reset`: the automatic reset after a drift (empty window, generator reseeded). */
  private restart(): void {
    this.head = 0;
    this.len = 0;
    this.n = 0;
    this.p = 0;
    this.drift = false;
    this.rng = new PythonRandom(this.opts.seed ?? undefined);
  }

  private push(x: number): void {
    const w = this.opts.windowSize;
    if (this.len < w) {
      this.buf[(this.head + this.len) % w] = x;
      this.len += 1;
    } else {
      this.buf[this.head] = x;
      this.head = (this.head + 1) % w;
    }
  }

  /**
   * Returns to the state of a freshly constructed detector with the same options, `windowData`
   * included (unlike the automatic reset after a drift, which empties the window as River does).
   */
  reset(): void {
    this.restart();
    for (const v of this.opts.windowData) this.push(v);
  }

  /** Feeds one value (finite number; NaN/±Infinity throw `DRIFTWATCH_INVALID_INPUT`). */
  update(x: number): this {
    assertFiniteInput(x, NAME);
    if (this.drift) this.restart();
    this.n += 1;
    this.push(x);
    const { windowSize, statSize, alpha } = this.opts;
    if (this.len < windowSize) {
      this.drift = false;
      return this;
    }
    const picks = this.rng.sample(windowSize - statSize, statSize);
    for (let i = 0; i < statSize; i++) this.older[i] = this.at(picks[i] as number);
    for (let i = 0; i < statSize; i++) this.recent[i] = this.at(windowSize - statSize + i);
    const { statistic, pValue } = ksTest(this.older, this.recent, { alternative: 'two-sided', method: 'auto' });
    this.p = pValue;
    if (pValue <= alpha && statistic > 0.1) {
      this.drift = true;
      // River keeps only the recent values; the reset at the next update empties the window anyway,
      // but a snapshot taken right now must show what River holds.
      const keep = this.recent.slice();
      this.head = 0;
      this.len = 0;
      for (const v of keep) this.push(v);
    } else {
      this.drift = false;
    }
    return this;
  }

  /** A JSON-safe snapshot of options, window and generator state; restored exactly by fromJSON. */
  toJSON(): KswinSnapshot {
    return {
      type: NAME,
      version: 1,
      options: { ...this.opts, windowData: this.opts.windowData.slice() },
      n: this.n,
      pValue: this.p,
      window: this.window,
      rng: this.rng.getState(),
      driftDetected: this.drift,
    };
  }

  /**
   * Restores a detector from {@link KSWIN.toJSON}; throws `DRIFTWATCH_INVALID_SNAPSHOT` on a
   * malformed snapshot.
   *
   * @example
   * ```ts
   * const a = new KSWIN({ seed: 1 }).update(0.5);
   * console.log(KSWIN.fromJSON(JSON.parse(JSON.stringify(a))).window); // [ 0.5 ]
   * ```
   */
  static fromJSON(json: unknown): KSWIN {
    const rec = readSnapshotHeader(json, NAME, 1);
    const opts = snapshotOptions(rec, NAME);
    const d = new KSWIN({
      ...(opts as KswinOptions),
      seed: opts.seed === null ? undefined : (opts.seed as number),
    });
    const win = rec.window;
    if (
      !Array.isArray(win) ||
      win.length > d.opts.windowSize ||
      !win.every((v) => typeof v === 'number' && Number.isFinite(v))
    ) {
      throw snapshotError(NAME, `window must be an array of at most windowSize finite numbers`);
    }
    d.head = 0;
    d.len = 0;
    for (const v of win as number[]) d.push(v);
    d.n = snapshotNumber(rec, NAME, 'n');
    d.p = snapshotNumber(rec, NAME, 'pValue');
    d.drift = snapshotBoolean(rec, NAME, 'driftDetected');
    d.rng = PythonRandom.fromState(rec.rng as PythonRandomState);
    return d;
  }
}
