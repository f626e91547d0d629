/**
 * Helpers of the runtime integration tests (service on the harness's real broker): a config with
 * unique topic and group names, topic creation, producing records with explicit partitions, and
 * reading a topic to its end.
 */
import { Admin, Kafka, Producer } from 'kafkajs';
import pino, { type Logger } from 'pino';
import type { DlqEntry, DriftAlert } from '../../src/alerts/alert-types';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { loadConfig, type DeepPartial } from '../../src/config/load-config';
import { createTopics, testBrokers, uniqueName } from '../harness/env';

export interface TestTopics {
  inputs: string;
  outputs: string;
  feedback: string;
  alerts: string;
  dlq: string;
  checkpoints: string;
  retrainOutbox: string;
}

export function uniqueTopics(prefix: string): TestTopics {
  const base = uniqueName(prefix);
  return {
    inputs: `${base}.inputs`,
    outputs: `${base}.outputs`,
    feedback: `${base}.feedback`,
    alerts: `${base}.alerts`,
    dlq: `${base}.dlq`,
    checkpoints: `${base}.checkpoints`,
    retrainOutbox: `${base}.retrain-outbox`,
  };
}

/** The effective config of a test service: defaults + the harness broker + unique names + `overrides`. */
export function testServiceConfig(topics: TestTopics, overrides: DeepPartial<DriftwatchConfig> = {}): Readonly<DriftwatchConfig> {
  const { kafka, ...rest } = overrides;
  return loadConfig({
    env: {},
    overrides: {
      shards: 2,
      log: { level: 'warn' },
      shutdownTimeoutMs: 60_000,
      ops: { port: 0 },
      ...rest,
      kafka: {
        brokers: testBrokers(),
        clientId: uniqueName('dw-test'),
        groupId: uniqueName('dw-test-group'),
        fetchMaxWaitMs: 100,
        ...kafka,
        topics: { ...topics, ...kafka?.topics },
      },
    },
  });
}

/** The service's logs during tests: warnings and errors on stderr, nothing else. */
export function testLogger(): Logger {
  return pino({ level: process.env.DEBUG_DRIFTWATCH ? 'debug' : 'warn' }, pino.destination(2));
}

export async function createSourceTopics(admin: Admin, topics: TestTopics, partitions: number): Promise<void> {
  await createTopics(admin, [topics.inputs, topics.outputs, topics.feedback].map((topic) => ({ topic, numPartitions: partitions })));
}

/** One Kafka record as tests produce it: a replay-file line without the offset. */
export interface ProducedRecord {
  topic: string;
  partition: number;
  key: string | null;
  value: Buffer;
}

/** Produces in chunks, keeping the given order per partition; returns each record's offset. */
export async function produceAll(producer: Producer, records: readonly ProducedRecord[], chunk = 5000): Promise<number[]> {
  const offsets: number[] = new Array<number>(records.length);
  for (let start = 0; start < records.length; start += chunk) {
    const slice = records.slice(start, start + chunk);
    const byTopic = new Map<string, { index: number; r: ProducedRecord }[]>();
    slice.forEach((r, i) => {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ index: start + i, r });
      byTopic.set(r.topic, list);
    });
    const topicMessages = [...byTopic].map(([topic, list]) => ({ topic, messages: list.map(({ r }) => ({ partition: r.partition, key: r.key, value: r.value })) }));
    const metadata = await producer.sendBatch({ topicMessages, acks: -1 });
    // Offsets: kafkajs reports the base offset per topic-partition of each request; records of one
    // topic-partition are appended in the order given.
    const next = new Map<string, number>();
    for (const m of metadata) next.set(`${m.topicName}/${m.partition}`, Number(m.baseOffset));
    for (const [topic, list] of byTopic) {
      for (const { index, r } of list) {
        const k = `${topic}/${r.partition}`;
        const o = next.get(k)!;
        offsets[index] = o;
        next.set(k, o + 1);
      }
    }
  }
  return offsets;
}

export interface ReadMessage {
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer;
}

/**
 * Reads a topic as a read_committed consumer from the beginning up to its current end (high
 * watermarks taken at the call): aborted records are never delivered. Call it once no transaction
 * is open on the topic (the service stopped), so that the last stable offset is the high watermark.
 */
export async function readTopic(kafka: Kafka, admin: Admin, topic: string): Promise<ReadMessage[]> {
  const ends = await admin.fetchTopicOffsets(topic);
  const remaining = new Map(ends.filter((e) => Number(e.high) > 0).map((e) => [e.partition, Number(e.high)]));
  const out: ReadMessage[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: uniqueName('dw-test-reader'), readUncommitted: false, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  // The service writes in transactions: a partition's last offset is a commit marker, which no
  // message callback ever sees. A batch's lastOffset (reported after every batch, also one that holds
  // only markers) tells when the end was reached.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const end = remaining.get(payload.partition);
    if (end !== undefined && Number(payload.lastOffset) >= end - 1) {
      remaining.delete(payload.partition);
      if (remaining.size === 0) done();
    }
  });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const end = remaining.get(partition);
      if (end === undefined || Number(message.offset) >= end) return;
      out.push({ partition, offset: Number(message.offset), key: message.key === null ? null : message.key.toString(), value: message.value ?? Buffer.alloc(0) });
    },
  });
  const timeout = setTimeout(() => done(), 60_000);
  await finished;
  clearTimeout(timeout);
  await consumer.disconnect();
  if (remaining.size > 0) throw new Error(`reading ${topic} timed out; partitions left: ${[...remaining.keys()].join(',')}`);
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

export const alertsOf = (messages: readonly ReadMessage[]): DriftAlert[] => messages.map((m) => JSON.parse(m.value.toString()) as DriftAlert);
export const dlqOf = (messages: readonly ReadMessage[]): DlqEntry[] => messages.map((m) => JSON.parse(m.value.toString()) as DlqEntry);

/** Partition of a model id: a fixed function the tests use to route records (both runs agree). */
export function partitionOf(modelId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < modelId.length; i++) h = (h * 31 + modelId.charCodeAt(i)) >>> 0;
  return h % partitions;
}
