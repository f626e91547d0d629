/**
 * Shared set-up of the service benchmarks: a local broker started by the bench (never the
 * harness's), topic creation, fast bulk production, and the service config they run with.
 */
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import pino from 'pino';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { loadConfig, type DeepPartial } from '../../src/config/load-config';
import { LocalKafka } from '../../src/local/local-kafka';

export interface BenchBroker {
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  brokers: string[];
  stop(): Promise<void>;
}

/** Starts a broker of the bench's own (1 GiB heap) with an admin and an idempotence-free producer. */
export async function startBenchBroker(): Promise<BenchBroker> {
  const server = new LocalKafka({ heap: '1g' });
  await server.start();
  const kafka = new Kafka({ clientId: 'driftwatch-bench', brokers: server.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await Promise.all([admin.connect(), producer.connect()]);
  return {
    kafka,
    admin,
    producer,
    brokers: server.brokers,
    stop: async () => {
      await Promise.all([producer.disconnect(), admin.disconnect()]).catch(() => undefined);
      await server.stop();
    },
  };
}

export async function createBenchTopics(admin: Admin, topics: readonly string[], partitions: number): Promise<void> {
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
}

export interface BenchMessage {
  topic: string;
  partition: number;
  key: string;
  value: string;
}

/** Produces messages in batches of `chunk` (one partition batch stays under the broker's 1 MB message.max.bytes), keeping per-partition order. */
export async function produceBulk(producer: Producer, messages: Iterable<BenchMessage>, chunk = 6_000): Promise<number> {
  let n = 0;
  let batch: BenchMessage[] = [];
  const flush = async (): Promise<void> => {
    const byTopic = new Map<string, Array<{ key: string; value: string; partition: number }>>();
    for (const m of batch) {
      const list = byTopic.get(m.topic) ?? [];
      list.push({ key: m.key, value: m.value, partition: m.partition });
      byTopic.set(m.topic, list);
    }
    await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })), acks: 1 });
    n += batch.length;
    batch = [];
  };
  for (const m of messages) {
    batch.push(m);
    if (batch.length >= chunk) await flush();
  }
  if (batch.length > 0) await flush();
  return n;
}

/** Sum of the high watermarks of `topics` (= records in them when they start at 0). */
export async function endOffsets(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const ends = new Map<string, number>();
  for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${p.partition}`, Number(p.high));
  return ends;
}

/** True once `groupId` has committed the end of every partition in `ends`. */
export async function committedToEnd(admin: Admin, groupId: string, ends: ReadonlyMap<string, number>): Promise<boolean> {
  const topics = [...new Set([...ends.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))];
  for (const topic of topics) {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    for (const [k, end] of ends) {
      if (!k.startsWith(`${topic}:`) || end === 0) continue;
      if ((done.get(Number(k.slice(k.lastIndexOf(':') + 1))) ?? -1) < end) return false;
    }
  }
  return true;
}

/** The service config of a bench: bench broker, own group and client, quiet logs, ephemeral ops port. */
export function benchServiceConfig(brokers: string[], name: string, overrides: DeepPartial<DriftwatchConfig> = {}): Readonly<DriftwatchConfig> {
  const { kafka, ...rest } = overrides;
  return loadConfig({
    env: {},
    overrides: {
      log: { level: 'warn' },
      ops: { port: 0 },
      shutdownTimeoutMs: 60_000,
      ...rest,
      kafka: { brokers, clientId: name, groupId: name, fetchMaxWaitMs: 100, ...kafka },
    },
  });
}

/** Warnings and errors of the service on stderr (a bench prints its table on stdout). */
export function benchLogger(): pino.Logger {
  return pino({ level: 'warn' }, pino.destination(2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** `BENCH_<NAME>` from the environment as a positive integer, else the full-size default. */
export function benchSize(name: string, fullSize: number): number {
  const text = process.env[`BENCH_${name}`];
  const n = text === undefined ? NaN : Number(text);
  return Number.isInteger(n) && n > 0 ? n : fullSize;
}
