import { Queue } from 'bullmq';
import type { Kafka, Producer } from 'kafkajs';
import type { RetrainTrigger } from '../../src/alerts/alert-types';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { loadConfig } from '../../src/config/load-config';
import { LocalRedis } from '../../src/local/local-redis';
import { outboxMessage } from '../../src/retrain/retrain-outbox';
import { RetrainOutboxRelay } from '../../src/retrain/retrain-outbox-relay';
import { RetrainQueue } from '../../src/retrain/retrain-queue';
import { RETRAIN_OUTBOX_TOPIC_CONFIG } from '../../src/kafka/topic-setup';
import { createTopics, testBrokers, testKafka, testRedisUrl, uniqueName, waitFor } from '../harness/env';
import { readTopic, type ReadMessage } from './runtime-fixtures';

jest.setTimeout(180_000);

// The outbox relay against the harness's real broker and Redis (and a redis-server of its own for
// the short outage): triggers written in Kafka transactions, relayed to BullMQ.

interface Line { level: string; obj: Record<string, unknown>; msg: string }

function captureLogger(): { lines: Line[]; info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void } {
  const lines: Line[] = [];
  const at = (level: string) => (obj: object, msg: string): void => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

function trigger(jobId: string, model: string): RetrainTrigger {
  return {
    job_id: jobId, model_id: model, model_version: '2026.11.1', alerts: [],
    data_range: { start: 1_763_800_000_000, end: 1_763_800_300_000, sources: [{ topic: 'inference.inputs', partition: 0, from_offset: 0, to_offset: 99 }] },
  };
}

/** Hex ids, like the engine's incident hashes. */
function incidentId(): string {
  return uniqueName('x').replace(/[^0-9a-f]/g, '').padEnd(12, 'b').slice(-12) + Math.random().toString(16).slice(2, 10);
}

function relayConfig(redisUrl: string, topic: string, queue: string): Readonly<DriftwatchConfig> {
  return loadConfig({
    env: {},
    overrides: {
      kafka: { brokers: testBrokers(), groupId: uniqueName('relay-group'), topics: { retrainOutbox: topic }, fetchMaxWaitMs: 100 },
      redis: { url: redisUrl },
      retrain: { queue, minIntervalMs: 0 },
      log: { level: 'silent' },
    },
  });
}

async function jobIds(queue: Queue): Promise<string[]> {
  return (await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).map((j) => String(j.id)).sort();
}

async function transactionalProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ transactionalId: uniqueName('outbox-tx'), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  return producer;
}

/** Writes triggers in one transaction (as the service does with the alerts), committed or aborted. */
async function writeTriggers(producer: Producer, topic: string, triggers: RetrainTrigger[], end: 'commit' | 'abort' = 'commit', extra: Array<{ value: string }> = []): Promise<void> {
  const tx = await producer.transaction();
  await tx.send({ topic, messages: [...triggers.map(outboxMessage), ...extra] });
  await (end === 'commit' ? tx.commit() : tx.abort());
}

/**
 * One test's outbox: its own topic with `partitions` partitions, a queue name, the relay config, a
 * captured log and a transactional producer; close() disconnects and deletes the topic.
 */
async function outboxFixture(redisUrl: string, queuePrefix: string, partitions: number, topicConfig: Readonly<Record<string, string>> = {}) {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = uniqueName('retrain-outbox');
  const queueName = uniqueName(queuePrefix);
  await createTopics(admin, [{ topic, numPartitions: partitions, configEntries: Object.entries(topicConfig).map(([name, value]) => ({ name, value })) }]);
  const producer = await transactionalProducer(kafka);
  const close = async (): Promise<void> => {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  };
  return { kafka, admin, topic, queueName, config: relayConfig(redisUrl, topic, queueName), log: captureLogger(), producer, close };
}

/** The relay's queue and an inspecting BullMQ queue on the harness Redis; closeQueues() also deletes the queue's keys. */
function harnessQueues(config: Readonly<DriftwatchConfig>, log: ReturnType<typeof captureLogger>, queueName: string) {
  const queue = new RetrainQueue(config, { logger: log });
  const inspect = new Queue(queueName, { connection: { host: new URL(testRedisUrl()).hostname, port: Number(new URL(testRedisUrl()).port) } });
  const closeQueues = async (): Promise<void> => {
    await queue.close();
    await inspect.obliterate({ force: true });
    await inspect.close();
  };
  return { queue, inspect, closeQueues };
}

