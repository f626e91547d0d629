/**
 * One series = (model, version, slice, metric): its reference and its current window, stored
 * exactly (bounded: a reference holds at most `reference.size` values, a window at most a few
 * model windows' worth), plus the per-series state the detection and alert logic keep.
 *
 * Reference period: values go to the reference while the model version's input clock is below
 * `refUntil` (the first `reference.size` inputs of the version, or, for a series first seen later,
 * the `reference.size` inputs after it appeared); afterwards they go to the window. A profile
 * reference is loaded up front and has no reference period.
 */
import { HDDM_A } from '../../detectors/hddm-a';
import { OTHER_CATEGORY } from '../../detectors/frequency-table';
import type { MetricDef } from './metric-catalog';
import { SampleBuffer, TrailingSample } from './sample-buffer';
import type { Slice } from './slice-registry';

/** Named categories per categorical series before further ones count as `__other__`. */
export const MAX_CATEGORIES = 64;

/** State the alert manager keeps per series (one incident at a time). */
export interface IncidentState {
  consecutiveDrifted: number;
  firing: boolean;
  incidentId: string | null;
  cleanStreak: number;
  cooldownLeft: number;
  /** Severity the incident fired with (a resolve keeps it). */
  severity: 'warning' | 'critical';
}

abstract class SeriesBase {
  /** Input clock of the version below which values go to the reference. */
  refUntil: number;
  winStartTs = Infinity;
  winEndTs = -Infinity;
  /** Sequence number of the model window in which the current window's first value fell. */
  winFirstSeq = -1;
  /** Set by the sequential detector (whole-model rates): a window test confirming it fires at once. */
  earlySignal = false;
  readonly incident: IncidentState = { consecutiveDrifted: 0, firing: false, incidentId: null, cleanStreak: 0, cooldownLeft: 0, severity: 'warning' };

  constructor(
    readonly def: MetricDef,
    readonly metricIndex: number,
    readonly slice: Slice,
    refUntil: number,
    protected readonly refCap: number,
  ) {
    this.refUntil = refUntil;
  }

  protected touchWindow(ts: number, seq: number): void {
    if (ts < this.winStartTs) this.winStartTs = ts;
    if (ts > this.winEndTs) this.winEndTs = ts;
    if (this.winFirstSeq < 0) this.winFirstSeq = seq;
  }

  protected resetWindowRange(): void {
    this.winStartTs = Infinity;
    this.winEndTs = -Infinity;
    this.winFirstSeq = -1;
  }

  abstract get refCount(): number;
  abstract get winCount(): number;
  /** Ends the current window after a test: trailing references absorb it, then it is cleared. */
  abstract closeWindow(trailing: boolean): void;
}

export class ContinuousSeries extends SeriesBase {
  readonly type = 'continuous' as const;
  private ref: SampleBuffer | TrailingSample;
  /**
   * first-n / profile: the reference is sorted in place once (its order does not matter), so the
   * sorted view costs no second copy; trailing: null (a ring keeps its order; sorted per test).
   */
  private refSortedView: Float64Array | null = null;
  readonly win = new SampleBuffer(16);

  constructor(def: MetricDef, metricIndex: number, slice: Slice, refUntil: number, refCap: number, trailing: boolean, profile?: ArrayLike<number>) {
    super(def, metricIndex, slice, refUntil, refCap);
    this.ref = trailing ? new TrailingSample(refCap) : new SampleBuffer(16, refCap);
    if (profile !== undefined) for (let i = 0; i < profile.length && i < refCap; i++) this.ref.push(profile[i] as number);
  }

  get refCount(): number {
    return this.ref.length;
  }

  get winCount(): number {
    return this.win.length;
  }

  add(x: number, ts: number, clock: number, seq: number): void {
    if (clock < this.refUntil) {
      if (this.ref.length < this.refCap) {
        this.ref.push(x);
        this.refSortedView = null;
      }
      return;
    }
    this.win.push(x);
    this.touchWindow(ts, seq);
  }

  refSorted(): Float64Array {
    if (this.ref instanceof TrailingSample) return this.ref.sortedCopy();
    if (this.refSortedView === null) this.refSortedView = this.ref.sortInPlace();
    return this.refSortedView;
  }

  closeWindow(trailing: boolean): void {
    if (trailing) {
      const v = this.win.values;
      for (let i = 0; i < this.win.length; i++) this.ref.push(v[i] as number);
    }
    this.win.clear();
    this.resetWindowRange();
  }

  /** The reference values (for `driftwatch baseline`). */
  referenceValues(): number[] {
    return Array.from(this.ref.values.subarray(0, this.ref.length));
  }
}

