import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import pino from 'pino';
import { StableOffsetReader } from '../../src/kafka/stable-offset-fetch';
import { LocalKafka } from '../../src/local/local-kafka';
import { startService, type ServiceHandle } from '../../src/service/driftwatch-service';
import { uniqueName } from '../harness/env';
import { committedTotal, expectSameAlerts, faultLogger, faultTraffic, Feeder, prepareStream, readCommittedAlerts, referenceAlerts, sleep, sourceTopicNames, waitCommitAdvance, waitDone } from './fault-harness';

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

  /** The group's committed offsets through a new StableOffsetReader, and how many "coordinator not ready" rounds it waited out. */
  const stableReadCounting = async (groupId: string, topics: string[]): Promise<{ total: number; notReady: number }> => {
    let notReady = 0;
    const logger = pino({ level: 'debug' }, { write: (line: string) => void (line.includes('coordinator not ready') && notReady++) });
    const reader = new StableOffsetReader(new Kafka({ clientId: uniqueName('fault-reader'), brokers: broker.brokers, logLevel: logLevel.NOTHING }), logger);
    await reader.connect();
    try {
      const read = await reader.fetch(groupId, topics.map((topic) => ({ topic, partitions: [0, 1, 2] })));
      return { total: read.flatMap((t) => t.partitions).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0), notReady };
    } finally {
      await reader.disconnect();
    }
  };

  // Runs first, on the fresh broker: the first group lookup creates the offsets topic, whose
  // partitions then load while the coordinator answers COORDINATOR_LOAD_IN_PROGRESS (this failed CI once).
  it('a stable offset read on a broker whose offsets topic does not exist yet waits until it is loaded', async () => {
    const topic = uniqueName('fresh-offsets');
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const fresh = await stableReadCounting(uniqueName('fresh-group'), [topic]);
    process.stdout.write(`[broker-restart] first stable offset read on a fresh broker: ${fresh.notReady} coordinator-not-ready rounds waited out\n`);
    expect(fresh.total).toBe(0);
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

    // A broker that just started loads its offsets topic first and meanwhile answers
    // COORDINATOR_LOAD_IN_PROGRESS / NOT_COORDINATOR: the stable read waits that out by itself.
    const afterRestart = await stableReadCounting(config.kafka.groupId, sourceTopicNames(config));
    expect(afterRestart.total).toBeGreaterThanOrEqual(committedBefore);

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
        `recovery (broker back → next committed offset advance): ${recoveryMs} ms; stable offset read right after the restart: ${afterRestart.notReady} coordinator-not-ready rounds waited out; ` +
        `${alerts.length} alerts read, ${reference.length} expected\n`,
    );
    expect(ready).toBe(true);
    expect(reference.length).toBeGreaterThanOrEqual(5);
    expectSameAlerts(alerts, reference, 'broker-restart');
  });
});
