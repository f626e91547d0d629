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
import type { SampleSummary } from '../alerts/alert-types';
import { summariseSorted } from './detection-tests';
import type { MetricDef } from './metric-catalog';
import { SampleBuffer, TrailingSample } from './sample-buffer';
import type { Slice } from './slice-registry';
import {
  decBytes,
  decCounts,
  decF64,
  decNum,
  encBytes,
  encCounts,
  encF64,
  encNum,
  guarded,
  invalidSnapshot,
  readArray,
  readBoolean,
  readInt,
  readNullableString,
  readObject,
  type Rec,
  type SnapNumber,
} from './snapshot-codec';

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

/** An incident state; the common "nothing happened" state is written as 0. */
export type IncidentSnapshot = 0 | [number, boolean, string | null, number, number, 'warning' | 'critical'];

export function encodeIncident(i: IncidentState): IncidentSnapshot {
  if (!i.firing && i.consecutiveDrifted === 0 && i.cleanStreak === 0 && i.cooldownLeft === 0 && i.incidentId === null && i.severity === 'warning') return 0;
  return [i.consecutiveDrifted, i.firing, i.incidentId, i.cleanStreak, i.cooldownLeft, i.severity];
}

/** Loads an {@link encodeIncident} value into `into`. */
export function decodeIncident(v: unknown, path: string, into: IncidentState): void {
  if (v === 0) return;
  const a = readArray(v, path, 6);
  into.consecutiveDrifted = readInt(a[0], `${path}[0]`);
  into.firing = readBoolean(a[1], `${path}[1]`);
  into.incidentId = readNullableString(a[2], `${path}[2]`);
  into.cleanStreak = readInt(a[3], `${path}[3]`);
  into.cooldownLeft = readInt(a[4], `${path}[4]`);
  if (a[5] !== 'warning' && a[5] !== 'critical') throw invalidSnapshot(`${path}[5]`, 'not a severity');
  into.severity = a[5];
  if (into.firing !== (into.incidentId !== null)) throw invalidSnapshot(path, 'a firing incident needs an id (and only it)');
}

/** The state common to every series type (see {@link SeriesBase}). */
interface SeriesBaseSnapshot {
  refUntil: number;
  winStartTs: SnapNumber;
  winEndTs: SnapNumber;
  winFirstSeq: number;
  earlySignal: boolean;
  incident: IncidentSnapshot;
}

/** A continuous series: reference and window values as base64 doubles, `next` of a trailing ring. */
export interface ContinuousSeriesSnapshot extends SeriesBaseSnapshot {
  ref: string | number[];
  refNext?: number;
  win: string | number[];
}

/** A rate series: counts, the trailing ring as bits, the sequential detector (whole model only). */
export interface RateSeriesSnapshot extends SeriesBaseSnapshot {
  refK: number;
  refN: number;
  ring?: string;
  ringNext?: number;
  winK: number;
  winN: number;
  sequential: unknown;
}

/** A categorical series: counts as flat [category, count, …] lists in insertion order. */
export interface CategoricalSeriesSnapshot extends SeriesBaseSnapshot {
  ref: (string | number)[];
  refTotal: number;
  trailing: [(string | number)[], number][];
  win: (string | number)[];
  winTotal: number;
}

export type SeriesSnapshot = ContinuousSeriesSnapshot | RateSeriesSnapshot | CategoricalSeriesSnapshot;

/** What a series is, besides its state: restored from the config and the registries, not the snapshot. */
export interface SeriesIdentity {
  def: MetricDef;
  metricIndex: number;
  slice: Slice;
  refCap: number;
  trailing: boolean;
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

  protected baseSnapshot(): SeriesBaseSnapshot {
    return {
      refUntil: this.refUntil,
      winStartTs: encNum(this.winStartTs),
      winEndTs: encNum(this.winEndTs),
      winFirstSeq: this.winFirstSeq,
      earlySignal: this.earlySignal,
      incident: encodeIncident(this.incident),
    };
  }

  protected restoreBase(o: Rec, path: string): void {
    this.refUntil = readInt(o.refUntil, `${path}.refUntil`, -1);
    this.winStartTs = decNum(o.winStartTs, `${path}.winStartTs`);
    this.winEndTs = decNum(o.winEndTs, `${path}.winEndTs`);
    this.winFirstSeq = readInt(o.winFirstSeq, `${path}.winFirstSeq`, -1);
    this.earlySignal = readBoolean(o.earlySignal, `${path}.earlySignal`);
    decodeIncident(o.incident, `${path}.incident`, this.incident);
  }

  abstract toSnapshot(): SeriesSnapshot;

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
  /** summariseSorted(refSortedView), kept with it: a fixed reference is not re-summed every window. */
  private refSummaryCache: SampleSummary | null = null;
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
        this.refSummaryCache = null;
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

