/**
 * Per (model, version): the window clock, the series of every slice and metric, and the Kafka
 * offsets of the records that fell in each window. The clock ticks once per input of the version
 * (per output for a version that only answers shadow/canary traffic); every `windows.size` ticks the
 * window closes and all the version's series are evaluated together.
 */
import type { SourceRange } from '../alerts/alert-types';
import type { TopicTable } from './event-snapshot';
import type { MetricDef } from './metric-catalog';
import { CategoricalSeries, ContinuousSeries, RateSeries, seriesFromSnapshot, type Series, type SeriesSnapshot } from './series';
import type { Slice, SliceRegistry } from './slice-registry';
import { decNum, encNum, invalidSnapshot, readArray, readInt, readObject, type SnapNumber } from './snapshot-codec';

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

/** Source ranges as [topic (index into the snapshot's topic table), partition, from, to]. */
type SourcesSnapshot = number[][];

/** The window clock, the series as [sliceId, metricIndex, state], the offsets of the open and recent windows. */
export interface ModelVersionSnapshot {
  clock: number;
  inWindow: number;
  seq: number;
  winStart: SnapNumber;
  winEnd: SnapNumber;
  /** Absent in snapshots of builds before model-registry.ts: the snapshot's event time is used. */
  lastSeen?: SnapNumber;
  series: [number, number, SeriesSnapshot][];
  sources: SourcesSnapshot;
  history: [number, SourcesSnapshot][];
}

function encodeSources(m: Map<string, SourceRange>, topics: TopicTable): SourcesSnapshot {
  const out: SourcesSnapshot = [];
  for (const r of m.values()) out.push([topics.indexOf(r.topic), r.partition, r.from_offset, r.to_offset]);
  return out;
}

function decodeSources(v: unknown, path: string, topics: readonly string[]): Map<string, SourceRange> {
  const m = new Map<string, SourceRange>();
  readArray(v, path).forEach((rv, i) => {
    const p = `${path}[${i}]`;
    const a = readArray(rv, p, 4);
    const topic = topics[readInt(a[0], `${p}[0]`, 0, topics.length - 1)] as string;
    const partition = readInt(a[1], `${p}[1]`);
    const from = readInt(a[2], `${p}[2]`);
    const to = readInt(a[3], `${p}[3]`, from);
    const key = `${topic}\u001f${partition}`;
    if (m.has(key)) throw invalidSnapshot(p, 'duplicate topic-partition');
    m.set(key, { topic, partition, from_offset: from, to_offset: to });
  });
  return m;
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
  /** Event time at which an input or output of the version was last processed (model-registry.ts). */
  lastSeen = -Infinity;
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

  toSnapshot(topics: TopicTable): ModelVersionSnapshot {
    const series: [number, number, SeriesSnapshot][] = [];
    this.series.forEach((row, sliceId) => {
      if (row === undefined) return;
      row.forEach((s, metricIndex) => {
        if (s !== undefined) series.push([sliceId, metricIndex, s.toSnapshot()]);
      });
    });
    const history: [number, SourcesSnapshot][] = [];
    for (const [seq, m] of this.history) history.push([seq, encodeSources(m, topics)]);
    return {
      clock: this.clock,
      inWindow: this.inWindow,
      seq: this.seq,
      winStart: encNum(this.winStart),
      winEnd: encNum(this.winEnd),
      lastSeen: encNum(this.lastSeen),
      series,
      sources: encodeSources(this.sources, topics),
      history,
    };
  }

  /**
   * Restores {@link toSnapshot} output; `slices` must already hold the model's restored slices.
   * `eventTime` is the snapshot's, the last-seen time of versions in snapshots that have none.
   */
  static fromSnapshot(
    v: unknown,
    path: string,
    modelId: string,
    version: string,
    slices: SliceRegistry,
    metrics: readonly MetricDef[],
    settings: SeriesSettings,
    topics: readonly string[],
    eventTime: number,
  ): ModelVersionState {
    const o = readObject(v, path);
    const mv = new ModelVersionState(modelId, version, slices, metrics, settings);
    mv.clock = readInt(o.clock, `${path}.clock`);
    mv.inWindow = readInt(o.inWindow, `${path}.inWindow`, 0, mv.clock);
    mv.seq = readInt(o.seq, `${path}.seq`);
    mv.winStart = decNum(o.winStart, `${path}.winStart`);
    mv.winEnd = decNum(o.winEnd, `${path}.winEnd`);
    mv.lastSeen = o.lastSeen === undefined ? eventTime : decNum(o.lastSeen, `${path}.lastSeen`);
    const trailing = settings.trailing;
    readArray(o.series, `${path}.series`).forEach((sv, i) => {
      const p = `${path}.series[${i}]`;
      const a = readArray(sv, p, 3);
      const sliceId = readInt(a[0], `${p}[0]`, 0, slices.slices.length - 1);
      const metricIndex = readInt(a[1], `${p}[1]`, 0, metrics.length - 1);
      let row = mv.series[sliceId];
      if (row === undefined) {
        row = [];
        mv.series[sliceId] = row;
      }
      if (row[metricIndex] !== undefined) throw invalidSnapshot(p, 'duplicate series');
      const id = { def: metrics[metricIndex] as MetricDef, metricIndex, slice: slices.slices[sliceId] as Slice, refCap: settings.referenceSize, trailing };
      row[metricIndex] = seriesFromSnapshot(a[2], `${p}[2]`, id);
    });
    mv.sources = decodeSources(o.sources, `${path}.sources`, topics);
    readArray(o.history, `${path}.history`).forEach((hv, i) => {
      const a = readArray(hv, `${path}.history[${i}]`, 2);
      const seq = readInt(a[0], `${path}.history[${i}][0]`);
      if (mv.history.has(seq)) throw invalidSnapshot(`${path}.history[${i}]`, 'duplicate window');
      mv.history.set(seq, decodeSources(a[1], `${path}.history[${i}][1]`, topics));
    });
    return mv;
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
