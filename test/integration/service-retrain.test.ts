import { Queue } from 'bullmq';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { freeLoopbackPort } from '../../src/local/free-port';
import { bullJobId } from '../../src/retrain/retrain-job';
import { SpeechTraffic, type DriftSpec } from '../../src/simulate/speech-traffic';
import { testKafka, testRedisConnection, testRedisUrl, uniqueName } from '../harness/env';
import type { ServiceHandle } from '../../src/service/driftwatch-service';
import { alertsOf, readTopic, type TestTopics } from './runtime-fixtures';
import { byId, liveRun, normalised } from './runtime-scenario';

jest.setTimeout(170_000);

// Retraining triggers from the live service: one BullMQ job per firing incident on the real Redis;
// with Redis unreachable the alerts are the same and the service still stops cleanly.
describe('retraining triggers from the service', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const drifts: DriftSpec[] = [
    { metric: 'input_length', model: 'asr-en', atRequest: 6000 },
    { metric: 'null_output', model: 'asr-de', atRequest: 6000 },
  ];
  const records = new SpeechTraffic({ seed: 77, drifts }).take(70_000);

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  });

  it('enqueues one job per firing incident; without Redis the same alerts still flow', async () => {
    const queueName = uniqueName('dw-retrain');
    const common = { kafka, admin, producer, records, partitions: 2 };
    const queue = new Queue(queueName, { connection: testRedisConnection() });
    const jobIds = async (): Promise<string[]> => (await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized'])).map((j) => j.id ?? '').sort();
    // The outbox relay delivers after the alert transactions commit: wait for it before stopping.
    const beforeStop = async (service: ServiceHandle, topics: TestTopics): Promise<void> => {
      const firing = alertsOf(await readTopic(kafka, admin, topics.alerts)).filter((a) => a.status === 'firing');
      const expected = new Set(firing.map((a) => bullJobId(a.incident_id)));
      const deadline = Date.now() + 60_000;
      while ((await jobIds()).length < expected.size || (service.stats().retrainRelay?.delivered ?? 0) < expected.size) {
        if (Date.now() > deadline) throw new Error(`the relay delivered ${service.stats().retrainRelay?.delivered ?? 0} of ${expected.size} triggers within 60 s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const withRedis = await liveRun({ ...common, prefix: 'retrain-up', overrides: { redis: { url: testRedisUrl() }, retrain: { queue: queueName, minIntervalMs: 0 } }, beforeStop });
    const incidents = [...new Set(withRedis.alerts.filter((a) => a.status === 'firing').map((a) => a.incident_id))].sort();
    expect(incidents.length).toBeGreaterThan(0);
    try {
      expect(await jobIds()).toEqual(incidents.map(bullJobId).sort());
      expect(withRedis.service.stats().retrain).toMatchObject({ enqueued: incidents.length });
      expect(withRedis.service.stats().retrainRelay).toMatchObject({ delivered: incidents.length, enqueued: incidents.length });
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }

    const deadPort = await freeLoopbackPort();
    const started = Date.now();
    const noRedis = await liveRun({ ...common, prefix: 'retrain-down', overrides: { redis: { url: `redis://127.0.0.1:${deadPort}` }, retrain: { queue: queueName, minIntervalMs: 0 }, shutdownTimeoutMs: 10_000 } });
    const view = (run: typeof withRedis): unknown[] => [...run.alerts].sort(byId).map((a) => normalised(a, run.topics));
    expect(view(noRedis)).toEqual(view(withRedis));
    expect(noRedis.service.stats().retrain?.enqueued).toBe(0);
    process.stdout.write(`[retrain] ${incidents.length} jobs for ${withRedis.alerts.length} alerts; with Redis down the same alerts in ${Date.now() - started} ms\n`);
  });
});
