/**
 * Data quality (kind `data_quality`, metric `rejected_records`): the share of records rejected by
 * decoding or validation, per stream (topic-partition) and model key. Counted in each stream's
 * own record order, so it is deterministic however fetches interleave. Reference = the first
 * `reference.size` records of the (stream, key); a window = `windows.size` records; tested with
 * the two-proportion z-test at `detection.alpha` and the minimum change `detection.minRateChange`,
 * through the same incident lifecycle as the drift metrics.
 */
import type { DriftwatchConfig } from '../config/config-types';
import type { AlertManager, AlertSink } from './alert-manager';
import { testRate } from './detection-tests';
import type { TopicTable } from './event-snapshot';
import { REJECTED_RECORDS_METRIC, type MetricDef } from './metric-catalog';
import { decodeIncident, encodeIncident, type IncidentState } from './series';
import { decNum, encNum, invalidSnapshot, readArray, readInt, readString } from './snapshot-codec';

const METRIC: MetricDef = { name: REJECTED_RECORDS_METRIC, kind: 'data_quality', type: 'rate' };
/** Model keys tracked per stream; further keys share `__other__`. */
const MAX_KEYS_PER_STREAM = 100;
/** model_version of data-quality alerts: a rejected record has no trustworthy version. */
export const ANY_VERSION = '*';

interface KeyState {
  refK: number;
  refN: number;
  winK: number;
  winN: number;
  winStart: number;
  winEnd: number;
  fromOffset: number;
  toOffset: number;
  readonly incident: IncidentState;
}

interface StreamState {
  readonly topic: string;
  readonly partition: number;
  maxTs: number;
  readonly keys: Map<string, KeyState>;
}

/**
 * Per stream [topic (index into the snapshot's topic table), partition, maxTs, keys], each key
 * [key, refK, refN, winK, winN, winStart, winEnd, fromOffset, toOffset, incident].
 */
export type DataQualitySnapshot = unknown[][];

export class DataQualityMonitor {
  private readonly streams = new Map<string, StreamState>();
  private last: StreamState | null = null;

  constructor(
    private readonly config: Readonly<DriftwatchConfig>,
    private readonly alerts: AlertManager,
  ) {}

  /** Counts one record of a stream; `ts` is the event time of a valid record, else null. */
  record(topic: string, partition: number, offset: number, key: string, rejected: boolean, ts: number | null, out: AlertSink): void {
    let s = this.last;
    if (s === null || s.topic !== topic || s.partition !== partition) {
      const sk = `${topic}\u001f${partition}`;
      s = this.streams.get(sk) ?? null;
      if (s === null) {
        s = { topic, partition, maxTs: -Infinity, keys: new Map() };
        this.streams.set(sk, s);
      }
      this.last = s;
    }
    if (ts !== null && ts > s.maxTs) s.maxTs = ts;
    let k = s.keys.get(key);
    if (k === undefined) {
      if (s.keys.size >= MAX_KEYS_PER_STREAM) key = '__other__';
      k = s.keys.get(key);
      if (k === undefined) {
        k = newKeyState();
        s.keys.set(key, k);
      }
    }
    const x = rejected ? 1 : 0;
    if (k.refN < this.config.reference.size) {
      k.refN++;
      k.refK += x;
      return;
    }
    k.winN++;
    k.winK += x;
    if (ts !== null) {
      if (ts < k.winStart) k.winStart = ts;
      if (ts > k.winEnd) k.winEnd = ts;
    }
    if (offset < k.fromOffset) k.fromOffset = offset;
    if (offset > k.toOffset) k.toOffset = offset;
    if (k.winN < this.config.windows.size) return;
    this.evaluate(s, key, k, out);
  }

  toSnapshot(topics: TopicTable): DataQualitySnapshot {
    const out: DataQualitySnapshot = [];
    for (const s of this.streams.values()) {
      const keys: unknown[] = [];
      for (const [key, k] of s.keys) {
        keys.push([key, k.refK, k.refN, k.winK, k.winN, encNum(k.winStart), encNum(k.winEnd), encNum(k.fromOffset), encNum(k.toOffset), encodeIncident(k.incident)]);
      }
      out.push([topics.indexOf(s.topic), s.partition, encNum(s.maxTs), keys]);
    }
    return out;
  }

