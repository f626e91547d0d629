/**
 * `driftwatch replay` and `driftwatch baseline` as functions: the same PartitionPipeline as the
 * live service, one per partition index, fed from an events file instead of Kafka. Records are
 * pushed per partition in chunks of file order, so a replay of the same file always gives the same
 * alerts (ids, statistics and order; only `emitted_at` is wall-clock).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { DlqEntry, DriftAlert } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import type { BaselineProfile, ProfileSeries } from '../engine/baseline-profile';
import { accumulateCounters, PartitionPipeline, type PipelineCounters, type PipelineOutput } from '../engine/partition-pipeline';
import { createRecordDecoder } from '../ingest/record-decoder';
import type { SourceRecord } from '../pipeline/records';
import { ReplayLineParser } from './replay-lines';

/** Records per push (per partition). Any size gives the same alerts; this one bounds memory. */
const CHUNK = 1000;

export interface ReplaySinks {
  alert?: (a: DriftAlert) => void;
  dlq?: (d: DlqEntry) => void;
}

export interface ReplayOptions {
  /**
   * End of input (default true): release every event still buffered behind the watermark, as the
   * CLI's replay of a file does. `false` gives exactly the alerts a live service that consumed these
   * records (and never ends) has produced: the stream has not ended, so nothing is force-released.
   */
  finish?: boolean;
  /** Wall clock for `emitted_at` only (default Date.now). */
  now?: () => number;
}

export interface ReplaySummary extends PipelineCounters {
  lines: number;
  alerts: number;
  firing: number;
  resolved: number;
  partitions: number;
}

/** Lines of a file, or any iterable of lines (tests). */
export type LineSource = string | Iterable<string> | AsyncIterable<string>;

async function* linesOf(source: LineSource): AsyncIterable<string> {
  if (typeof source !== 'string') {
    yield* source as AsyncIterable<string>;
    return;
  }
  const rl = createInterface({ input: createReadStream(source, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

async function feed(
  config: Readonly<DriftwatchConfig>,
  source: LineSource,
  makePipeline: () => PartitionPipeline,
  onOutput: (o: PipelineOutput) => void,
  onDlq: (d: DlqEntry) => void,
  finish = true,
): Promise<{ lines: number; pipelines: Map<number, PartitionPipeline> }> {
  const parser = new ReplayLineParser(config);
  const pipelines = new Map<number, PartitionPipeline>();
  const buffers = new Map<number, SourceRecord[]>();
  const pipelineOf = (p: number): PartitionPipeline => {
    let pl = pipelines.get(p);
    if (pl === undefined) {
      pl = makePipeline();
      pipelines.set(p, pl);
    }
    return pl;
  };
  let lines = 0;
  for await (const line of linesOf(source)) {
    lines++;
    const parsed = parser.parse(line, lines);
    if (parsed === null) continue;
    if (!parsed.ok) {
      onDlq(parsed.dlq);
      continue;
    }
    const p = parsed.record.partition;
    let buf = buffers.get(p);
    if (buf === undefined) {
      buf = [];
      buffers.set(p, buf);
    }
    buf.push(parsed.record);
    if (buf.length >= CHUNK) {
      onOutput(pipelineOf(p).push(buf));
      buffers.set(p, []);
    }
  }
  const order = [...new Set([...pipelines.keys(), ...buffers.keys()])].sort((a, b) => a - b);
  for (const p of order) {
    const buf = buffers.get(p);
    if (buf !== undefined && buf.length > 0) onOutput(pipelineOf(p).push(buf));
    if (finish) onOutput(pipelineOf(p).finish());
  }
  return { lines, pipelines };
}

/**
 * Replays an events file (or lines) through the pipeline; alerts and DLQ entries go to the sinks
 * in the order the pipeline emits them. The last argument may also be the `now` function alone
 * (the older signature).
 */
export async function replayEvents(
  config: Readonly<DriftwatchConfig>,
  source: LineSource,
  sinks: ReplaySinks = {},
  options: ReplayOptions | (() => number) = {},
): Promise<ReplaySummary> {
  const opts: ReplayOptions = typeof options === 'function' ? { now: options } : options;
  const now = opts.now ?? Date.now;
  const decode = createRecordDecoder(config);
  const s: ReplaySummary = { lines: 0, alerts: 0, firing: 0, resolved: 0, partitions: 0, consumed: 0, rejected: 0, late: 0, orphans: 0, limitHits: {} };
  const onDlq = (d: DlqEntry): void => sinks.dlq?.(d);
  const { lines, pipelines } = await feed(
    config,
    source,
    () => new PartitionPipeline(config, decode, { now }),
    (o) => {
      accumulateCounters(s, o.counters);
      for (const d of o.dlq) onDlq(d);
      for (const a of o.alerts) {
        s.alerts++;
        if (a.status === 'firing') s.firing++;
        else s.resolved++;
        sinks.alert?.(a);
      }
    },
    (d) => {
      s.rejected++;
      onDlq(d);
    },
    opts.finish ?? true,
  );
  s.lines = lines;
  s.partitions = pipelines.size;
  return s;
}

/**
 * Builds a baseline profile from an events file: every series keeps its first `reference.size`
 * values (counts for rates and categories), extracted exactly as the live pipeline does.
 */
export async function buildBaseline(
  config: Readonly<DriftwatchConfig>,
  source: LineSource,
  sinks: Pick<ReplaySinks, 'dlq'> = {},
): Promise<{ profile: BaselineProfile; summary: ReplaySummary }> {
  const decode = createRecordDecoder(config);
  const s: ReplaySummary = { lines: 0, alerts: 0, firing: 0, resolved: 0, partitions: 0, consumed: 0, rejected: 0, late: 0, orphans: 0, limitHits: {} };
  const { lines, pipelines } = await feed(
    config,
    source,
    () => new PartitionPipeline(config, decode, { profileOnly: true }),
    (o) => {
      accumulateCounters(s, o.counters);
      for (const d of o.dlq) sinks.dlq?.(d);
    },
    (d) => {
      s.rejected++;
      sinks.dlq?.(d);
    },
  );
  s.lines = lines;
  s.partitions = pipelines.size;
  // A model lives on one partition, so series rarely meet twice; when they do, the first
  // partition's values come first (same cap).
  const merged = new Map<string, ProfileSeries>();
  for (const p of [...pipelines.keys()].sort((a, b) => a - b)) {
    for (const ser of (pipelines.get(p) as PartitionPipeline).exportProfile()) {
      const k = JSON.stringify([ser.model_id, ser.model_version, ser.slice, ser.metric]);
      const prev = merged.get(k);
      if (prev === undefined) merged.set(k, ser);
      else if (prev.type === 'continuous' && ser.type === 'continuous') prev.values = prev.values.concat(ser.values).slice(0, config.reference.size);
      else if (prev.type === 'rate' && ser.type === 'rate') {
        prev.k += ser.k;
        prev.n += ser.n;
      } else if (prev.type === 'categorical' && ser.type === 'categorical') {
        const counts = new Map(Object.entries(prev.counts));
        for (const [c, k] of Object.entries(ser.counts)) counts.set(c, (counts.get(c) ?? 0) + k);
        prev.counts = Object.fromEntries(counts); // own keys only, even for "__proto__"
      }
    }
  }
  const profile: BaselineProfile = { format: 'driftwatch-baseline', version: 1, reference_size: config.reference.size, series: [...merged.values()] };
  return { profile, summary: s };
}
