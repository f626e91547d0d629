import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDriftwatchError } from '../../detectors/errors';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { loadConfig } from '../../src/config/load-config';
import { redisConnectionOptions } from '../../src/retrain/redis-connection-options';
import { redisConnectionError, redisFailure } from '../../src/retrain/redis-errors';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function redis(r: Partial<DriftwatchConfig['redis']>): DriftwatchConfig['redis'] {
  return { url: 'redis://127.0.0.1:6379', ...r };
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDriftwatchError(e) ? e.code : `not coded: ${String(e)}`;
  }
  return undefined;
}

describe('redis connection options', () => {
  it('reads host, port, db, user and password from the URL', () => {
    const o = redisConnectionOptions(redis({ url: 'redis://alice:p%40ss@cache.internal:6380/2' }), 'producer');
    expect(o).toMatchObject({ host: 'cache.internal', port: 6380, db: 2, username: 'alice', password: 'p@ss' });
    expect(o.tls).toBeUndefined();
  });

  it('redis.password wins over a password in the URL', () => {
    expect(redisConnectionOptions(redis({ url: 'redis://:old@h:1', password: 'new' }), 'worker').password).toBe('new');
    expect(redisConnectionOptions(redis({ password: 'only' }), 'worker').password).toBe('only');
  });

  it('producer fails fast while disconnected; the worker waits (BullMQ needs maxRetriesPerRequest null)', () => {
    expect(redisConnectionOptions(redis({}), 'producer')).toMatchObject({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    expect(redisConnectionOptions(redis({}), 'worker')).toMatchObject({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  });

  it('rediss:// and redis.tls: true turn TLS on; SNI only for host names', () => {
    expect(redisConnectionOptions(redis({ url: 'rediss://cache.internal:6380' }), 'producer').tls).toEqual({ servername: 'cache.internal' });
    expect(redisConnectionOptions(redis({ url: 'rediss://127.0.0.1:6380' }), 'producer').tls).toEqual({});
    expect(redisConnectionOptions(redis({ tls: true }), 'producer').tls).toEqual({});
    // rediss:// implies TLS even with tls: false.
    expect(redisConnectionOptions(redis({ url: 'rediss://h:1', tls: false }), 'producer').tls).toEqual({ servername: 'h' });
  });

  it('redis.tls object: PEM text as is, file paths read, rejectUnauthorized passed on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftwatch-redis-opts-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), PEM);
      const o = redisConnectionOptions(redis({ tls: { ca: join(dir, 'ca.pem'), cert: PEM, key: PEM.replace(/CERTIFICATE/g, 'PRIVATE KEY'), rejectUnauthorized: false } }), 'producer');
      expect(o.tls).toEqual({ ca: [PEM], cert: PEM, key: PEM.replace(/CERTIFICATE/g, 'PRIVATE KEY'), rejectUnauthorized: false });
      // Relative paths in a config file resolve against the file's folder.
      writeFileSync(join(dir, 'driftwatch.yaml'), 'redis:\n  url: rediss://127.0.0.1:6380\n  tls:\n    ca: ca.pem\n');
      const config = loadConfig({ file: join(dir, 'driftwatch.yaml'), env: {} });
      expect(config.redis.tls).toEqual({ ca: join(dir, 'ca.pem') });
      expect(redisConnectionOptions(config.redis, 'producer').tls).toEqual({ ca: [PEM] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('coded errors: bad URL, unreadable TLS file (naming the option, not the content)', () => {
    expect(codeOf(() => redisConnectionOptions(redis({ url: 'http://h' }), 'producer'))).toBe('DRIFTWATCH_RETRAIN_REDIS_URL_INVALID');
    expect(codeOf(() => redisConnectionOptions(redis({ url: 'redis://h/x' }), 'producer'))).toBe('DRIFTWATCH_RETRAIN_REDIS_URL_INVALID');
    expect(codeOf(() => redisConnectionOptions({}, 'producer'))).toBe('DRIFTWATCH_RETRAIN_REDIS_MISSING');
    let message = '';
    try {
      redisConnectionOptions(redis({ tls: { key: '/nonexistent/driftwatch/client.key' } }), 'producer');
    } catch (e) {
      expect(isDriftwatchError(e, 'DRIFTWATCH_RETRAIN_REDIS_TLS_FILE_UNREADABLE')).toBe(true);
      message = (e as Error).message;
    }
    expect(message).toContain('redis.tls.key');
  });
});

describe('redis connection errors', () => {
  // The shapes ioredis produces against a real redis-server (see test/integration/retrain-redis-security.test.ts).
  const wrongPass = Object.assign(new Error('WRONGPASS invalid username-password pair or user is disabled.'), { command: { name: 'auth', args: ['hunter2'] } });
  const noAuth = new Error('NOAUTH Authentication required.');
  const untrusted = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

  it('classifies auth, TLS and connectivity failures', () => {
    expect([wrongPass, noAuth, untrusted, refused].map(redisFailure)).toEqual(['auth', 'auth', 'tls', 'unreachable']);
    expect(redisConnectionError(wrongPass, 'x').code).toBe('DRIFTWATCH_RETRAIN_REDIS_AUTH_FAILED');
    expect(redisConnectionError(untrusted, 'x').code).toBe('DRIFTWATCH_RETRAIN_REDIS_TLS_FAILED');
    expect(redisConnectionError(refused, 'x').code).toBe('DRIFTWATCH_RETRAIN_REDIS_UNREACHABLE');
  });

  it('never carries the password of a failed AUTH (ioredis puts it in command.args)', () => {
    const e = redisConnectionError(wrongPass, 'retrain queue');
    expect(JSON.stringify(e)).not.toContain('hunter2');
    expect(e.message).toContain('WRONGPASS');
  });
});