/** The last record of each key in partition order (a key's records share a partition). */
function lastRecordByKey(records: readonly ReadMessage[]): Map<string, ReadMessage> {
  const last = new Map<string, ReadMessage>();
  for (const r of records) if (r.key !== null) last.set(r.key, r);
  return last;
}

describe('retrain outbox relay (real broker and Redis)', () => {
  it('relays exactly the committed triggers, each once; skips garbage with a code; resumes after a restart without doubles', async () => {
    const { kafka, admin, topic, queueName, config, log, producer, close } = await outboxFixture(testRedisUrl(), 'relay-queue', 3);
    const { queue, inspect, closeQueues } = harnessQueues(config, log, queueName);
    let relay = new RetrainOutboxRelay(kafka, config, { logger: log, queue });
    try {
      await relay.start();
      const [a, b, c, d, e, f, g] = Array.from({ length: 7 }, incidentId) as [string, string, string, string, string, string, string];
      // A repeated trigger of one incident in the outbox (a replay after a crash writes it again).
      await writeTriggers(producer, topic, [trigger(a, 'asr-a'), trigger(b, 'asr-b'), trigger(a, 'asr-a')]);
      // An aborted transaction: its alert was never committed, so its trigger must never become a job.
      await writeTriggers(producer, topic, [trigger(c, 'asr-c')], 'abort');
      // Garbage in a committed transaction: logged with a code and skipped.
      await writeTriggers(producer, topic, [trigger(d, 'asr-d')], 'commit', [{ value: 'not a trigger' }]);
      await waitFor(() => relay.stats().delivered + relay.stats().invalid >= 5, 60_000, 'the committed records to be relayed');
      expect(await jobIds(inspect)).toEqual([a, b, d].sort());
      expect(relay.stats()).toMatchObject({ delivered: 4, enqueued: 3, duplicate: 1, invalid: 1, failedAttempts: 0, blocked: false });
      const garbage = log.lines.filter((l) => l.obj.code === 'DRIFTWATCH_RETRAIN_OUTBOX_INVALID');
      expect(garbage).toHaveLength(1);
      expect(garbage[0]?.level).toBe('error');

      // None before it is committed: a trigger in an open transaction stays invisible to the relay.
      const open = await producer.transaction();
      await open.send({ topic, messages: [outboxMessage(trigger(e, 'asr-e'))] });
      // A marker written and committed by another producer after it, on every partition: once the
      // relay has seen them, it has read past the open transaction's record (read_committed blocks
      // at the first open transaction of a partition, so the marker on e's partition waits behind it).
      const other = await transactionalProducer(kafka);
      const markers = [0, 1, 2].map(() => incidentId());
      const markerTx = await other.transaction();
      await markerTx.send({ topic, messages: markers.map((m, partition) => ({ ...outboxMessage(trigger(m, `asr-m${partition}`)), partition })) });
      await markerTx.commit();
      await waitFor(() => relay.stats().enqueued >= 5, 60_000, 'the markers on the partitions without the open transaction');
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await jobIds(inspect)).not.toContain(e);
      await open.commit();
      await waitFor(() => relay.stats().enqueued >= 7, 60_000, 'the trigger and the marker behind the committed transaction');
      expect(await jobIds(inspect)).toEqual([a, b, d, e, ...markers].sort());
      await other.disconnect();

      // Restart: the committed offsets hold, so only what was written meanwhile is delivered.
      await relay.stop();
      await writeTriggers(producer, topic, [trigger(f, 'asr-f'), trigger(g, 'asr-g')]);
      relay = new RetrainOutboxRelay(kafka, config, { logger: log, queue });
      await relay.start();
      await waitFor(() => relay.stats().delivered >= 2, 60_000, 'the triggers written while the relay was stopped');
      await new Promise((r) => setTimeout(r, 1_000));
      expect(relay.stats()).toMatchObject({ delivered: 2, enqueued: 2, duplicate: 0 });

      // Everything delivered again (the group's offsets reset: the worst case of redelivery):
      // every record is recognised in Redis, no job is added twice.
      await relay.stop();
      await admin.resetOffsets({ groupId: relay.groupId, topic, earliest: true });
      relay = new RetrainOutboxRelay(kafka, config, { logger: log, queue });
      await relay.start();
      await waitFor(() => relay.stats().delivered + relay.stats().invalid >= 11, 60_000, 'the whole outbox to be delivered again').catch((e: Error) => { throw new Error(`${e.message}: ${JSON.stringify(relay.stats())}`); });
      // The tombstones the earlier relays wrote were read too: skipped silently (not invalid).
      expect(relay.stats()).toMatchObject({ delivered: 10, enqueued: 0, duplicate: 10, invalid: 1 });
      expect(await jobIds(inspect)).toEqual([a, b, d, e, f, g, ...markers].sort());

      // Every delivered trigger ends in a tombstone of its key (so compaction drops it); the
      // aborted trigger was never visible and the garbage record is left alone.
      await waitFor(() => relay.stats().tombstones === 10, 60_000, 'the tombstones of the redelivered triggers');
      await relay.stop();
      const records = await readTopic(kafka, admin, topic);
      const last = lastRecordByKey(records);
      for (const id of [a, b, d, e, f, g, ...markers]) expect({ id, tombstone: last.get(id)?.value.length === 0 }).toEqual({ id, tombstone: true });
      expect(last.has(c)).toBe(false);
      // 8 + 2 + 10 delivered by the three relays, each tombstoned once.
      expect(records.filter((r) => r.value.length === 0)).toHaveLength(20);
      expect(records.filter((r) => r.key === null && r.value.toString() === 'not a trigger')).toHaveLength(1);
    } finally {
      await relay.stop();
      await closeQueues();
      await close();
    }
  });

  it('delivered triggers are compacted out of the outbox topic; one written while no relay ran stays and is delivered later', async () => {
    // The service's outbox topic config, with the log cleaner made eager: segments roll after
    // 500 ms and any dirty share is worth cleaning (the broker's cleaner wakes every 15 s).
    const eager = { ...RETRAIN_OUTBOX_TOPIC_CONFIG, 'segment.ms': '500', 'min.cleanable.dirty.ratio': '0.01', 'min.compaction.lag.ms': '0', 'delete.retention.ms': '0' };
    const { kafka, admin, topic, queueName, config, log, producer, close } = await outboxFixture(testRedisUrl(), 'relay-compact', 1, eager);
    const { queue, inspect, closeQueues } = harnessQueues(config, log, queueName);
    let relay = new RetrainOutboxRelay(kafka, config, { logger: log, queue });
    const delivered = Array.from({ length: 3 }, incidentId);
    const waiting = incidentId();
    try {
      await relay.start();
      await writeTriggers(producer, topic, delivered.map((id, n) => trigger(id, `asr-${n}`)));
      await waitFor(() => relay.stats().tombstones === 3, 60_000, 'the delivered triggers to be tombstoned');
      await relay.stop();
      // Written while no relay runs (a relay or Redis outage): not delivered, so never tombstoned.
      await new Promise((r) => setTimeout(r, 600));
      await writeTriggers(producer, topic, [trigger(waiting, 'asr-waiting')]);
      const triggersIn = async (): Promise<string[]> => (await readTopic(kafka, admin, topic)).filter((m) => m.value.length > 0).map((m) => String(m.key));
      const started = Date.now();
      let left = await triggersIn();
      while (left.length > 1 && Date.now() - started < 90_000) {
        await new Promise((r) => setTimeout(r, 2_000));
        left = await triggersIn();
      }
      expect(left).toEqual([waiting]);
      process.stdout.write(`[relay] delivered triggers compacted out of the outbox after ${Date.now() - started} ms\n`);

      // The waiting trigger is still delivered, once; nothing delivered before comes back.
      relay = new RetrainOutboxRelay(kafka, config, { logger: log, queue });
      await relay.start();
      await waitFor(() => relay.stats().delivered === 1, 60_000, 'the waiting trigger');
      expect(relay.stats()).toMatchObject({ delivered: 1, enqueued: 1, duplicate: 0, invalid: 0 });
      expect(await jobIds(inspect)).toEqual([...delivered, waiting].sort());
    } finally {
      await relay.stop();
      await closeQueues();
      await close();
    }
  });

  it('while Redis is down it holds its position, logs once per outage, and stop() is bounded; after the restart it delivers everything once', async () => {
    const redis = new LocalRedis({ persistence: true });
    await redis.start();
    const { kafka, topic, queueName, config, log, producer, close } = await outboxFixture(redis.url, 'relay-outage', 1);
    const queue = new RetrainQueue(config, { logger: log });
    let relay = new RetrainOutboxRelay(kafka, config, { logger: log, queue, retryMaxMs: 500 });
    const ids = Array.from({ length: 6 }, incidentId);
    let inspect: Queue | undefined;
    try {
      await relay.start();
      await writeTriggers(producer, topic, [trigger(ids[0]!, 'asr-0')]);
      await waitFor(() => relay.stats().enqueued === 1, 60_000, 'the first trigger');

      await redis.stop({ keepPort: true });
      await writeTriggers(producer, topic, ids.slice(1, 4).map((id, n) => trigger(id, `asr-${n + 1}`)));
      await waitFor(() => relay.stats().failedAttempts >= 4, 60_000, 'failed attempts while Redis is down');
      expect(relay.stats()).toMatchObject({ blocked: true, delivered: 1, outages: 1 });
      // A stop during the outage: bounded, and the undelivered records are not committed.
      const stopStarted = Date.now();
      await relay.stop();
      const stopMs = Date.now() - stopStarted;
      relay = new RetrainOutboxRelay(kafka, config, { logger: log, queue, retryMaxMs: 500 });
      await relay.start();
      await writeTriggers(producer, topic, ids.slice(4).map((id, n) => trigger(id, `asr-${n + 4}`)));
      await waitFor(() => relay.stats().failedAttempts >= 3, 60_000, 'the new relay to fail too');

      await redis.start();
      await waitFor(() => relay.stats().delivered === 5, 60_000, 'the held triggers after the restart');
      inspect = new Queue(queueName, { connection: { host: '127.0.0.1', port: Number(new URL(redis.url).port) } });
      expect(await jobIds(inspect)).toEqual([...ids].sort());
      expect(relay.stats()).toMatchObject({ enqueued: 5, duplicate: 0, blocked: false, outages: 1 });
      // One warning per outage and relay (not per attempt), coded; one line when delivery resumes.
      const warnings = log.lines.filter((l) => l.level === 'warn' && /outbox relay/.test(l.msg));
      expect(warnings).toHaveLength(2);
      expect(warnings.every((w) => w.obj.code === 'DRIFTWATCH_RETRAIN_REDIS_UNREACHABLE')).toBe(true);
      expect(log.lines.filter((l) => /delivering to Redis again/.test(l.msg))).toHaveLength(1);
      process.stdout.write(`[relay] stop() during the outage took ${stopMs} ms\n`);
    } finally {
      await relay.stop();
      await queue.close();
      await inspect?.close();
      await close();
      await redis.stop();
    }
  });

  it('a second relay joining the group during an outage (a rebalance while the first one is blocked): after Redis returns every trigger is one job', async () => {
    const redis = new LocalRedis({ persistence: true });
    await redis.start();
    const { kafka, topic, queueName, config, log, producer, close } = await outboxFixture(redis.url, 'relay-rebalance', 4);
    const queues = [new RetrainQueue(config, { logger: log }), new RetrainQueue(config, { logger: log })] as const;
    const relays = queues.map((queue) => new RetrainOutboxRelay(kafka, config, { logger: log, queue, retryMaxMs: 500 }));
    const ids = Array.from({ length: 24 }, incidentId);
    let inspect: Queue | undefined;
    try {
      await relays[0]!.start();
      await redis.stop({ keepPort: true });
      // Triggers on every partition while the only relay is blocked on the first of them.
      for (let i = 0; i < ids.length; i += 6) await writeTriggers(producer, topic, ids.slice(i, i + 6).map((id, n) => trigger(id, `asr-${i + n}`)));
      await waitFor(() => relays[0]!.stats().failedAttempts >= 3, 60_000, 'the first relay to be blocked');
      // The second member joins: the group rebalances while the first is inside its retry loop.
      await relays[1]!.start();
      await waitFor(() => relays[1]!.stats().failedAttempts >= 1, 60_000, 'the second relay to own partitions and be blocked too');
      await redis.start();
      await waitFor(() => relays[0]!.stats().enqueued + relays[1]!.stats().enqueued >= ids.length, 60_000, 'every trigger to be delivered');
      await new Promise((r) => setTimeout(r, 1_000));
      inspect = new Queue(queueName, { connection: { host: '127.0.0.1', port: Number(new URL(redis.url).port) } });
      expect(await jobIds(inspect)).toEqual([...ids].sort());
      const [a, b] = [relays[0]!.stats(), relays[1]!.stats()];
      expect(a.enqueued + b.enqueued).toBe(ids.length);
      expect(a.enqueued).toBeGreaterThan(0);
      expect(b.enqueued).toBeGreaterThan(0);
      // A record delivered by the first member before it gave its partition up may be delivered again
      // by the second (not committed yet): recognised as a duplicate, never a second job.
      process.stdout.write(`[relay] rebalance during the outage: member 1 enqueued ${a.enqueued} (dup ${a.duplicate}), member 2 enqueued ${b.enqueued} (dup ${b.duplicate})\n`);
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
      await Promise.all(queues.map((q) => q.close()));
      await inspect?.close();
      await close();
      await redis.stop();
    }
  });
});
