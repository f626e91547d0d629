/**
 * Issue 5 §4 through the live service on the real broker: a stream of simulated traffic with drifts
 * on three partitions, and the same stream with one bad record of every class of the catalogue
 * (test/unit/bad-input-cases.ts) spread over its partitions and topics. The dirty run's DLQ topic
 * holds exactly the bad records, each with its specific code and source coordinates; its alerts are
 * those of the clean run (offsets in `sources` mapped back: the bad records take offsets too); and
 * `driftwatch_limit_hits_total{limit}` on /metrics counts every over-limit record under its limit.
 */
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DlqEntry, DriftAlert } from '../../src/alerts/alert-types';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { startService } from '../../src/service/driftwatch-service';
import { keyHash } from '../../src/simulate/sim-source-records';
import { SpeechTraffic, type SimRecord } from '../../src/simulate/speech-traffic';
import { useKafkaClients } from '../harness/env';
import { AUTO_CASES, CATALOGUE_OVERRIDES } from '../unit/bad-input-cases';
import { createSourceTopics, dlqOf, produceAll, readTopic, testLogger, testServiceConfig, uniqueTopics, alertsOf, type ProducedRecord, type TestTopics } from './runtime-fixtures';
import { normalised, route, simFeatures, waitCaughtUp } from './runtime-scenario';

jest.setTimeout(240_000);

const PARTITIONS = 3;
const OVERRIDES = { ...CATALOGUE_OVERRIDES, features: simFeatures, windows: { size: 500, minSamples: 100 }, reference: { size: 1000 } };

function traffic(): SimRecord[] {
  const sim = new SpeechTraffic({
    seed: 5,
    drifts: [
      { metric: 'confidence', model: 'asr-en', atRequest: 2500 },
      { metric: 'feature:lang', model: 'asr-de', atRequest: 1800, untilRequest: 3000 },
      { metric: 'null_output', model: 'asr-fr', atRequest: 1200, magnitude: 2 },
    ],
  });
  const out: SimRecord[] = [];
  while (sim.requestsOf('asr-en') < 5000) out.push(sim.next());
  return out;
}

interface Entry extends ProducedRecord {
  /** Index of the simulator record (valid), or of the catalogue case (bad). */
  sim: number | null;
  bad: number | null;
  offset: number;
}

interface Run {
  topics: TestTopics;
  config: Readonly<DriftwatchConfig>;
  entries: Entry[];
  alerts: DriftAlert[];
  dlq: DlqEntry[];
  metrics: string;
  consumeMs: number;
}

type Produce = (producer: Producer, entries: readonly Entry[]) => Promise<number[]>;

async function serviceRun(kafka: Kafka, admin: Admin, producer: Producer, prefix: string, entriesOf: (topics: TestTopics) => Entry[], produce: Produce = produceAll): Promise<Run> {
  const topics = uniqueTopics(prefix);
  await createSourceTopics(admin, topics, PARTITIONS);
  const config = testServiceConfig(topics, OVERRIDES);
  const entries = entriesOf(topics);
  const offsets = await produce(producer, entries);
  entries.forEach((e, i) => (e.offset = offsets[i]!));
  const started = Date.now();
  const service = await startService(config, { logger: testLogger() });
  let metrics = '';
  try {
    await waitCaughtUp(admin, config, 180_000);
    metrics = await (await fetch(`${service.opsUrl}/metrics`)).text();
  } finally {
    await service.stop();
  }
  const consumeMs = Date.now() - started;
  // Transactional outputs: read as a read_committed consumer (the end offsets include the commit markers).
  const [alerts, dlq] = await Promise.all([readTopic(kafka, admin, topics.alerts), readTopic(kafka, admin, topics.dlq)]);
  return { topics, config, entries, alerts: alertsOf(alerts), dlq: dlqOf(dlq), metrics, consumeMs };
}

