import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { DestinationStream } from 'pino';
import { isDriftwatchError } from '../../detectors/errors';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { type DeepPartial, loadConfig } from '../../src/config/load-config';
import { createKafka } from '../../src/kafka/kafka-client';
import { LocalKafka } from '../../src/local/local-kafka';
import { createLogger } from '../../src/logging';
import { createTopics, uniqueName } from '../harness/env';
import { makeTestCertificates } from '../harness/test-certificates';

/**
 * Kafka TLS and SASL options of driftwatch against a REAL broker configured for them: this file starts
 * its own single-node broker (not the harness's) with three listeners —
 *   PLAINTEXT      (admin readiness check and topic creation),
 *   SASL_PLAINTEXT (PLAIN with a JAAS user, SCRAM-SHA-256/512 with credentials added at format time),
 *   SSL            (mutual TLS: broker cert for IP 127.0.0.1 and client cert, both from a CA made here).
 * Every client under test is built by createKafka() from a DriftwatchConfig produced by loadConfig().
 */

jest.setTimeout(120_000);

const PLAIN_PASSWORD = 'plain-secret-4f1d9a';
const SCRAM256_PASSWORD = 'scram256-secret-7be2c0';
const SCRAM512_PASSWORD = 'scram512-secret-e03a51';

let dir = '';
let broker: LocalKafka;
let files: { ca: string; rogueCa: string; clientCert: string; clientKey: string };
/** A line from the middle of the client key's base64 body: it must never appear in a log line. */
let clientKeyFragment = '';

