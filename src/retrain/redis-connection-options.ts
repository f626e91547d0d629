import { readPem } from '../config/read-pem';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { RedisOptions } from 'bullmq';
import { DriftwatchError } from '../../detectors/errors';
import type { DriftwatchConfig } from '../config/config-types';

/**
 * Who the connection is for. The two roles need opposite ioredis settings (see
 * {@link redisConnectionOptions}).
 */
export type RedisRole = 'producer' | 'worker';

/**
 * ioredis options from the `redis` section of the config: `redis.url` (`redis://` or `rediss://`),
 * `redis.password` and `redis.tls`. Used by the retraining queue (producer), the outbox relay
 * (through the queue) and the retrain worker.
 *
 * Security:
 * - Password: `redis.password` wins over a password in the URL (so the URL can stay free of
 *   secrets); a user name comes only from the URL (Redis ACL users, `redis://user@host`).
 * - TLS: on when the URL is `rediss://` or `redis.tls` is set (`true` = system CAs, or an object
 *   `{ ca, cert, key, rejectUnauthorized }` whose values are PEM text or file paths). A hostname is
 *   checked against the server certificate (SNI); an IP address is checked against the
 *   certificate's IP SANs (node refuses an IP as SNI name).
 *
 * Connection behaviour:
 * - `maxRetriesPerRequest`: `null` for the worker (BullMQ requires it for the blocking
 *   connection: BZPOPMIN must not be failed by ioredis after N reconnects). `1` for the producer:
 *   a command in flight when Redis goes away fails after one reconnect attempt instead of hanging
 *   until Redis is back; the outbox relay retries the delivery, which is idempotent (job id =
 *   incident id).
 * - `enableOfflineQueue: false` for the producer: while Redis is down a new command fails at once
 *   ("Stream isn't writeable") instead of waiting in ioredis' unbounded offline queue. The durable
 *   buffer is the outbox topic in Kafka; nothing waits on Redis in memory.
 * - `enableOfflineQueue: true` for the worker: a worker has nothing better to do than wait for
 *   Redis, and BullMQ's worker loop expects its commands to be queued across a reconnect.
 * - `retryStrategy`: reconnect every 200 ms … 2 s, so delivery resumes within about two seconds of
 *   Redis coming back.
 *
 * @throws DriftwatchError `DRIFTWATCH_RETRAIN_REDIS_URL_INVALID` (not a redis URL) or
 * `DRIFTWATCH_RETRAIN_REDIS_TLS_FILE_UNREADABLE` (a TLS option names a file that cannot be read).
 */
export function redisConnectionOptions(redis: Readonly<DriftwatchConfig['redis']>, role: RedisRole): RedisOptions {
  const url = redis.url;
  if (url === undefined) {
    throw new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_MISSING', 'retraining needs redis.url (or DRIFTWATCH_REDIS_URL)');
  }
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
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  const options: RedisOptions = {
    host,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    db,
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    retryStrategy: (times: number) => Math.min(200 * times, 2_000),
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  if (redis.password !== undefined) options.password = redis.password;
  const tls = redisTlsOptions(redis.tls, parsed.protocol === 'rediss:', host);
  if (tls !== undefined) options.tls = tls;
  return options;
}

/** node TLS options for ioredis, or undefined for a plain connection. */
function redisTlsOptions(tls: DriftwatchConfig['redis']['tls'], rediss: boolean, host: string): ConnectionOptions | undefined {
  if (tls === undefined || tls === false) {
    if (!rediss) return undefined;
    tls = true;
  }
  // SNI must be a host name; for an IP, node checks the certificate's IP SANs against the address.
  const options: ConnectionOptions = isIP(host) === 0 ? { servername: host } : {};
  if (tls === true) return options;
  const ca = pem(tls.ca, 'ca');
  const cert = pem(tls.cert, 'cert');
  const key = pem(tls.key, 'key');
  if (ca !== undefined) options.ca = [ca];
  if (cert !== undefined) options.cert = cert;
  if (key !== undefined) options.key = key;
  if (tls.rejectUnauthorized !== undefined) options.rejectUnauthorized = tls.rejectUnauthorized;
  return options;
}

const pem = (value: string | undefined, option: string): string | undefined => readPem(value, `redis.tls.${option}`, 'DRIFTWATCH_RETRAIN_REDIS_TLS_FILE_UNREADABLE');
