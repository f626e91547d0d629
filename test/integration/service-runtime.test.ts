import { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import pino from 'pino';
import { CoPartitionAssigner } from '../../src/kafka/co-partition-assigner';
import { startService, type ServiceHandle } from '../../src/service/driftwatch-service';
import { encodeBatch } from '../../src/shards/batch-codec';
import { ShardPool } from '../../src/shards/shard-pool';
import { createTopics, testKafka, uniqueName, waitFor } from '../harness/env';
import { createSourceTopics, dlqOf, produceAll, readTopic, testLogger, testServiceConfig, uniqueTopics, type ProducedRecord } from './runtime-fixtures';
import { waitCaughtUp } from './runtime-scenario';

// The runtime on the real broker: co-partitioned assignment, DLQ routing, shard crash/restart,
// ops endpoints, graceful stop.
jest.setTimeout(170_000);

describe('runtime on the real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const services: ServiceHandle[] = [];
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
    await Promise.all(consumers.map((c) => c.disconnect()));
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  });

  it('the co-partition assigner gives two members matching partition sets across the three topics', async () => {
    const topics = uniqueTopics('copart');
    await createSourceTopics(admin, topics, 6);
    const groupId = uniqueName('copart-group');
    const names = [topics.inputs, topics.outputs, topics.feedback];
    const assignments = new Map<string, Record<string, number[]>>();
    const join = async (clientId: string): Promise<void> => {
      const consumer = testKafka(clientId).consumer({ groupId, partitionAssigners: [CoPartitionAssigner], maxWaitTimeInMs: 100, rebalanceTimeout: 20_000 });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.set(clientId, e.payload.memberAssignment));
      await consumer.connect();
      await consumer.subscribe({ topics: names, fromBeginning: true });
      await consumer.run({ eachBatch: async () => undefined });
    };
    await join('member-a');
    await join('member-b');
    const total = (): number => [...assignments.values()].reduce((s, a) => s + names.reduce((t, n) => t + (a[n]?.length ?? 0), 0), 0);
    await waitFor(() => assignments.size === 2 && total() === 18, 60_000, 'both members to own all 18 topic-partitions');
    const owned = [...assignments.values()].map((a) => names.map((n) => [...(a[n] ?? [])].sort((x, y) => x - y)));
    for (const sets of owned) {
      expect(sets[0]!.length).toBe(3);
      expect(sets[1]).toEqual(sets[0]);
      expect(sets[2]).toEqual(sets[0]);
    }
    expect(new Set(owned.flatMap((s) => s[0]!)).size).toBe(6);
  });

  it('routes bad records to the DLQ with codes and coordinates while the stream goes on', async () => {
    const topics = uniqueTopics('dlq');
    const partitions = 3;
    await createSourceTopics(admin, topics, partitions);
    const config = testServiceConfig(topics);
    const records: ProducedRecord[] = [];
    const bad = new Set<number>();
    const badValues = ['not json', '{"request_id": "r-1", "model_id": "m"', '{"model_id": "m-0"}', '[1,2,3]', '{"request_id":"x","model_id":"m-1","model_version":"v","ts":"yesterday"}'];
    for (let i = 0; i < 3000; i++) {
      const partition = i % partitions;
      const model = `m-${partition}`;
      if (i % 250 === 7) {
        bad.add(records.length);
        records.push({ topic: topics.inputs, partition, key: model, value: Buffer.from(badValues[(i / 250) % badValues.length | 0]!) });
        continue;
      }
      const value = { request_id: `r-${i}`, model_id: model, model_version: 'v1', ts: 1_763_800_000_000 + i * 100, session_id: `s-${i % 97}`, segment: { device: i % 2 ? 'ios' : 'android' }, input: { length: 20 + (i % 13), text: 'hello world' } };
      records.push({ topic: topics.inputs, partition, key: model, value: Buffer.from(JSON.stringify(value)) });
    }
    const offsets = await produceAll(producer, records);
    const service = await startService(config, { logger: testLogger() });
    services.push(service);
    expect(service.ready).toBe(true);
    await waitFor(() => service.stats().dlq >= bad.size, 60_000, 'every bad record in the DLQ');
    // /readyz and /metrics answer while running.
    expect((await fetch(`${service.opsUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${service.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/driftwatch_events_rejected_total\{code="DRIFTWATCH_/);
    await service.stop();

    const dlq = dlqOf(await readTopic(kafka, admin, topics.dlq));
    const expected = [...bad].map((i) => `${records[i]!.partition}/${offsets[i]}`).sort();
    expect(dlq.map((d) => `${d.partition}/${d.offset}`).sort()).toEqual(expected);
    for (const d of dlq) {
      expect(d.topic).toBe(topics.inputs);
      expect(d.error_code).toMatch(/^DRIFTWATCH_[A-Z_]+$/);
      const i = [...bad].find((j) => records[j]!.partition === d.partition && offsets[j] === d.offset)!;
      expect(Buffer.from(d.value_b64, 'base64').equals(records[i]!.value)).toBe(true);
    }
    // The valid records around the bad ones were all consumed (the stream went on after each bad one).
    expect(service.stats().rejected).toBe(bad.size);
    expect(service.stats().consumed).toBeGreaterThanOrEqual(records.length - bad.size);
  });

  it('survives shard workers crashing mid-stream: restarts them, restores their partitions, DLQ entries exactly once', async () => {
    const topics = uniqueTopics('crash-svc');
    const partitions = 4;
    await createSourceTopics(admin, topics, partitions);
    const config = testServiceConfig(topics, { maxInFlightBatchesPerShard: 1 });
    const records: ProducedRecord[] = [];
    const bad = new Set<number>();
    for (let i = 0; i < 40_000; i++) {
      const partition = i % partitions;
      if (i % 1000 === 500) {
        bad.add(records.length);
        records.push({ topic: topics.inputs, partition, key: `m-${partition}`, value: Buffer.from(`broken ${i}`) });
        continue;
      }
      const value = { request_id: `r-${i}`, model_id: `m-${partition}`, model_version: 'v1', ts: 1_763_800_000_000 + i * 50, input: { length: 10 + (i % 7) } };
      records.push({ topic: topics.inputs, partition, key: `m-${partition}`, value: Buffer.from(JSON.stringify(value)) });
    }
    const offsets = await produceAll(producer, records);
    const service = await startService(config, { logger: testLogger() });
    services.push(service);
    await waitFor(() => service.stats().consumed > 2000, 60_000, 'the first records');
    service.injectShardCrash(0);
    service.injectShardCrash(1);
    await waitFor(() => service.stats().shardCrashes === 2, 30_000, 'both crashes');
    await waitCaughtUp(admin, config);
    await service.stop();
    // Exactly once (read_committed): every bad record is in the DLQ once, though the crashed
    // shards' partitions were read again from their checkpoints.
    const dlq = dlqOf(await readTopic(kafka, admin, topics.dlq));
    const expected = [...bad].map((i) => `${records[i]!.partition}/${offsets[i]}`).sort();
    expect(dlq.map((d) => `${d.partition}/${d.offset}`).sort()).toEqual(expected);
    expect(service.stats().shardCrashes).toBe(2);
  });

  it('a graceful stop mid-stream commits what it handled: a restarted instance goes on without repeating a record', async () => {
    const topics = uniqueTopics('stop-resume');
    const partitions = 2;
    await createSourceTopics(admin, topics, partitions);
    const config = testServiceConfig(topics, { maxInFlightBatchesPerShard: 1 });
    const records: ProducedRecord[] = [];
    for (let i = 0; i < 100_000; i++) {
      // Every record is bad, so every record the service handles leaves one DLQ entry; 300-byte
      // values make the batches (1 MB per partition fetch) few enough to stop in the middle.
      records.push({ topic: topics.inputs, partition: i % partitions, key: 'm', value: Buffer.from(`x${i} `.padEnd(300, '#')) });
    }
    const offsets = await produceAll(producer, records);
    const first = await startService(config, { logger: testLogger() });
    services.push(first);
    await waitFor(() => first.stats().dlq > 0, 60_000, 'the first DLQ entries');
    await first.stop();
    const handledFirst = first.stats().dlq;
    const second = await startService(config, { logger: testLogger() });
    services.push(second);
    await waitCaughtUp(admin, config);
    await second.stop();
    const dlq = dlqOf(await readTopic(kafka, admin, topics.dlq));
    const keys = dlq.map((d) => `${d.partition}/${d.offset}`);
    process.stdout.write(`[stop-resume] first instance handled ${handledFirst} of ${records.length} records before its graceful stop\n`);
    expect(handledFirst).toBeLessThan(records.length);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(records.map((r, i) => `${r.partition}/${offsets[i]}`).sort());
  });

  it('restarts a crashed shard worker, counts it, and keeps serving the other shard', async () => {
    const pool = new ShardPool(testServiceConfig(uniqueTopics('crash')), { logger: testLogger() });
    try {
      await pool.ready();
      const value = Buffer.from(JSON.stringify({ request_id: 'r-1', model_id: 'm', model_version: 'v', ts: 1_763_800_000_000, input: { length: 3 } }));
      const batch = (partition: number): ArrayBuffer => encodeBatch('inputs', 't', partition, [{ offset: 5, key: null, value }]);
      const crashes: number[] = [];
      pool.on('crash', (shard: number) => crashes.push(shard));
      const pending = pool.push(1, [batch(1)]);
      await pending;
      const lost = pool.send(1, { type: 'crash' });
      await expect(lost).rejects.toMatchObject({ code: 'DRIFTWATCH_SHARD_CRASHED' });
      expect(pool.crashes).toBe(1);
      expect(crashes).toEqual([1]);
      // Both shards answer after the restart.
      const [a, b] = await Promise.all([pool.push(0, [batch(0)]), pool.push(1, [batch(1)])]);
      expect(a.parts.map((p) => [p.partition, p.covered])).toEqual([[0, { t: 6 }]]);
      expect(b.parts.map((p) => [p.partition, p.covered])).toEqual([[1, { t: 6 }]]);
    } finally {
      await pool.close();
    }
  });

  it('logs DRIFTWATCH_TOPICS_NOT_COPARTITIONED when the partition counts differ, and still runs', async () => {
    const topics = uniqueTopics('not-copart');
    await createTopics(admin, [{ topic: topics.inputs, numPartitions: 2 }, { topic: topics.outputs, numPartitions: 3 }, { topic: topics.feedback, numPartitions: 2 }]);
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const service = await startService(testServiceConfig(topics), { logger });
    services.push(service);
    expect(service.topics.coPartitioned).toBe(false);
    expect(service.stats().partitions).toEqual([0, 1, 2]);
    await service.stop();
    const coded = lines.map((l) => JSON.parse(l) as { code?: string }).filter((l) => l.code === 'DRIFTWATCH_TOPICS_NOT_COPARTITIONED');
    // Once at start-up (topic set-up) and once per assignment (the assigner).
    expect(coded.length).toBeGreaterThanOrEqual(2);
  });

  it('creates missing alert and DLQ topics with the inputs partition count', async () => {
    const topics = uniqueTopics('setup');
    await createTopics(admin, [{ topic: topics.inputs, numPartitions: 4 }, { topic: topics.outputs, numPartitions: 4 }, { topic: topics.feedback, numPartitions: 4 }]);
    const service = await startService(testServiceConfig(topics), { logger: testLogger() });
    services.push(service);
    const metadata = await admin.fetchTopicMetadata({ topics: [topics.alerts, topics.dlq] });
    expect(metadata.topics.map((t) => t.partitions.length)).toEqual([4, 4]);
    expect(service.topics).toEqual({ partitions: { [topics.inputs]: 4, [topics.outputs]: 4, [topics.feedback]: 4 }, coPartitioned: true });
    await service.stop();
    expect(service.ready).toBe(false);
  });
});
