/**
 * Per (model, version): the window clock, the series of every slice and metric, and the Kafka
 * offsets of the records that fell in each window. The clock ticks once per input of the version
 * (per output for a version that only answers shadow/canary traffic); every `windows.size` ticks the
 * window closes and all the version's series are evaluated together.
 */
import type { SourceRange } from '../alerts/alert-types';
import type { MetricDef } from './metric-catalog';
import { CategoricalSeries, ContinuousSeries, RateSeries, type Series } from './series';
import type { Slice, SliceRegistry } from './slice-registry';

/** Model windows whose source offsets are kept for series that carry values over several windows. */
const SOURCE_HISTORY = 64;

export interface ProfileLookup {
  continuous(modelId: string, version: string, sliceKey: string, metric: string): ArrayLike<number> | undefined;
  rate(modelId: string, version: string, sliceKey: string, metric: string): { k: number; n: number } | undefined;
  categorical(modelId: string, version: string, sliceKey: string, metric: string): Record<string, number> | undefined;
}

export interface SeriesSettings {
  referenceSize: number;
  trailing: boolean;
  profile: ProfileLookup | null;
}

export class ModelVersionState {
  /** Ticks (inputs) since the version was first seen. */
  clock = 0;
  /** Ticks in the open window. */
  inWindow = 0;
  /** Sequence number of the open window. */
  seq = 0;
  winStart = Infinity;
  winEnd = -Infinity;
  /** [sliceId][metricIndex] */
  readonly series: (Series | undefined)[][] = [];
  private sources = new Map<string, SourceRange>();
  private readonly history = new Map<number, Map<string, SourceRange>>();

  constructor(
    readonly modelId: string,
    readonly version: string,
    readonly slices: SliceRegistry,
    private readonly metrics: readonly MetricDef[],
    private readonly settings: SeriesSettings,
  ) {}

  /** The series of (slice, metric), created on first use. */
  get(sliceId: number, metricIndex: number): Series {
    let row = this.series[sliceId];
    if (row === undefined) {
      row = [];
      this.series[sliceId] = row;
    }
    const s = row[metricIndex];
    if (s !== undefined) return s;
    const created = this.create(this.slices.slices[sliceId] as Slice, metricIndex);
    row[metricIndex] = created;
    return created;
  }

  private create(slice: Slice, metricIndex: number): Series {
    const def = this.metrics[metricIndex] as MetricDef;
    const { referenceSize, trailing, profile } = this.settings;
    // The reference period: the version's first referenceSize inputs, or, for a series first seen
    // later (a new slice value), the referenceSize inputs after it appeared.
    const refUntil = this.clock < referenceSize ? referenceSize : this.clock + referenceSize;
    const lookupArgs = [this.modelId, this.version, slice.key, def.name] as const;
    if (def.type === 'continuous') {
      const p = profile?.continuous(...lookupArgs);
      return new ContinuousSeries(def, metricIndex, slice, p === undefined ? refUntil : -1, referenceSize, trailing, p);
    }
    if (def.type === 'rate') {
      const p = profile?.rate(...lookupArgs);
      return new RateSeries(def, metricIndex, slice, p === undefined ? refUntil : -1, referenceSize, trailing, p);
    }
    const p = profile?.categorical(...lookupArgs);
    return new CategoricalSeries(def, metricIndex, slice, p === undefined ? refUntil : -1, referenceSize, p);
  }

  /** Notes that a record of (topic, partition, offset) contributed to the open window. */
  noteSource(topic: string, partition: number, offset: number): void {
    // Few distinct topic-partitions per window: a scan beats building a string key per event.
    let r: SourceRange | undefined;
    for (const x of this.sources.values()) {
      if (x.partition === partition && x.topic === topic) {
        r = x;
        break;
      }
    }
    if (r === undefined) this.sources.set(`${topic}\u001f${partition}`, { topic, partition, from_offset: offset, to_offset: offset });
    else {
      if (offset < r.from_offset) r.from_offset = offset;
      if (offset > r.to_offset) r.to_offset = offset;
    }
  }

  /** One tick of the window clock at event time ts; true when the window is now complete. */
  tick(ts: number, windowSize: number): boolean {
    this.clock++;
    this.inWindow++;
    if (ts < this.winStart) this.winStart = ts;
    if (ts > this.winEnd) this.winEnd = ts;
    return this.inWindow >= windowSize;
  }

  /** Offsets of the records of model windows fromSeq..current (the open one included). */
  sourcesSince(fromSeq: number): SourceRange[] {
    const merged = new Map<string, SourceRange>();
    const add = (m: Map<string, SourceRange>): void => {
      for (const [k, r] of m) {
        const e = merged.get(k);
        if (e === undefined) merged.set(k, { ...r });
        else {
          e.from_offset = Math.min(e.from_offset, r.from_offset);
          e.to_offset = Math.max(e.to_offset, r.to_offset);
        }
      }
    };
    for (let s = Math.max(fromSeq, this.seq - SOURCE_HISTORY); s < this.seq; s++) {
      const h = this.history.get(s);
      if (h !== undefined) add(h);
    }
    add(this.sources);
    return [...merged.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  /** Closes the open window (after its evaluation) and opens the next one. */
  advance(): void {
    this.history.set(this.seq, this.sources);
    this.history.delete(this.seq - SOURCE_HISTORY);
    this.sources = new Map();
    this.seq++;
    this.inWindow = 0;
    this.winStart = Infinity;
    this.winEnd = -Infinity;
  }
}
