import type { DriftwatchConfig } from './config-types';

/** What a secret is replaced with wherever a config is printed or logged. */
export const REDACTED = '[redacted]';

/** Options whose whole value is a secret. */
export const SECRET_PATHS: readonly string[] = ['kafka.sasl.password', 'kafka.ssl.key', 'redis.password', 'redis.tls.key', 'ops.token'];

/** URL options that may carry credentials (`user:password@`, `?password=`/`?token=`). */
export const URL_SECRET_PATHS: readonly string[] = ['redis.url', 'retrain.webhook'];

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^:@/?#]*):([^@/?#]*)@/i;
const SECRET_QUERY = /([?&](?:password|pass|pwd|token|access_token|secret|api_key|apikey)=)[^&#]*/gi;

/** The URL with the password of its user info and secret-looking query parameters replaced. */
export function redactUrl(url: string): string {
  return url.replace(USERINFO, `$1$2:${REDACTED}@`).replace(SECRET_QUERY, `$1${REDACTED}`);
}

function get(obj: unknown, segments: readonly string[]): unknown {
  let cur = obj;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[s];
  }
  return cur;
}

function set(obj: Record<string, unknown>, segments: readonly string[], value: unknown): void {
  let cur: Record<string, unknown> = obj;
  for (const s of segments.slice(0, -1)) {
    const next = cur[s];
    if (next === null || typeof next !== 'object') return;
    cur = next as Record<string, unknown>;
  }
  cur[segments[segments.length - 1]!] = value;
}

/**
 * A deep copy of the config with every secret replaced by "[redacted]": the SASL password, the TLS
 * private key, the ops bearer token, and passwords inside the Redis and webhook URLs. Use it for
 * anything printed or logged (`driftwatch validate-config`, start-up logs).
 */
export function redactConfig<T extends DriftwatchConfig | Readonly<DriftwatchConfig>>(config: T): DriftwatchConfig {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const path of SECRET_PATHS) {
    const segments = path.split('.');
    if (typeof get(copy, segments) === 'string') set(copy, segments, REDACTED);
  }
  for (const path of URL_SECRET_PATHS) {
    const segments = path.split('.');
    const value = get(copy, segments);
    if (typeof value === 'string') set(copy, segments, redactUrl(value));
  }
  return copy as unknown as DriftwatchConfig;
}

/** Whether a dotted option path (or a path below it) holds a secret, so error messages never echo it. */
export function isSecretPath(path: string): boolean {
  return SECRET_PATHS.some((p) => path === p || path.startsWith(p + '.'));
}
