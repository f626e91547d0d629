import { DriftwatchError } from '../../detectors/errors';

/** What a Redis connection failure means for the operator. */
export type RedisFailure = 'auth' | 'tls' | 'unreachable';

/** node's certificate verification codes (tls.TLSSocket authorizationError and friends). */
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/** Classifies an ioredis / BullMQ error. */
export function redisFailure(error: unknown): RedisFailure {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : '';
  // WRONGPASS: wrong password or user; NOAUTH: the server needs a password and got none;
  // "ERR AUTH <password> called without any password configured": a password for a server without one.
  if (/^(WRONGPASS|NOAUTH|ERR AUTH|ERR invalid password)/.test(message) || /without any password configured/.test(message)) return 'auth';
  if ((typeof e.code === 'string' && TLS_CODES.test(e.code)) || /certificate|SSL routines|TLS/i.test(message)) return 'tls';
  return 'unreachable';
}

/**
 * A coded, secret-free error for a Redis connection failure. ioredis' own errors must never be
 * logged as they are: a failed AUTH carries `command.args` = [password]. This keeps only the message
 * and the socket error code.
 */
export function redisConnectionError(error: unknown, where: string): DriftwatchError {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : undefined;
  const details = { where, ...(code === undefined ? {} : { cause_code: code }) };
  switch (redisFailure(error)) {
    case 'auth':
      return new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_AUTH_FAILED', `${where}: Redis refused the credentials (${message}); check redis.password or the user/password in redis.url`, { retryable: true, details });
    case 'tls':
      return new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_TLS_FAILED', `${where}: TLS to Redis failed (${message}); check redis.tls.ca (the CA that signed the server certificate) and the host name in redis.url`, { retryable: true, details });
    case 'unreachable':
      return new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_UNREACHABLE', `${where}: Redis is unreachable (${message})`, { retryable: true, details });
  }
}

/** The fields to log for a Redis error: code and message only (never the ioredis error object). */
export function redisErrorFields(error: DriftwatchError): { code: string; err: { message: string } } {
  return { code: error.code, err: { message: error.message } };
}
