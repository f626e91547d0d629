import type { RedisOptions } from 'bullmq';
import { DriftwatchError } from '../../detectors/errors';

/**
 * Who the connection is for. The two roles need opposite ioredis settings (see
 * {@link redisConnectionOptions}).
 */
export type RedisRole = 'producer' | 'worker';

/**
 * ioredis options for BullMQ from a `redis://` / `rediss://` URL.
 *
 * We hand BullMQ these options, never a shared client instance: BullMQ then creates, duplicates
 * (a worker needs a second, blocking connection) and closes its connections itself, so
 * `queue.close()` / `worker.close()` leave nothing open.
 *
 * - `maxRetriesPerRequest: null` for both roles. BullMQ requires it for the worker's blocking
 *   connection (BZPOPMIN must not be failed by ioredis after N reconnects). For the producer it
 *   means a command that was in flight when Redis went away is resent after the reconnect instead
 *   of failing: the only such command is a delivery from the outbox, which stays in the outbox until
 *   it resolves, and a resent add is idempotent (job id = incident id).
 * - `enableOfflineQueue: false` for the producer: while Redis is down a new command fails at once
 *   ("Stream isn't writeable") instead of waiting in ioredis' unbounded offline queue. Our own
 *   bounded outbox is then the only buffer (its size is a metric, its bound is enforced), and the
 *   alert path never waits on Redis.
 * - `enableOfflineQueue: true` for the worker: a worker has nothing better to do than wait for
 *   Redis, and BullMQ's worker loop expects its commands to be queued across a reconnect.
 * - `retryStrategy`: reconnect every 200 ms … 2 s, so buffered triggers go out within about two
 *   seconds of Redis coming back.
 */
export function redisConnectionOptions(url: string, role: RedisRole): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_URL_INVALID', `redis.url is not a URL: expected redis://[user:password@]host[:port][/db] or rediss://…`, { cause });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_URL_INVALID', `redis.url must start with redis:// or rediss://, got ${parsed.protocol}//`);
  }
  const dbText = parsed.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_URL_INVALID', `the database in redis.url must be a non-negative integer, got "${dbText}"`);
  }
  const options: RedisOptions = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db,
    maxRetriesPerRequest: null,
    enableOfflineQueue: role === 'worker',
    retryStrategy: (times: number) => Math.min(200 * times, 2_000),
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') options.tls = { servername: options.host };
  return options;
}
