import { LocalKafka } from '../../src/local/local-kafka';
import { LocalRedis } from '../../src/local/local-redis';

/**
 * Starts one real Kafka broker and one real Redis for the whole integration run, unless
 * KAFKA_BROKERS / REDIS_URL point at existing ones. Test files read the addresses from the
 * environment (workers inherit it) through test/harness/env.ts.
 */
export default async function globalSetup(): Promise<void> {
  const state: { kafka?: LocalKafka; redis?: LocalRedis } = {};
  (globalThis as { __driftwatchHarness?: typeof state }).__driftwatchHarness = state;

  if (process.env.KAFKA_BROKERS) {
    process.env.DRIFTWATCH_TEST_KAFKA_BROKERS = process.env.KAFKA_BROKERS;
    process.env.DRIFTWATCH_TEST_KAFKA_ORIGIN = 'external';
  } else {
    state.kafka = new LocalKafka();
    const ms = await state.kafka.start();
    process.env.DRIFTWATCH_TEST_KAFKA_BROKERS = state.kafka.brokers.join(',');
    process.env.DRIFTWATCH_TEST_KAFKA_ORIGIN = 'local';
    process.env.DRIFTWATCH_TEST_KAFKA_LOG = state.kafka.logFile;
    process.stdout.write(`\n[harness] local Kafka broker (KRaft, started by the project) ready on ${process.env.DRIFTWATCH_TEST_KAFKA_BROKERS} in ${ms} ms\n`);
  }

  if (process.env.REDIS_URL) {
    process.env.DRIFTWATCH_TEST_REDIS_URL = process.env.REDIS_URL;
  } else {
    state.redis = new LocalRedis();
    const ms = await state.redis.start();
    process.env.DRIFTWATCH_TEST_REDIS_URL = state.redis.url;
    process.stdout.write(`[harness] local redis-server ready on ${state.redis.url} in ${ms} ms\n`);
  }
}
