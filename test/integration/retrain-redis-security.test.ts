import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import type { RetrainTrigger } from '../../src/alerts/alert-types';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { type DeepPartial, loadConfig } from '../../src/config/load-config';
import { LocalRedis } from '../../src/local/local-redis';
import { createLogger } from '../../src/logging';
import { RetrainOutboxRelay } from '../../src/retrain/retrain-outbox-relay';
import { RetrainQueue } from '../../src/retrain/retrain-queue';
import { startRetrainWorker } from '../../workers/retrain-worker';
import { createTopics, testBrokers, testKafka, uniqueName, waitFor } from '../harness/env';
import { makeTestCertificates, type TestCertificates } from '../harness/test-certificates';
import { outboxMessage } from '../../src/retrain/retrain-outbox';

jest.setTimeout(120_000);

/**
 * redis.password and redis.tls against REAL redis-servers of this file's own: one with requirepass
 * on a plain port, one with requirepass and TLS only (server certificate for IP 127.0.0.1 from a
 * CA made here), one with mutual TLS (client certificate required). Every client under test is the
 * project's RetrainQueue / retrain worker / outbox relay built from a loadConfig() config, logging
 * through the project's pino logger into a captured stream that is grepped for the secrets.
 */

const PASSWORD = 'redis-secret-8c1f2e';
const WRONG_PASSWORD = 'wrong-secret-55d0a7';

let dir = '';
let certs: TestCertificates;
let plain: LocalRedis;
let tls: LocalRedis;
let mutual: LocalRedis;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'driftwatch-redis-security-'));
  certs = makeTestCertificates(dir);
  plain = new LocalRedis({ password: PASSWORD });
  tls = new LocalRedis({ password: PASSWORD, tls: { certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.ca } });
  mutual = new LocalRedis({ tls: { certFile: certs.serverCert, keyFile: certs.serverKey, caFile: certs.ca, authClients: true } });
  await Promise.all([plain.start(), tls.start(), mutual.start()]);
});