  /** Loads {@link toSnapshot} output into this (new, empty) monitor. */
  restoreSnapshot(v: unknown, path: string, topics: readonly string[]): void {
    readArray(v, path).forEach((sv, i) => {
      const p = `${path}[${i}]`;
      const a = readArray(sv, p, 4);
      const topic = topics[readInt(a[0], `${p}[0]`, 0, topics.length - 1)] as string;
      const partition = readInt(a[1], `${p}[1]`);
      const sk = `${topic}\u001f${partition}`;
      if (this.streams.has(sk)) throw invalidSnapshot(p, 'duplicate stream');
      const s: StreamState = { topic, partition, maxTs: decNum(a[2], `${p}[2]`), keys: new Map() };
      const keys = readArray(a[3], `${p}[3]`);
      if (keys.length > MAX_KEYS_PER_STREAM + 1) throw invalidSnapshot(`${p}[3]`, 'more keys than the cap');
      keys.forEach((kv, j) => {
        const kp = `${p}[3][${j}]`;
        const x = readArray(kv, kp, 10);
        const key = readString(x[0], `${kp}[0]`);
        if (s.keys.has(key)) throw invalidSnapshot(kp, 'duplicate key');
        const k = newKeyState();
        // A window only fills after a full reference, and is tested (then emptied) when full.
        k.refN = readInt(x[2], `${kp}[2]`, 0, this.config.reference.size);
        k.refK = readInt(x[1], `${kp}[1]`, 0, k.refN);
        k.winN = readInt(x[4], `${kp}[4]`, 0, k.refN < this.config.reference.size ? 0 : this.config.windows.size - 1);
        k.winK = readInt(x[3], `${kp}[3]`, 0, k.winN);
        k.winStart = decNum(x[5], `${kp}[5]`);
        k.winEnd = decNum(x[6], `${kp}[6]`);
        k.fromOffset = decNum(x[7], `${kp}[7]`);
        k.toOffset = decNum(x[8], `${kp}[8]`);
        decodeIncident(x[9], `${kp}[9]`, k.incident);
        s.keys.set(key, k);
      });
      this.streams.set(sk, s);
    });
  }

  private evaluate(s: StreamState, key: string, k: KeyState, out: AlertSink): void {
    const d = this.config.detection;
    const r = testRate(k.refK, k.refN, k.winK, k.winN, d.alpha, d.minRateChange);
    const detectedAt = Number.isFinite(s.maxTs) ? s.maxTs : 0;
    const start = Number.isFinite(k.winStart) ? k.winStart : detectedAt;
    const end = Number.isFinite(k.winEnd) ? k.winEnd : detectedAt;
    const sources = [{ topic: s.topic, partition: s.partition, from_offset: k.fromOffset, to_offset: k.toOffset }];
    this.alerts.onTested(
      k.incident,
      {
        modelId: key,
        modelVersion: ANY_VERSION,
        // The stream goes into the incident identity, the wire slice stays {} (no segment involved).
        slice: { key: `stream=${s.topic}[${s.partition}]`, value: {} },
        metric: METRIC,
        window: { start, end, count: k.winN },
        detectedAt,
        sources: () => sources,
        earlySignal: false,
      },
      r,
      out,
    );
    const fresh = newKeyState();
    k.winK = 0;
    k.winN = 0;
    k.winStart = fresh.winStart;
    k.winEnd = fresh.winEnd;
    k.fromOffset = fresh.fromOffset;
    k.toOffset = fresh.toOffset;
  }
}

function newKeyState(): KeyState {
  return {
    refK: 0,
    refN: 0,
    winK: 0,
    winN: 0,
    winStart: Infinity,
    winEnd: -Infinity,
    fromOffset: Infinity,
    toOffset: -Infinity,
    incident: { consecutiveDrifted: 0, firing: false, incidentId: null, cleanStreak: 0, cooldownLeft: 0, severity: 'warning' },
  };
}