  /**
   * The reference's count, mean and p50 (a copy: it goes into alerts), or undefined for a trailing
   * reference (it changes every window; the test summarises its sorted copy itself).
   */
  refSummary(): SampleSummary | undefined {
    if (this.ref instanceof TrailingSample) return undefined;
    if (this.refSummaryCache === null) this.refSummaryCache = summariseSorted(this.refSorted());
    return { ...this.refSummaryCache };
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

  toSnapshot(): ContinuousSeriesSnapshot {
    const snap: ContinuousSeriesSnapshot = { ...this.baseSnapshot(), ref: encF64(this.ref.values, this.ref.length), win: encF64(this.win.values, this.win.length) };
    if (this.ref instanceof TrailingSample) snap.refNext = this.ref.nextIndex;
    return snap;
  }

  static fromSnapshot(v: unknown, path: string, id: SeriesIdentity): ContinuousSeries {
    const o = readObject(v, path);
    const s = new ContinuousSeries(id.def, id.metricIndex, id.slice, 0, id.refCap, id.trailing);
    s.restoreBase(o, path);
    const [ref, refN] = decF64(o.ref, `${path}.ref`, Math.min(16, id.refCap));
    if (refN > id.refCap) throw invalidSnapshot(`${path}.ref`, 'more values than reference.size');
    if (id.trailing) {
      const next = readInt(o.refNext, `${path}.refNext`, 0, id.refCap - 1);
      if (refN < id.refCap && next !== refN) throw invalidSnapshot(`${path}.refNext`, 'inconsistent with the values');
      s.ref = TrailingSample.restore(id.refCap, ref, refN, next);
    } else {
      s.ref = SampleBuffer.restore(ref, refN, id.refCap);
    }
    const [win, winN] = decF64(o.win, `${path}.win`, 16);
    (s as { win: SampleBuffer }).win = SampleBuffer.restore(win, winN);
    return s;
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

  toSnapshot(): RateSeriesSnapshot {
    const snap: RateSeriesSnapshot = {
      ...this.baseSnapshot(),
      refK: this.refK,
      refN: this.refN,
      winK: this.winK,
      winN: this.winN,
      sequential: this.sequential === null ? null : this.sequential.toJSON(),
    };
    if (this.ring !== null) {
      const bits = new Uint8Array((this.ring.length + 7) >> 3);
      for (let i = 0; i < this.ring.length; i++) if (this.ring[i] !== 0) bits[i >> 3]! |= 1 << (i & 7);
      snap.ring = encBytes(bits);
      snap.ringNext = this.ringNext;
    }
    return snap;
  }

  static fromSnapshot(v: unknown, path: string, id: SeriesIdentity): RateSeries {
    const o = readObject(v, path);
    const s = new RateSeries(id.def, id.metricIndex, id.slice, 0, id.refCap, id.trailing);
    s.restoreBase(o, path);
    s.refN = readInt(o.refN, `${path}.refN`);
    s.refK = readInt(o.refK, `${path}.refK`, 0, s.refN);
    s.winN = readInt(o.winN, `${path}.winN`);
    s.winK = readInt(o.winK, `${path}.winK`, 0, s.winN);
    if (s.ring !== null) {
      const bits = decBytes(o.ring, `${path}.ring`);
      if (bits.length !== (s.ring.length + 7) >> 3) throw invalidSnapshot(`${path}.ring`, 'not reference.size bits');
      for (let i = 0; i < s.ring.length; i++) s.ring[i] = ((bits[i >> 3] as number) >> (i & 7)) & 1;
      s.ringNext = readInt(o.ringNext, `${path}.ringNext`, 0, s.ring.length - 1);
    }
    if (s.sequential === null) {
      if (o.sequential !== null) throw invalidSnapshot(`${path}.sequential`, 'only whole-model rates have one');
    } else {
      (s as { sequential: HDDM_A | null }).sequential = guarded(`${path}.sequential`, () => HDDM_A.fromJSON(o.sequential));
    }
    return s;
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

  toSnapshot(): CategoricalSeriesSnapshot {
    return {
      ...this.baseSnapshot(),
      ref: encCounts(this.ref),
      refTotal: this.refTotal,
      trailing: this.trailingWindows.map((w) => [encCounts(w.counts), w.total]),
      win: encCounts(this.win),
      winTotal: this.winTotal,
    };
  }

  static fromSnapshot(v: unknown, path: string, id: SeriesIdentity): CategoricalSeries {
    const o = readObject(v, path);
    const s = new CategoricalSeries(id.def, id.metricIndex, id.slice, 0, id.refCap);
    s.restoreBase(o, path);
    s.ref = decCounts(o.ref, `${path}.ref`);
    s.refTotal = readInt(o.refTotal, `${path}.refTotal`);
    s.win = decCounts(o.win, `${path}.win`);
    s.winTotal = readInt(o.winTotal, `${path}.winTotal`);
    if (s.ref.size > MAX_CATEGORIES + 1 || s.win.size > MAX_CATEGORIES + 1) throw invalidSnapshot(path, 'more categories than the cap');
    readArray(o.trailing, `${path}.trailing`).forEach((w, i) => {
      const a = readArray(w, `${path}.trailing[${i}]`, 2);
      s.trailingWindows.push({ counts: decCounts(a[0], `${path}.trailing[${i}][0]`), total: readInt(a[1], `${path}.trailing[${i}][1]`) });
    });
    return s;
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

/** Restores a series of the type its metric defines. */
export function seriesFromSnapshot(v: unknown, path: string, id: SeriesIdentity): Series {
  if (id.def.type === 'continuous') return ContinuousSeries.fromSnapshot(v, path, id);
  if (id.def.type === 'rate') return RateSeries.fromSnapshot(v, path, id);
  return CategoricalSeries.fromSnapshot(v, path, id);
}
