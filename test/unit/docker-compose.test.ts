import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// docker-compose.yml cannot be run here (no Docker engine); check what can be checked: it parses,
// and it says what the local broker the project starts itself says.
interface Service { image: string; environment?: Record<string, string | number>; healthcheck?: { test: string[] }; ports?: string[] }

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(__dirname, '..', '..', 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };

  it('runs the official Kafka 3.9 image as a single KRaft node with replication factors 1', () => {
    const kafka = compose.services.kafka!;
    expect(kafka.image).toMatch(/^apache\/kafka:3\.9\.\d+$/);
    const env = kafka.environment!;
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    for (const key of ['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR', 'KAFKA_DEFAULT_REPLICATION_FACTOR']) {
      expect(env[key]).toBe(1);
    }
    expect(String(env.KAFKA_ADVERTISED_LISTENERS)).toContain('127.0.0.1:9092');
    expect(kafka.healthcheck?.test.join(' ')).toContain('kafka-broker-api-versions');
  });

  it('runs Redis with a healthcheck, both bound to loopback', () => {
    const redis = compose.services.redis!;
    expect(redis.image).toMatch(/^redis:/);
    expect(redis.healthcheck?.test).toContain('ping');
    for (const service of Object.values(compose.services)) {
      for (const port of service.ports ?? []) expect(port.startsWith('127.0.0.1:')).toBe(true);
    }
  });
});
