import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DriftAlert } from '../../src/alerts/alert-types';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { PartitionPipeline } from '../../src/engine/partition-pipeline';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import type { SourceRecord } from '../../src/pipeline/records';
import { SpeechTraffic, type SimModel } from '../../src/simulate/speech-traffic';
import { testKafka } from '../harness/env';
import { byId, comparable, liveRun, type Routed } from './runtime-scenario';

jest.setTimeout(170_000);

/** The replay path in-process: one pipeline per partition index, records in production order. */
function replay(config: Readonly<DriftwatchConfig>, routed: readonly Routed[]): DriftAlert[] {
  const decode = createRecordDecoder(config);
  const pipelines = new Map<number, PartitionPipeline>();
  const alerts: DriftAlert[] = [];
  const byPartition = new Map<number, SourceRecord[]>();
  for (const r of routed) {
    const list = byPartition.get(r.partition) ?? [];
    list.push({ role: r.role, topic: r.topic, partition: r.partition, offset: r.offset, key: Buffer.from(r.key ?? ''), value: r.value });
    byPartition.set(r.partition, list);
  }
  for (const [p, records] of [...byPartition].sort((a, b) => a[0] - b[0])) {
    const pipeline = new PartitionPipeline(config, decode);
    pipelines.set(p, pipeline);
    alerts.push(...pipeline.push(records).alerts);
    alerts.push(...pipeline.finish().alerts);
  }
  return alerts;
}

describe('live run vs replay', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  });

  it('gives the same alerts (ids and statistics)', async () => {
    const models: SimModel[] = [
      { id: 'asr-en', versions: [{ version: '2026.11.1', share: 0.8 }, { version: '2026.11.2', share: 0.2 }] },
      { id: 'asr-de', versions: [{ version: '2026.10.4', share: 1 }] },
      { id: 'asr-fr', versions: [{ version: '2026.11.1', share: 1 }] },
    ];
    const sim = new SpeechTraffic({
      seed: 2026,
      models,
      drifts: [
        { metric: 'input_length', model: 'asr-en', atRequest: 7000 },
        { metric: 'null_output', model: 'asr-de', atRequest: 6500 },
        { metric: 'brightness', model: 'asr-fr', slice: { device: 'android' }, atRequest: 6000, magnitude: 1.5 },
      ],
    });
    const records = sim.take(120_000);
    const run = await liveRun({ kafka, admin, producer, records, partitions: 3, prefix: 'replay', overrides: { maxInFlightBatchesPerShard: 1 } });
    const replayed = replay(run.config, run.routed);
    const live = run.alerts.map(comparable).sort((a, b) => byId(a as DriftAlert, b as DriftAlert));
    const offline = replayed.map(comparable).sort((a, b) => byId(a as DriftAlert, b as DriftAlert));
    process.stdout.write(`[replay] ${records.length} events; live ${live.length} alerts, replay ${offline.length}\n`);
    expect(live.length).toBeGreaterThan(0);
    // One batch in flight per shard: every shard was paused and resumed along the way.
    expect(run.service.stats().pauses).toBeGreaterThan(0);
    expect(live.map((a) => a.alert_id)).toEqual(offline.map((a) => a.alert_id));
    expect(live).toEqual(offline);
  });
});