afterAll(async () => {
  await Promise.all([plain?.stop(), tls?.stop(), mutual?.stop()]);
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** A pino destination that keeps every line it is given. */
function capture(): DestinationStream & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

function configFor(redis: DeepPartial<DriftwatchConfig['redis']>, retrain: DeepPartial<DriftwatchConfig['retrain']> = {}): Readonly<DriftwatchConfig> {
  return loadConfig({ env: {}, overrides: { log: { level: 'debug' }, redis, retrain: { queue: uniqueName('secure-queue'), minIntervalMs: 0, ...retrain } } });
}

function trigger(model = 'asr-en'): RetrainTrigger {
  const id = uniqueName('x').replace(/[^0-9a-f]/g, '').slice(-10) + Math.random().toString(16).slice(2, 10);
  return { job_id: id, model_id: model, model_version: '1', alerts: [], data_range: { start: 0, end: 1, sources: [] } };
}

/** Connects a queue as the service does, delivers one trigger; returns the outcome (or the error) and the log lines. */
async function deliverOnce(config: Readonly<DriftwatchConfig>, connectMs = 3_000): Promise<{ outcome?: string; error?: { code?: string; message: string }; lines: string[] }> {
  const out = capture();
  const logger = createLogger(config, 'retrain', { destination: out });
  logger.info({ config }, 'starting');
  const queue = new RetrainQueue(config, { logger });
  try {
    await queue.connected(connectMs);
    return { outcome: await queue.deliver(trigger()), lines: out.lines };
  } catch (e) {
    return { error: e as { code?: string; message: string }, lines: out.lines };
  } finally {
    await queue.close();
  }
}

function expectNoSecret(lines: string[], ...secrets: string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(lines.join('')).not.toContain(secret);
}

describe('Redis password (requirepass)', () => {
  it('the right password (redis.password) works, and is not logged', async () => {
    const r = await deliverOnce(configFor({ url: plain.url, password: PASSWORD }));
    expect(r.error).toBeUndefined();
    expect(r.outcome).toBe('enqueued');
    expectNoSecret(r.lines, PASSWORD);
  });

  it('a password in the URL works too, and is redacted', async () => {
    const url = plain.url.replace('redis://', `redis://:${PASSWORD}@`);
    const r = await deliverOnce(configFor({ url }));
    expect(r.outcome).toBe('enqueued');
    expectNoSecret(r.lines, PASSWORD);
  });

  it.each([
    ['a wrong password', { password: WRONG_PASSWORD }, /WRONGPASS/],
    ['no password', {}, /NOAUTH/],
  ])('%s → DRIFTWATCH_RETRAIN_REDIS_AUTH_FAILED, logged once with the code, no password in the logs', async (_what, extra, reason) => {
    const r = await deliverOnce(configFor({ url: plain.url, ...extra }));
    expect(r.error?.code).toBe('DRIFTWATCH_RETRAIN_REDIS_AUTH_FAILED');
    expect(r.error?.message).toMatch(reason);
    const coded = r.lines.filter((l) => l.includes('DRIFTWATCH_RETRAIN_REDIS_AUTH_FAILED'));
    expect(coded).toHaveLength(1);
    expectNoSecret(r.lines, WRONG_PASSWORD, PASSWORD);
  });

  it('the outbox relay with a wrong password holds the trigger, logs the auth failure once (no password), and delivers after the fix', async () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const topic = uniqueName('secure-outbox');
    await createTopics(admin, [{ topic, numPartitions: 1 }]);
    const groupId = uniqueName('secure-relay');
    const base = { kafka: { brokers: testBrokers(), groupId, topics: { retrainOutbox: topic } } };
    const queueName = uniqueName('secure-queue');
    const wrong = loadConfig({ env: {}, overrides: { ...base, log: { level: 'debug' }, redis: { url: plain.url, password: WRONG_PASSWORD }, retrain: { queue: queueName } } });
    const out = capture();
    const logger = createLogger(wrong, 'retrain', { destination: out });
    const producer = kafka.producer();
    await producer.connect();
    const t = trigger();
    await producer.send({ topic, messages: [outboxMessage(t)] });
    let queue = new RetrainQueue(wrong, { logger });
    let relay = new RetrainOutboxRelay(kafka, wrong, { logger, queue, retryMaxMs: 300 });
    try {
      await relay.start();
      await waitFor(() => relay.stats().failedAttempts >= 5, 60_000, 'failed attempts with the wrong password');
      expect(relay.stats()).toMatchObject({ delivered: 0, blocked: true });
      const relayWarnings = out.lines.filter((l) => l.includes('outbox relay') && l.includes('"level":"warn"'));
      expect(relayWarnings).toHaveLength(1);
      expect(relayWarnings[0]).toContain('DRIFTWATCH_RETRAIN_REDIS_AUTH_FAILED');
      expectNoSecret(out.lines, WRONG_PASSWORD, PASSWORD);
      await relay.stop();
      await queue.close();

      // The operator fixes the password: the held trigger is delivered (nothing was skipped).
      const right = loadConfig({ env: {}, overrides: { ...base, redis: { url: plain.url, password: PASSWORD }, retrain: { queue: queueName } } });
      queue = new RetrainQueue(right, { logger });
      relay = new RetrainOutboxRelay(kafka, right, { logger, queue });
      await relay.start();
      await waitFor(() => relay.stats().delivered === 1, 60_000, 'the held trigger');
      expect(relay.stats().enqueued).toBe(1);
    } finally {
      await relay.stop();
      await queue.close();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});

describe('Redis TLS', () => {
  it('rediss:// with the test CA (file path) and the password: the queue delivers and the worker runs the job', async () => {
    const config = configFor({ url: tls.url, password: PASSWORD, tls: { ca: certs.ca } }, { command: `${JSON.stringify(process.execPath)} -e "process.stdin.resume()"` });
    const r = await deliverOnce(config);
    expect(r.error).toBeUndefined();
    expect(r.outcome).toBe('enqueued');
    expectNoSecret(r.lines, PASSWORD);
    const worker = startRetrainWorker(config, { logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    let done = 0;
    worker.worker.on('completed', () => done++);
    try {
      await worker.ready();
      await waitFor(() => done === 1, 60_000, 'the worker (over TLS) to run the job');
    } finally {
      await worker.close();
    }
  });

  it('redis.tls with PEM text and redis:// (TLS from the option, not the URL) works', async () => {
    const r = await deliverOnce(configFor({ url: tls.url.replace('rediss://', 'redis://'), password: PASSWORD, tls: { ca: readFileSync(certs.ca, 'utf8') } }));
    expect(r.outcome).toBe('enqueued');
  });

  it('a server certificate from an untrusted CA → DRIFTWATCH_RETRAIN_REDIS_TLS_FAILED, logged once', async () => {
    const r = await deliverOnce(configFor({ url: tls.url, password: PASSWORD, tls: { ca: certs.rogueCa } }));
    expect(r.error?.code).toBe('DRIFTWATCH_RETRAIN_REDIS_TLS_FAILED');
    expect(r.error?.message).toMatch(/certificate/);
    expect(r.lines.filter((l) => l.includes('DRIFTWATCH_RETRAIN_REDIS_TLS_FAILED'))).toHaveLength(1);
    expectNoSecret(r.lines, PASSWORD);
  });

  it('without TLS against the TLS-only port: not connected, coded', async () => {
    const r = await deliverOnce(configFor({ url: tls.url.replace('rediss://', 'redis://'), password: PASSWORD }), 1_500);
    expect(r.error?.code).toMatch(/^DRIFTWATCH_RETRAIN_REDIS_(UNREACHABLE|TLS_FAILED)$/);
  });

  it('mutual TLS: the client certificate and key (files) are accepted, the key is never logged; without them the server refuses', async () => {
    const ok = await deliverOnce(configFor({ url: mutual.url, tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } }));
    expect(ok.error).toBeUndefined();
    expect(ok.outcome).toBe('enqueued');
    const keyPem = readFileSync(certs.clientKey, 'utf8');
    const inline = await deliverOnce(configFor({ url: mutual.url, tls: { ca: certs.ca, cert: readFileSync(certs.clientCert, 'utf8'), key: keyPem } }));
    expect(inline.outcome).toBe('enqueued');
    expectNoSecret(inline.lines, certs.clientKeyFragment);
    // With TLS 1.3 the server refuses a missing client certificate AFTER the client's handshake has
    // completed; which the client sees first — the TLS alert or the closed socket — is a race, so the
    // second case reads as "unreachable". A few attempts must show the TLS failure.
    let refused = await deliverOnce(configFor({ url: mutual.url, tls: { ca: certs.ca } }), 1_500);
    for (let attempt = 1; attempt < 4 && refused.error?.code === 'DRIFTWATCH_RETRAIN_REDIS_UNREACHABLE'; attempt++) {
      refused = await deliverOnce(configFor({ url: mutual.url, tls: { ca: certs.ca } }), 1_500);
    }
    expect(refused.error?.code).toBe('DRIFTWATCH_RETRAIN_REDIS_TLS_FAILED');
    process.stdout.write(`[redis-security] mutual TLS without a client certificate: ${refused.error?.code}: ${refused.error?.message}\n`);
  });
});
