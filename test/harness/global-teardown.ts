import type { LocalKafka } from '../../src/local/local-kafka';
import type { LocalRedis } from '../../src/local/local-redis';

/** Stops what global-setup started (global setup and teardown share one process). */
export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __driftwatchHarness?: { kafka?: LocalKafka; redis?: LocalRedis } }).__driftwatchHarness;
  await Promise.all([state?.kafka?.stop(), state?.redis?.stop()]);
}
