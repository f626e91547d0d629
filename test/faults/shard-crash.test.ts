import type { Admin, Kafka, Producer } from 'kafkajs';
import { startService, type ServiceHandle } from '../../src/service/driftwatch-service';
import { testBrokers, testKafka, waitFor } from '../harness/env';
import { expectSameAlerts, faultLogger, faultTraffic, Feeder, prepareStream, readCommittedAlerts, referenceAlerts, seededRandom, sleep, waitCommitAdvance, waitDone } from './fault-harness';

// Shard worker threads crash (injected: the worker throws outside any handler, as a bug would)
// while a stream with several drifts flows in. The pool restarts the worker; its partitions restore
// from their checkpoints and re-read from there: the alert topic (read_committed) holds exactly the
// alerts of an uninterrupted run, none twice.
jest.setTimeout(300_000);

const RECORDS = 120_000;
/** Which shard crashes at each crash point (shards: 2; shard 0 owns partitions 0 and 2, shard 1 partition 1). */
const CRASHES = [0, 1, 0];

describe('shard worker crashes', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let service: ServiceHandle | undefined;

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await service?.stop().catch(() => undefined);
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  });

  it('a crashed shard restarts from its checkpoint: same alerts, none duplicated, crashes counted', async () => {
    const stream = await prepareStream(admin, { prefix: 'shard-crash', brokers: testBrokers(), records: faultTraffic(11, RECORDS), overrides: { shards: 2 } });
    const { config } = stream;
    const feeder = new Feeder(producer, stream.routed);
    const random = seededRandom(511);
    await feeder.produceUpTo(RECORDS * 0.15);
    service = await startService(config, { logger: faultLogger() });
    await waitCommitAdvance(admin, config, 0, 60_000, 'the first commit');
    const segment = Math.ceil((RECORDS - feeder.next) / (CRASHES.length + 1));
    const points: string[] = [];
    for (const [i, shard] of CRASHES.entries()) {
      const feeding = feeder.produceUpTo(feeder.next + segment, { chunk: 1000, pauseMs: 100 });
      // The crash point: a seeded delay into the segment, while records flow in.
      await sleep(200 + Math.floor(random() * 1200));
      points.push(`shard ${shard} after ${feeder.next} records produced (${service.stats().consumed} consumed)`);
      service.injectShardCrash(shard);
      await waitFor(() => service!.stats().shardCrashes === i + 1, 60_000, `crash ${i + 1} to be counted`);
      await feeding;
    }
    await feeder.produceUpTo(RECORDS, { chunk: 1000, pauseMs: 100 });
    await waitDone(admin, config);
    const stats = service.stats();
    await service.stop();

    const reference = await referenceAlerts(config, stream.routed);
    const alerts = await readCommittedAlerts(kafka, admin, config.kafka.topics.alerts);
    process.stdout.write(`[shard-crash] ${RECORDS} records, crashes: ${points.join('; ')}; shardCrashes ${stats.shardCrashes}; the service produced ${stats.alerts} alerts, ${alerts.length} read (read_committed), ${reference.length} expected\n`);
    expect(stats.shardCrashes).toBe(CRASHES.length);
    expect(reference.length).toBeGreaterThanOrEqual(5);
    expectSameAlerts(alerts, reference, 'shard-crash');
  });
});