/** The value of `driftwatch_limit_hits_total{limit="<name>"}` in a Prometheus text exposition (0 when absent). */
function limitHits(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics.matchAll(/^driftwatch_limit_hits_total\{limit="([^"]+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

describe('bad input through the live service', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  useKafkaClients((c) => {
    ({ kafka, admin, producer } = c);
  });

  it('one bad record of every class: DLQ entries with code and coordinates, the clean run’s alerts, limit hits on /metrics', async () => {
    const records = traffic();
    const validEntries = (topics: TestTopics): Entry[] =>
      route(records, topics, PARTITIONS).map((r, i) => ({ topic: r.topic, partition: r.partition, key: r.key, value: r.value, sim: i, bad: null, offset: -1 }));

    const clean = await serviceRun(kafka, admin, producer, 'bad-clean', validEntries);

    const dirty = await serviceRun(kafka, admin, producer, 'bad-dirty', (topics) => {
      const perPartition: Entry[][] = Array.from({ length: PARTITIONS }, () => []);
      for (const e of validEntries(topics)) perPartition[e.partition]!.push(e);
      // Case i goes to partition i mod 3, spread evenly over its sequence; its key is the partition's
      // model id (the data-quality bucket of the valid records there) or, every fourth, no key.
      AUTO_CASES.forEach((c, i) => {
        const p = i % PARTITIONS;
        const list = perPartition[p]!;
        const model = records.find((r) => keyHash(r.key) % PARTITIONS === p)!.key;
        const at = Math.floor(((Math.floor(i / PARTITIONS) + 1) / (Math.ceil(AUTO_CASES.length / PARTITIONS) + 1)) * list.length);
        list.splice(at, 0, { topic: topics[c.role], partition: p, key: i % 4 === 3 ? null : model, value: Buffer.from(c.value(i + 1)), sim: null, bad: i, offset: -1 });
      });
      return perPartition.flat();
    });

    // The DLQ: exactly the bad records, each with its code, topic, partition and offset, raw value and key.
    const expected = dirty.entries
      .filter((e) => e.bad !== null)
      .map((e) => ({ topic: e.topic, partition: e.partition, offset: e.offset, error_code: AUTO_CASES[e.bad!]!.code, value_b64: e.value.toString('base64'), key: e.key }));
    const got = dirty.dlq.map((d) => ({ topic: d.topic, partition: d.partition, offset: d.offset, error_code: d.error_code, value_b64: d.value_b64, key: d.key }));
    const order = (a: { topic: string; partition: number; offset: number }, b: { topic: string; partition: number; offset: number }): number =>
      a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset;
    expect(got.sort(order)).toEqual(expected.sort(order));
    expect(clean.dlq).toEqual([]);

    // The alerts: identical to the clean run's once the dirty offsets are mapped back to the clean ones.
    expect(clean.alerts.length).toBeGreaterThanOrEqual(3);
    const cleanOffset = new Map<number, number>(); // simulator record index → clean offset
    for (const e of clean.entries) cleanOffset.set(e.sim!, e.offset);
    const roleOf = (t: TestTopics, topic: string): string => (topic === t.inputs ? 'inputs' : topic === t.outputs ? 'outputs' : topic === t.feedback ? 'feedback' : topic);
    const toClean = new Map<string, number>(); // role/partition/dirty offset → clean offset
    for (const e of dirty.entries) if (e.sim !== null) toClean.set(`${roleOf(dirty.topics, e.topic)}/${e.partition}/${e.offset}`, cleanOffset.get(e.sim)!);
    const mapBack = (o: number, role: string, partition: number): number => {
      const c = toClean.get(`${role}/${partition}/${o}`);
      if (c === undefined) throw new Error(`alert source ${role}/${partition}/${o} is not a valid record`);
      return c;
    };
    const dirtyAlerts = dirty.alerts
      .map((a) => normalised(a, dirty.topics))
      .map((a) => ({ ...a, sources: a.sources.map((s) => ({ ...s, from_offset: mapBack(s.from_offset, s.topic, s.partition), to_offset: mapBack(s.to_offset, s.topic, s.partition) })) }));
    const cleanAlerts = clean.alerts.map((a) => normalised(a, clean.topics));
    const byId = (a: { alert_id: string }, b: { alert_id: string }): number => (a.alert_id < b.alert_id ? -1 : a.alert_id > b.alert_id ? 1 : 0);
    expect(dirtyAlerts.sort(byId)).toEqual(cleanAlerts.sort(byId));

    // Limit hits by name on /metrics: one per over-limit record, none in the clean run.
    const hits: Record<string, number> = {};
    for (const c of AUTO_CASES) if (c.limit !== undefined) hits[c.limit] = (hits[c.limit] ?? 0) + 1;
    expect(Object.keys(hits).length).toBe(7);
    expect(limitHits(dirty.metrics)).toEqual(hits);
    expect(limitHits(clean.metrics)).toEqual({});
    expect(dirty.metrics).toMatch(/^driftwatch_events_rejected_total\{code="DRIFTWATCH_UNKNOWN_SCHEMA_ID"\} 1$/m);

    process.stdout.write(
      `[bad input] ${records.length} valid + ${AUTO_CASES.length} bad records; clean ${clean.consumeMs} ms, dirty ${dirty.consumeMs} ms; ` +
        `${clean.alerts.length} alerts in both; DLQ ${dirty.dlq.length} entries; limit hits ${JSON.stringify(limitHits(dirty.metrics))}\n`,
    );
  });

  it('a bad record as large as the broker accepts still reaches the DLQ (bounded entry) and the stream goes on', async () => {
    const records = traffic().slice(0, 3000);
    const big = 700_000; // with its 300 kB key under the broker's default message.max.bytes (1,048,588); its base64 is not
    const run = await serviceRun(kafka, admin, producer, 'bad-big', (topics) => {
      const entries: Entry[] = route(records, topics, PARTITIONS).map((r, i) => ({ topic: r.topic, partition: r.partition, key: r.key, value: r.value, sim: i, bad: null, offset: -1 }));
      const at = entries.findIndex((e) => e.partition === 1);
      const value = Buffer.alloc(big, 0x78); // "xxx…": neither JSON nor Avro, and over maxMessageBytes
      entries.splice(at + 10, 0, { topic: topics.inputs, partition: 1, key: 'k'.repeat(300_000), value, sim: null, bad: -1, offset: -1 });
      return entries;
    }, async (p, entries) => {
      // The big record alone in its produce request (the broker's limit applies to a whole batch).
      const i = entries.findIndex((e) => e.bad === -1);
      return [...(await produceAll(p, entries.slice(0, i))), ...(await produceAll(p, entries.slice(i, i + 1))), ...(await produceAll(p, entries.slice(i + 1)))];
    });
    const badEntry = run.entries.find((e) => e.bad === -1)!;
    expect(run.dlq).toHaveLength(1);
    const d = run.dlq[0]!;
    expect({ topic: d.topic, partition: d.partition, offset: d.offset, code: d.error_code }).toEqual({ topic: badEntry.topic, partition: 1, offset: badEntry.offset, code: 'DRIFTWATCH_LIMIT_EXCEEDED' });
    expect([d.value_truncated, d.key_truncated]).toEqual([true, true]);
    expect(JSON.stringify(d).length).toBeLessThan(1_000_000);
    // The stream went on: every valid record after it was consumed (the run caught up) and none was rejected.
    expect(run.entries.filter((e) => e.partition === 1 && e.offset > badEntry.offset && e.topic === badEntry.topic).length).toBeGreaterThan(0);
    process.stdout.write(`[bad input] ${big}-byte bad record: DLQ entry of ${JSON.stringify(d).length} bytes; ${run.consumeMs} ms\n`);
  });
});
