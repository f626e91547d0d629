import { randomBytes } from 'node:crypto';
import { Admin, ITopicConfig, Kafka, logLevel, type Producer } from 'kafkajs';

/** Broker addresses of the harness's Kafka (see global-setup.ts). */
export function testBrokers(): string[] {
  const brokers = process.env.DRIFTWATCH_TEST_KAFKA_BROKERS;
  if (!brokers) throw new Error('DRIFTWATCH_TEST_KAFKA_BROKERS is not set: run integration tests through jest (global setup)');
  return brokers.split(',');
}

/** URL of the harness's Redis. */
export function testRedisUrl(): string {
  const url = process.env.DRIFTWATCH_TEST_REDIS_URL;
  if (!url) throw new Error('DRIFTWATCH_TEST_REDIS_URL is not set: run integration tests through jest (global setup)');
  return url;
}

/** ioredis options for the harness's Redis; `maxRetriesPerRequest: null` is what BullMQ workers require. */
export function testRedisConnection(): { host: string; port: number; maxRetriesPerRequest: null } {
  const url = new URL(testRedisUrl());
  return { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
}

/** A name no other test (or earlier run against the same broker) uses: topics, groups, queues. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A kafkajs client for tests, quiet unless DEBUG_KAFKAJS is set. */
export function testKafka(clientId = uniqueName('test-client')): Kafka {
  return new Kafka({ clientId, brokers: testBrokers(), logLevel: process.env.DEBUG_KAFKAJS ? logLevel.INFO : logLevel.NOTHING });
}

export interface KafkaClients {
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
}

/**
 * A test file's Kafka client, admin and producer on the harness broker: connected before its tests
 * (then handed to `use`), disconnected after them.
 */
export function useKafkaClients(use: (clients: KafkaClients) => void): void {
  let clients: KafkaClients | undefined;
  beforeAll(async () => {
    const kafka = testKafka();
    clients = { kafka, admin: kafka.admin(), producer: kafka.producer({ allowAutoTopicCreation: false }) };
    await Promise.all([clients.admin.connect(), clients.producer.connect()]);
    use(clients);
  });
  afterAll(async () => {
    if (clients) await Promise.all([clients.producer.disconnect(), clients.admin.disconnect()]);
  });
}

/** Creates topics and waits for their leaders: consumers must never subscribe to a missing topic. */
export async function createTopics(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  const created = await admin.createTopics({ topics, waitForLeaders: true });
  if (!created) throw new Error(`topics already existed: ${topics.map((t) => t.topic).join(', ')}`);
}

/** Resolves once `condition()` holds, polling every `everyMs`; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
