import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { LocalKafka } from '../../src/local/local-kafka';
import { startService, type ServiceHandle } from '../../src/service/driftwatch-service';
import { uniqueName } from '../harness/env';
import { committedTotal, expectSameAlerts, faultLogger, faultTraffic, Feeder, prepareStream, readCommittedAlerts, referenceAlerts, sleep, waitCommitAdvance, waitDone } from './fault-harness';

// The Kafka broker is stopped for 30 s in the middle of a stream and started again (same data, same
// port). The service is not touched: it must recover by itself and end with exactly the alerts of
// an uninterrupted run. This test runs its own broker (LocalKafka), not the harness's shared one.
jest.setTimeout(400_000);

const RECORDS = 90_000;
const OUTAGE_MS = 30_000;

describe('broker restart', () => {
  const broker = new LocalKafka();
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let service: ServiceHandle | undefined;

  const connect = async (): Promise<void> => {
    kafka = new Kafka({ clientId: uniqueName('fault-broker'), brokers: broker.brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
  };
  const disconnect = async (): Promise<void> => {
    await Promise.all([producer.disconnect(), admin.disconnect()]).catch(() => undefined);
  };

  beforeAll(async () => {
    await broker.start();
    await connect();
  });

  afterAll(async () => {
    await service?.stop().catch(() => undefined);
    await disconnect();
    await broker.stop();
  });

  it(`the broker stopped for ${OUTAGE_MS / 1000} s mid-stream: the service recovers by itself, same alerts`, async () => {
    const stream = await prepareStream(admin, { prefix: 'broker', brokers: broker.brokers, records: faultTraffic(13, RECORDS) });
    const { config } = stream;
    const feeder = new Feeder(producer, stream.routed);
    await feeder.produceUpTo(RECORDS * 0.2);
    service = await startService(config, { logger: faultLogger() });
    await waitCommitAdvance(admin, config, 0, 60_000, 'the first commit');
    await feeder.produceUpTo(RECORDS * 0.5, { chunk: 1000, pauseMs: 100 });

    // The outage: the test's own clients leave first (they would only retry against a dead port).
    const committedBefore = await committedTotal(admin, config);
    const address = broker.brokers.join(',');
    await disconnect();
    const stoppedAt = Date.now();
    await broker.stop({ keepData: true });
    await sleep(OUTAGE_MS - (Date.now() - stoppedAt));
    const startMs = await broker.start();
    const backAt = Date.now();
    expect(broker.brokers.join(',')).toBe(address);

    // Recovery: broker back → the group's committed offsets advance (new records are waiting).
    await connect();
    feeder.producer = producer;
    await feeder.produceUpTo(feeder.next + 5000);
    await waitCommitAdvance(admin, config, committedBefore, 180_000, 'recovery after the broker restart');
    const recoveryMs = Date.now() - backAt;

    await feeder.produceUpTo(RECORDS, { chunk: 1000, pauseMs: 100 });
    await waitDone(admin, config, 180_000);
    const ready = service.ready;
    await service.stop();

    const reference = await referenceAlerts(config, stream.routed);
    const alerts = await readCommittedAlerts(kafka, admin, config.kafka.topics.alerts);
    process.stdout.write(
      `[broker-restart] broker down ${backAt - stoppedAt} ms (restart took ${startMs} ms, same address ${address}); ` +
        `recovery (broker back → next committed offset advance): ${recoveryMs} ms; ${alerts.length} alerts read, ${reference.length} expected\n`,
    );
    expect(ready).toBe(true);
    expect(reference.length).toBeGreaterThanOrEqual(5);
    expectSameAlerts(alerts, reference, 'broker-restart');
  });
});
