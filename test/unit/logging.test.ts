import type { DestinationStream } from 'pino';
import { DriftwatchError } from '../../detectors/errors';
import { loadConfig } from '../../src/config/load-config';
import { createLogger, createRootLogger } from '../../src/logging';

/** A pino destination that keeps every line it is given. */
function capture(): DestinationStream & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

const secrets = {
  sasl: 'sasl-password-8c1f',
  sslKey: '-----BEGIN PRIVATE KEY-----MIIE9a77',
  opsToken: 'ops-token-5d2e',
  redisPassword: 'redis-pass-0b3c',
  webhookPassword: 'hook-pass-77aa',
};

const config = loadConfig({
  env: {},
  overrides: {
    log: { level: 'debug' },
    kafka: { sasl: { mechanism: 'scram-sha-256', username: 'dw', password: secrets.sasl }, ssl: { key: secrets.sslKey } },
    ops: { token: secrets.opsToken },
    redis: { url: `redis://default:${secrets.redisPassword}@127.0.0.1:6379` },
    retrain: { webhook: `https://bot:${secrets.webhookPassword}@ci.example.com/retrain` },
  },
});

describe('createLogger', () => {
  it('writes one JSON object per line with the component, level label and message', () => {
    const out = capture();
    const log = createLogger(config, 'kafka-consumer', { destination: out });
    log.info({ partitions: 3 }, 'assigned');
    log.debug('details');
    log.trace('not at debug level');
    expect(out.lines).toHaveLength(2);
    const first = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ level: 'info', component: 'kafka-consumer', service: 'driftwatch', partitions: 3, msg: 'assigned' });
    expect(typeof first.time).toBe('string');
    expect(JSON.parse(out.lines[1]!)).toMatchObject({ level: 'debug', msg: 'details' });
  });

  it('never writes a secret, however the config or its parts are logged', () => {
    const out = capture();
    const root = createRootLogger(config, { destination: out });
    const log = root.child({ component: 'service' });
    log.info({ config }, 'starting');
    log.info({ kafka: config.kafka }, 'kafka options');
    log.info({ sasl: config.kafka.sasl, ssl: config.kafka.ssl }, 'security');
    log.info({ options: { redis: config.redis, ops: config.ops } }, 'nested two levels');
    log.info({ a: { b: { c: { password: secrets.sasl, token: secrets.opsToken } } } }, 'three levels');
    log.info({ password: secrets.sasl, token: secrets.opsToken, authorization: `Bearer ${secrets.opsToken}` }, 'top level');
    log.info({ req: { headers: { authorization: `Bearer ${secrets.opsToken}` } } }, 'request');
    log.child({ component: 'retrain' }).warn({ redis: { url: config.redis.url } }, 'redis down');
    const text = out.lines.join('');
    expect(out.lines).toHaveLength(8);
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    // Everything that is not a secret is still there.
    const starting = JSON.parse(out.lines[0]!) as { config: { kafka: { sasl: { username: string }; brokers: string[] }; redis: { url: string } } };
    expect(starting.config.kafka.sasl.username).toBe('dw');
    expect(starting.config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    // Redis URLs are censored whole by the static paths (the host is in the config file anyway).
    expect(starting.config.redis.url).toBe('[redacted]');
  });

  it('serialises coded errors with their code and details', () => {
    const out = capture();
    const log = createLogger(config, 'x', { destination: out });
    log.error({ err: new DriftwatchError('DRIFTWATCH_CONFIG_INVALID', 'bad', { details: { path: 'windows.size' } }) }, 'failed');
    const line = JSON.parse(out.lines[0]!) as { err: { code: string; message: string; details: unknown } };
    expect(line.err.code).toBe('DRIFTWATCH_CONFIG_INVALID');
    expect(line.err.message).toBe('bad');
    expect(line.err.details).toEqual({ path: 'windows.size' });
  });

  it('shares one stdout root logger per config and honours its level', () => {
    const a = createLogger(config, 'a');
    const b = createLogger(config, 'b');
    expect(a.level).toBe('debug');
    expect(createRootLogger(config)).toBe(createRootLogger(config));
    expect(a).not.toBe(b);
    const quiet = createLogger(loadConfig({ env: {}, overrides: { log: { level: 'silent' } } }), 'q');
    expect(quiet.isLevelEnabled('fatal')).toBe(false);
  });
});