/** The shared test certificates (test/harness/test-certificates.ts), plus Kafka's PEM key store. */
function makeCertificates(): void {
  const certs = makeTestCertificates(dir, 'broker');
  // Kafka's PEM key store: the (PKCS#8, unencrypted) key followed by the certificate chain.
  const read = (f: string): string => readFileSync(f, 'utf8');
  writeFileSync(join(dir, 'broker-keystore.pem'), read(certs.serverKey) + read(certs.serverCert) + read(certs.ca));
  files = { ca: certs.ca, rogueCa: certs.rogueCa, clientCert: certs.clientCert, clientKey: certs.clientKey };
  clientKeyFragment = certs.clientKeyFragment;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'driftwatch-kafka-security-'));
  makeCertificates();
  const mechanisms = 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512';
  broker = new LocalKafka({
    extraListeners: ['SASL_PLAINTEXT', 'SSL'],
    scram: [
      { mechanism: 'SCRAM-SHA-256', username: 'scram256-user', password: SCRAM256_PASSWORD },
      { mechanism: 'SCRAM-SHA-512', username: 'scram512-user', password: SCRAM512_PASSWORD },
    ],
    properties: {
      'sasl.enabled.mechanisms': mechanisms,
      'listener.name.sasl_plaintext.sasl.enabled.mechanisms': mechanisms,
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required user_plain-user="${PLAIN_PASSWORD}";`,
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.ssl.ssl.keystore.type': 'PEM',
      'listener.name.ssl.ssl.keystore.location': join(dir, 'broker-keystore.pem'),
      'listener.name.ssl.ssl.truststore.type': 'PEM',
      'listener.name.ssl.ssl.truststore.location': files.ca,
      'listener.name.ssl.ssl.client.auth': 'required',
    },
  });
  await broker.start();
});

afterAll(async () => {
  await broker?.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** A pino destination that keeps every line it is given. */
function capture(): DestinationStream & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

function configFor(brokers: string[], kafka: DeepPartial<DriftwatchConfig['kafka']>): Readonly<DriftwatchConfig> {
  // debug: kafkajs logs at INFO, so its connection and authentication lines reach the captured log.
  return loadConfig({ env: {}, overrides: { log: { level: 'debug' }, kafka: { clientId: uniqueName('security'), brokers, ...kafka } } });
}

/** Builds the client like the service does, produces one record and consumes it back; returns the log lines. */
async function roundTrip(config: Readonly<DriftwatchConfig>): Promise<string[]> {
  const out = capture();
  const logger = createLogger(config, 'kafkajs', { destination: out });
  logger.info({ config }, 'starting');
  const topic = uniqueName('security');
  const admin = new Kafka({ clientId: 'security-admin', brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await createTopics(admin, [{ topic, numPartitions: 1 }]);
  await admin.disconnect();

  const kafka = createKafka(config, logger);
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: uniqueName('security-group') });
  const value = `hello-${topic}`;
  try {
    await producer.connect();
    await producer.send({ topic, messages: [{ value }] });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const received = new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
    });
    expect(await received).toBe(value);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
  return out.lines;
}

/** Connects a producer that must fail; returns the error and the log lines. */
async function failedConnect(config: Readonly<DriftwatchConfig>): Promise<{ error: Error; lines: string[] }> {
  const out = capture();
  const logger = createLogger(config, 'kafkajs', { destination: out });
  logger.info({ config }, 'starting');
  const producer = createKafka(config, logger).producer();
  try {
    await producer.connect();
  } catch (e) {
    return { error: e as Error, lines: out.lines };
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  throw new Error('the connection unexpectedly succeeded');
}

function expectNoSecret(lines: string[], secret: string): void {
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.join('')).not.toContain(secret);
}

const saslCases = [
  { mechanism: 'plain', username: 'plain-user', password: PLAIN_PASSWORD, failure: /SASL PLAIN authentication failed/ },
  { mechanism: 'scram-sha-256', username: 'scram256-user', password: SCRAM256_PASSWORD, failure: /SASL SCRAM SHA256 authentication failed/ },
  { mechanism: 'scram-sha-512', username: 'scram512-user', password: SCRAM512_PASSWORD, failure: /SASL SCRAM SHA512 authentication failed/ },
] as const;

describe.each(saslCases)('SASL $mechanism over SASL_PLAINTEXT', ({ mechanism, username, password, failure }) => {
  it('produces and consumes with the right credentials, without logging the password', async () => {
    const lines = await roundTrip(configFor(broker.listenerBrokers('SASL_PLAINTEXT'), { sasl: { mechanism, username, password } }));
    expectNoSecret(lines, password);
  });

  it('fails with an authentication error on a wrong password, without logging either password', async () => {
    const wrong = `${password}-wrong`;
    const { error, lines } = await failedConnect(configFor(broker.listenerBrokers('SASL_PLAINTEXT'), { sasl: { mechanism, username, password: wrong } }));
    expect(error.name).toBe('KafkaJSSASLAuthenticationError');
    expect(error.message).toMatch(failure);
    expectNoSecret(lines, wrong);
    expectNoSecret(lines, password);
  });
});

describe('mutual TLS over SSL', () => {
  it('produces and consumes with ca/cert/key given as file paths, without logging the key', async () => {
    const lines = await roundTrip(configFor(broker.listenerBrokers('SSL'), { ssl: { ca: files.ca, cert: files.clientCert, key: files.clientKey } }));
    expectNoSecret(lines, clientKeyFragment);
  });

  it('produces and consumes with ca/cert/key given as PEM text, without logging the key', async () => {
    const text = (f: string): string => readFileSync(f, 'utf8');
    const lines = await roundTrip(configFor(broker.listenerBrokers('SSL'), { ssl: { ca: text(files.ca), cert: text(files.clientCert), key: text(files.clientKey) } }));
    expectNoSecret(lines, clientKeyFragment);
  });

  it('fails with a certificate error when the broker is signed by an untrusted CA', async () => {
    const { error, lines } = await failedConnect(configFor(broker.listenerBrokers('SSL'), { ssl: { ca: files.rogueCa, cert: files.clientCert, key: files.clientKey } }));
    // kafkajs retries connection errors, then reports the TLS reason (the chain ends in a root the client does not trust).
    expect(error.name).toBe('KafkaJSNumberOfRetriesExceeded');
    expect(error.message).toMatch(/self-signed certificate in certificate chain/);
    expectNoSecret(lines, clientKeyFragment);
  });

  it('names the option and the path when a PEM file is missing (DRIFTWATCH_KAFKA_TLS_FILE_UNREADABLE)', () => {
    const missing = join(dir, 'no-such-ca.pem');
    const config = configFor(broker.listenerBrokers('SSL'), { ssl: { ca: missing } });
    let thrown: unknown;
    try {
      createKafka(config, createLogger(config, 'kafkajs', { destination: capture() }));
    } catch (e) {
      thrown = e;
    }
    expect(isDriftwatchError(thrown, 'DRIFTWATCH_KAFKA_TLS_FILE_UNREADABLE')).toBe(true);
    expect((thrown as Error).message).toContain('kafka.ssl.ca');
    expect((thrown as Error).message).toContain(missing);
  });
});
