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
  seededRandom,
  ServiceChild,
  sleep,
  spread,
  waitCommitAdvance,
  waitDone,
} from './fault-harness';

// The service (a child process, `driftwatch run`) is SIGKILLed at KILLS seeded random moments while
// a stream with several drifts flows in, and restarted each time with the same config and group.
// Each restart must resume from its partitions' checkpoints and committed offsets: the alert topic,
// read with a read_committed consumer, holds exactly the alerts of an uninterrupted run.
//
// A killed member never leaves its consumer group: the restarted member's join completes once the
// coordinator has expired the dead one (the session timeout: `kafka.sessionTimeoutMs`, 10 s in the
// fault harness, 30 s by default), which dominates the time each restart takes to resume.
jest.setTimeout(600_000);

const RECORDS = 120_000;
const KILLS = 5;
const SEED = 20261122;

describe('SIGKILL and restart', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  useKafkaClients((c) => {
    ({ kafka, admin, producer } = c);
  });
  afterAll(() => killRunningChildren());

  it(`the service killed at ${KILLS} random points and restarted each time: same alerts, none missing, none duplicated`, async () => {
    const stream = await prepareStream(admin, { prefix: 'kill', brokers: testBrokers(), records: faultTraffic(7, RECORDS) });
    const { config } = stream;
    const dir = faultDir('kill');
    const feeder = new Feeder(producer, stream.routed);
    const random = seededRandom(SEED);
    // A backlog to start with (the first fetches hold inputs and outputs together), then each run
    // gets a segment of the rest, fed at ~10k records/s while it runs.
    await feeder.produceUpTo(RECORDS * 0.15);
    const segment = Math.ceil((RECORDS - feeder.next) / (KILLS + 1));
    const resumeMs: number[] = [];
    const kills: string[] = [];

    for (let k = 0; k <= KILLS; k++) {
      const last = k === KILLS;
      // Always some records the run has not seen yet, so that its first commit marks its resumption.
      await feeder.produceUpTo(feeder.next + Math.min(2000, segment));
      const before = await committedTotal(admin, config);
      const service = ServiceChild.start(stream, dir, `run-${k}`);
      try {
        resumeMs.push(await waitCommitAdvance(admin, config, before, 120_000, `run ${k}`));
      } catch (e) {
        throw new Error(`${(e as Error).message}\n--- run ${k} log tail ---\n${service.tail()}`);
      }
      const feeding = feeder.produceUpTo(last ? RECORDS : feeder.next + segment, { chunk: 1000, pauseMs: 100 });
      if (last) {
        await feeding;
        await waitDone(admin, config);
        service.kill('SIGTERM');
        const exit = await service.exited;
        expect(exit).toMatchObject({ code: 0, signal: null });
        break;
      }
      // The kill point: a seeded delay after the run resumed, while the segment is being fed.
      await sleep(100 + Math.floor(random() * 1500));
      const [committed, end] = await Promise.all([committedTotal(admin, config), endTotal(admin, config)]);
      service.kill('SIGKILL');
      const exit = await service.exited;
      expect(exit.signal).toBe('SIGKILL');
      kills.push(`kill ${k + 1}: ${exit.at - service.startedAt} ms after its start, committed ${committed} of ${end} produced`);
      await feeding;
    }

    const reference = await referenceAlerts(config, stream.routed);
    const alerts = await readCommittedAlerts(kafka, admin, config.kafka.topics.alerts);
    process.stdout.write(
      `[kill-restart] ${RECORDS} records over 3 partitions, ${KILLS} SIGKILLs:\n  ${kills.join('\n  ')}\n` +
        `[kill-restart] time from restart to the first new commit: ${resumeMs.slice(1).join(', ')} ms (${spread(resumeMs.slice(1))}); first start ${resumeMs[0]} ms\n` +
        `[kill-restart] ${alerts.length} alerts read (read_committed), ${reference.length} expected\n`,
    );
    expect(reference.length).toBeGreaterThanOrEqual(5);
    expect(new Set(reference.map((a) => a.model_id)).size).toBeGreaterThanOrEqual(5);
    expectSameAlerts(alerts, reference, 'kill-restart');
  });
});
