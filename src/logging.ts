import pino, { type DestinationStream, type Logger } from 'pino';
import type { DriftwatchConfig } from './config/config-types';
import { REDACTED, redactConfig } from './config/redact-config';

export type { Logger } from 'pino';

/**
 * Logging: pino, one JSON object per line on stdout, a child logger per component
 * (`{"component":"kafka-consumer",...}`).
 *
 * Secrets never reach the output, by two independent means:
 * - a `config` field is serialised through redactConfig (SASL password, TLS key, ops token, URL
 *   passwords), so `log.info({ config }, 'starting')` is safe;
 * - static redaction paths (pino `redact`, compiled once) censor fields named like secrets at the
 *   depths our code logs them: `password`, `token`, `authorization`, `ssl.key`, `sasl`
 *   credentials and Redis URLs, at the top level and up to three levels down.
 */

const SECRET_KEYS = ['password', 'token', 'authorization', 'secret', 'ssl.key', 'sasl.password', 'redis.url', 'redisUrl'];

/** The static redaction paths (exported for the test and for anyone building another pino logger). */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]).concat([
  'headers.authorization',
  'req.headers.authorization',
]);

export interface LoggerOptions {
  /** Where the JSON lines go; default stdout (synchronous writes, so nothing is lost on exit). */
  destination?: DestinationStream;
}

function rootOptions(level: DriftwatchConfig['log']['level']): pino.LoggerOptions {
  return {
    level,
    base: { service: 'driftwatch', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    serializers: {
      config: (c: unknown) =>
        c !== null && typeof c === 'object' && 'kafka' in c ? redactConfig(c as DriftwatchConfig) : c,
      err: pino.stdSerializers.err,
      error: pino.stdSerializers.err,
    },
    formatters: { level: (label) => ({ level: label }) },
  };
}

/** One root logger per config object (and level), shared by its components. */
const roots = new WeakMap<object, Logger>();

/** A root logger for a config, writing to stdout unless a destination is given (tests). */
export function createRootLogger(config: Readonly<Pick<DriftwatchConfig, 'log'>>, options: LoggerOptions = {}): Logger {
  if (options.destination) return pino(rootOptions(config.log.level), options.destination);
  let root = roots.get(config);
  if (!root) {
    root = pino(rootOptions(config.log.level), pino.destination({ dest: 1, sync: true }));
    roots.set(config, root);
  }
  return root;
}

/**
 * A child logger for one component of the service.
 *
 * @example
 * ```ts
 * const log = createLogger(config, 'kafka-consumer');
 * log.info({ topic: 'inference.inputs', partitions: 3 }, 'assigned');
 * // {"level":"info","time":"…","service":"driftwatch","pid":123,"component":"kafka-consumer","topic":…,"msg":"assigned"}
 * ```
 */
export function createLogger(config: Readonly<Pick<DriftwatchConfig, 'log'>>, component: string, options: LoggerOptions = {}): Logger {
  return createRootLogger(config, options).child({ component });
}