export class RateSeries extends SeriesBase {
  readonly type = 'rate' as const;
  private refK = 0;
  private refN = 0;
  /** Trailing mode: the last refCap 0/1 values. */
  private readonly ring: Uint8Array | null;
  private ringNext = 0;
  winK = 0;
  winN = 0;
  /** Whole-model series only: the sequential early signal on the 0/1 stream (HDDM_A, one-sided). */
  readonly sequential: HDDM_A | null;

  constructor(def: MetricDef, metricIndex: number, slice: Slice, refUntil: number, refCap: number, trailing: boolean, profile?: { k: number; n: number }) {
    super(def, metricIndex, slice, refUntil, refCap);
    this.ring = trailing ? new Uint8Array(refCap) : null;
    if (profile !== undefined) {
      this.refK = profile.k;
      this.refN = profile.n;
    }
    this.sequential = slice.id === 0 ? new HDDM_A() : null;
  }

  get refCount(): number {
    return this.refN;
  }

  get refSuccesses(): number {
    return this.refK;
  }

  get winCount(): number {
    return this.winN;
  }

  add(x: 0 | 1, ts: number, clock: number, seq: number): void {
    if (clock < this.refUntil) {
      if (this.refN < this.refCap) this.pushRef(x);
      return;
    }
    this.winN++;
    this.winK += x;
    this.touchWindow(ts, seq);
    if (this.sequential !== null && this.sequential.update(x).driftDetected) this.earlySignal = true;
  }

  private pushRef(x: 0 | 1): void {
    if (this.ring === null) {
      this.refN++;
      this.refK += x;
      return;
    }
    if (this.refN === this.refCap) this.refK -= this.ring[this.ringNext] as number;
    else this.refN++;
    this.ring[this.ringNext] = x;
    this.refK += x;
    this.ringNext = (this.ringNext + 1) % this.refCap;
  }

  closeWindow(trailing: boolean): void {
    if (trailing) {
      // Only counts survive in the window: absorb them as a block of ones then zeros (order does
      // not matter for a rate; only how many of each leave the ring later, which is approximate).
      for (let i = 0; i < this.winK; i++) this.pushRef(1);
      for (let i = this.winK; i < this.winN; i++) this.pushRef(0);
    }
    this.winK = 0;
    this.winN = 0;
    this.resetWindowRange();
  }
}

function bump(counts: Map<string, number>, c: string): void {
  const n = counts.get(c);
  if (n !== undefined) counts.set(c, n + 1);
  else if (counts.size < MAX_CATEGORIES) counts.set(c, 1);
  else counts.set(OTHER_CATEGORY, (counts.get(OTHER_CATEGORY) ?? 0) + 1);
}

export class CategoricalSeries extends SeriesBase {
  readonly type = 'categorical' as const;
  ref = new Map<string, number>();
  refTotal = 0;
  /** Trailing mode: the absorbed windows, oldest first, kept while their total exceeds refCap. */
  private readonly trailingWindows: { counts: Map<string, number>; total: number }[] = [];
  win = new Map<string, number>();
  winTotal = 0;

  constructor(def: MetricDef, metricIndex: number, slice: Slice, refUntil: number, refCap: number, profile?: Record<string, number>) {
    super(def, metricIndex, slice, refUntil, refCap);
    if (profile !== undefined) {
      for (const c of Object.keys(profile)) {
        const n = profile[c] ?? 0;
        if (n > 0) {
          this.ref.set(c, n);
          this.refTotal += n;
        }
      }
    }
  }

  get refCount(): number {
    return this.refTotal;
  }

  get winCount(): number {
    return this.winTotal;
  }

  add(c: string, ts: number, clock: number, seq: number): void {
    if (clock < this.refUntil) {
      if (this.refTotal < this.refCap) {
        bump(this.ref, c);
        this.refTotal++;
      }
      return;
    }
    bump(this.win, c);
    this.winTotal++;
    this.touchWindow(ts, seq);
  }

  closeWindow(trailing: boolean): void {
    if (trailing) {
      if (this.trailingWindows.length === 0 && this.refTotal > 0) this.trailingWindows.push({ counts: this.ref, total: this.refTotal });
      this.trailingWindows.push({ counts: this.win, total: this.winTotal });
      let total = 0;
      for (const w of this.trailingWindows) total += w.total;
      while (this.trailingWindows.length > 1 && total - (this.trailingWindows[0] as { total: number }).total >= this.refCap) {
        total -= (this.trailingWindows.shift() as { total: number }).total;
      }
      const merged = new Map<string, number>();
      for (const w of this.trailingWindows) for (const [c, n] of w.counts) merged.set(c, (merged.get(c) ?? 0) + n);
      this.ref = merged;
      this.refTotal = total;
      this.win = new Map();
    } else {
      this.win.clear();
    }
    this.winTotal = 0;
    this.resetWindowRange();
  }
}

export type Series = ContinuousSeries | RateSeries | CategoricalSeries;
