import type { Admin, Kafka, Producer } from 'kafkajs';
import { testBrokers, useKafkaClients } from '../harness/env';
import {
  committedTotal,
  endTotal,
  expectSameAlerts,
  faultDir,
  faultTraffic,
  Feeder,
  killRunningChildren,
  prepareStream,
  readCommittedAlerts,
  referenceAlerts,
  ServiceChild,
  sleep,
  waitCommitAdvance,
  waitDone,
} from './fault-harness';

// SIGTERM while the service (a child process) is busy with a backlog and records keep arriving: it
// drains what it handed to its shards, checkpoints, commits and exits 0 within shutdownTimeoutMs
// (past it the service exits 1); a restarted instance then finishes the stream, and the alert topic
// (read_committed) holds the alerts of an uninterrupted run exactly once.
jest.setTimeout(300_000);

const RECORDS = 120_000;
const SHUTDOWN_TIMEOUT_MS = 30_000;

describe('SIGTERM under load', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  useKafkaClients((c) => {
    ({ kafka, admin, producer } = c);
  });
  afterAll(() => killRunningChildren());

  it('drains, checkpoints, commits and exits 0; with a restarted run, every alert exactly once', async () => {
    const stream = await prepareStream(admin, {
      prefix: 'sigterm',
      brokers: testBrokers(),
      records: faultTraffic(19, RECORDS),
      overrides: { shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS },
    });
    const { config } = stream;
    const dir = faultDir('sigterm');
    const feeder = new Feeder(producer, stream.routed);
    await feeder.produceUpTo(RECORDS * 0.5, { chunk: 10_000 });

    const first = ServiceChild.start(stream, dir, 'first');
    await waitCommitAdvance(admin, config, 0, 120_000, 'the first commit');
    // SIGTERM once the first run is past the point where the drifts fire (~70 % of this stream, so
    // both runs produce alerts), while records keep arriving.
    const feeding = feeder.produceUpTo(RECORDS * 0.9, { chunk: 1000, pauseMs: 50 });
    while (!feeder.done && feeder.next < RECORDS * 0.9 && (await committedTotal(admin, config)) < RECORDS * 0.75) await sleep(100);
    const [committedAtSignal, endAtSignal] = await Promise.all([committedTotal(admin, config), endTotal(admin, config)]);
    const signalledAt = Date.now();
    first.kill('SIGTERM');
    const exit = await first.exited;
    const drainMs = exit.at - signalledAt;
    await feeding;
    const committedAfter = await committedTotal(admin, config);
    const checkpoints = (await admin.fetchTopicOffsets(config.kafka.topics.checkpoints).catch(() => [])).reduce((s, p) => s + Number(p.high), 0);
    const alertsFirst = await readCommittedAlerts(kafka, admin, config.kafka.topics.alerts);

    const second = ServiceChild.start(stream, dir, 'second');
    await feeder.produceUpTo(RECORDS, { chunk: 1000, pauseMs: 50 });
    await waitDone(admin, config);
    second.kill('SIGTERM');
    const secondExit = await second.exited;

    const reference = await referenceAlerts(config, stream.routed);
    const alerts = await readCommittedAlerts(kafka, admin, config.kafka.topics.alerts);
    process.stdout.write(
      `[sigterm] SIGTERM with ${committedAtSignal} of ${endAtSignal} produced records committed; exit ${String(exit.code)} after ${drainMs} ms (shutdownTimeoutMs ${SHUTDOWN_TIMEOUT_MS}); ` +
        `committed at exit ${committedAfter}; checkpoint topic records ${checkpoints}; alerts by then ${alertsFirst.length}; ` +
        `after the restarted run ${alerts.length} alerts, ${reference.length} expected\n`,
    );
    if (exit.code !== 0) process.stdout.write(`--- first run log tail ---\n${first.tail()}\n`);
    expect(committedAtSignal).toBeLessThan(endAtSignal);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(committedAfter).toBeGreaterThanOrEqual(committedAtSignal);
    expect(checkpoints).toBeGreaterThan(0);
    expect(secondExit).toMatchObject({ code: 0, signal: null });
    expect(reference.length).toBeGreaterThanOrEqual(5);
    expectSameAlerts(alerts, reference, 'sigterm');
  });
});
