/**
 * Runs simulated traffic through the live service on the harness's broker: the records are
 * produced first (partition = the simulator's stable key hash, so a model lands on the same
 * partition of the three topics), then a service consumes them; the run ends when the group's
 * committed offsets reach the end of every source partition, and the service is stopped
 * gracefully (which checkpoints; it does not finish the pipelines: compare with a replay run with
 * `finish: false`). Returns the alerts read back from the alert topic (read_committed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DriftAlert } from '../../src/alerts/alert-types';
import type { DriftwatchConfig } from '../../src/config/config-types';
import type { DeepPartial } from '../../src/config/load-config';
import { encodeEvent, type EventFormat } from '../../src/ingest/event-encoder';
import type { ServiceHandle, StartServiceOptions } from '../../src/service/driftwatch-service';
import { replayEvents, type ReplaySummary } from '../../src/replay/run-replay';
import { startService } from '../../src/service/driftwatch-service';
import { keyHash } from '../../src/simulate/sim-source-records';
import { SIM_FEATURES, type SimRecord } from '../../src/simulate/speech-traffic';
import { waitFor } from '../harness/env';
import { alertsOf, createSourceTopics, produceAll, readTopic, testLogger, testServiceConfig, uniqueTopics, type ProducedRecord, type ReadMessage, type TestTopics } from './runtime-fixtures';

export interface Routed extends ProducedRecord {
  role: SimRecord['role'];
  offset: number;
  sim: SimRecord;
}

/** The simulator's features in config form. */
export const simFeatures = SIM_FEATURES.map((f) => ({ ...f }));

/** Routes simulator records onto the test topics; values encoded in `format`. */
export function route(records: readonly SimRecord[], topics: TestTopics, partitions: number, format: EventFormat = 'json'): Routed[] {
  return records.map((sim) => ({
    sim,
    role: sim.role,
    topic: topics[sim.role],
    partition: keyHash(sim.key) % partitions,
    key: sim.key,
    value: Buffer.from(encodeEvent(sim.value, sim.role, format)),
    offset: -1,
  }));
}

/** Produces the records (`chunk` per request: keep it × the record size under the broker's 1 MB) and fills in their offsets. */
export async function produceRouted(producer: Producer, routed: Routed[], chunk?: number): Promise<void> {
  const offsets = await produceAll(producer, routed, chunk);
  routed.forEach((r, i) => (r.offset = offsets[i]!));
}

/** True once the group's committed offsets reach the high watermark of every source partition. */
export async function caughtUp(admin: Admin, groupId: string, topics: readonly string[]): Promise<boolean> {
  for (const topic of topics) {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    for (const e of ends) if (Number(e.high) > 0 && (done.get(e.partition) ?? -1) < Number(e.high)) return false;
  }
  return true;
}

export async function waitCaughtUp(admin: Admin, config: Readonly<DriftwatchConfig>, timeoutMs = 100_000): Promise<void> {
  const topics = [config.kafka.topics.inputs, config.kafka.topics.outputs, config.kafka.topics.feedback];
  const deadline = Date.now() + timeoutMs;
  while (!(await caughtUp(admin, config.kafka.groupId, topics))) {
    if (Date.now() > deadline) throw new Error(`the service did not commit to the end of ${topics.join(', ')} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface LiveRun {
  topics: TestTopics;
  config: Readonly<DriftwatchConfig>;
  routed: Routed[];
  alerts: DriftAlert[];
  service: ServiceHandle;
  /** Wall time from service start to the committed end of the input. */
  consumeMs: number;
  /** The alert topic's raw messages (with `keepRaw`), e.g. to decode Avro alerts. */
  raw?: ReadMessage[];
}

export interface LiveRunOptions {
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  records: readonly SimRecord[];
  partitions: number;
  format?: EventFormat;
  overrides?: DeepPartial<DriftwatchConfig>;
  service?: StartServiceOptions;
  prefix?: string;
  /** Keep the alert topic's raw messages and do not parse them as JSON. */
  keepRaw?: boolean;
  /** Produce the records while the service runs, `chunk` at a time with `pauseMs` between (default: all before it starts). */
  live?: { chunk: number; pauseMs: number };
  /** Runs once the service has committed the whole input, before it is stopped. */
  beforeStop?: (service: ServiceHandle, topics: TestTopics) => Promise<void>;
}

export async function liveRun(o: LiveRunOptions): Promise<LiveRun> {
  const topics = uniqueTopics(o.prefix ?? 'live');
  await createSourceTopics(o.admin, topics, o.partitions);
  const config = testServiceConfig(topics, { features: simFeatures, ...o.overrides });
  const routed = route(o.records, topics, o.partitions, o.format ?? 'json');
  if (o.live === undefined) await produceRouted(o.producer, routed);
  const started = Date.now();
  const service = await startService(config, { logger: testLogger(), ...o.service });
  try {
    if (o.live !== undefined) {
      const { chunk, pauseMs } = o.live;
      for (let i = 0; i < routed.length; i += chunk) {
        await produceRouted(o.producer, routed.slice(i, i + chunk));
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    }
    await waitCaughtUp(o.admin, config);
    await o.beforeStop?.(service, topics);
  } finally {
    await service.stop();
  }
  const consumeMs = Date.now() - started;
  const raw = await readTopic(o.kafka, o.admin, topics.alerts);
  if (o.keepRaw) return { topics, config, routed, alerts: [], service, consumeMs, raw };
  return { topics, config, routed, alerts: alertsOf(raw), service, consumeMs };
}

/** An alert without its only wall-clock field, for comparing runs. */
export function comparable(alert: DriftAlert): Omit<DriftAlert, 'emitted_at'> {
  const { emitted_at: _ignored, ...rest } = alert;
  return rest;
}

export const byId = (a: DriftAlert, b: DriftAlert): number => (a.alert_id < b.alert_id ? -1 : a.alert_id > b.alert_id ? 1 : 0);

export { waitFor };

/** An alert comparable across runs on different topic names: wall clock dropped, source topics → roles. */
export function normalised(alert: DriftAlert, topics: TestTopics): Omit<DriftAlert, 'emitted_at'> {
  const roleOf = new Map<string, string>([
    [topics.inputs, 'inputs'],
    [topics.outputs, 'outputs'],
    [topics.feedback, 'feedback'],
  ]);
  const rest = comparable(alert);
  return { ...rest, sources: rest.sources.map((s) => ({ ...s, topic: roleOf.get(s.topic) ?? s.topic })) };
}

/**
 * Writes the records as a `driftwatch replay` events file (one Kafka record per line, with its
 * partition and offset) and replays it through src/replay (the code path of `driftwatch replay`),
 * with `finish: false`: a live service never ends its stream, it checkpoints at stop.
 */
export async function replayRouted(config: Readonly<DriftwatchConfig>, routed: readonly Routed[]): Promise<{ alerts: DriftAlert[]; summary: ReplaySummary }> {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-replay-'));
  try {
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, routed.map((r) => JSON.stringify({ topic: r.topic, key: r.key, partition: r.partition, offset: r.offset, value: r.sim.value })).join('\n') + '\n');
    const alerts: DriftAlert[] = [];
    const summary = await replayEvents(config, file, { alert: (a) => alerts.push(a) }, { finish: false });
    return { alerts, summary };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
