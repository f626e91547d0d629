import type { Admin, Kafka, Producer } from 'kafkajs';
import { testBrokers, testKafka } from '../harness/env';
import { waitCaughtUp } from '../integration/runtime-scenario';
import { duplicateIds, faultDir, faultTraffic, Feeder, killRunningChildren, metricSum, prepareStream, readCommittedAlerts, ServiceChild, sleep, waitCommitAdvance } from './fault-harness';

// Saturated shards: one shard worker against a backlog of BACKLOG events, with more produced while it
// works through them. The consumer can fetch far faster than one worker detects, so without
// backpressure the fetched batches would pile up in memory; with it (at most
// maxInFlightBatchesPerShard fetch rounds per shard between hand-over and commit, partitions paused
// beyond) the lag grows instead. The service runs as a child process so that its resident memory
// can be read from /proc/<pid>/status (sampled every 250 ms, plus the kernel's own peak VmHWM).
//
// RSS_BOUND_MB is documented in docs/faults.md: measured peak 
jest.setTimeout(400_000);

const BACKLOG = 300_000;
const MORE = 150_000;
/** The documented resident-memory bound of the service under backpressure (docs/faults.md). */
const RSS_BOUND_MB = 400;

describe('backpressure', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await killRunningChildren();
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  });

  it(`a saturated shard: resident memory stays under ${RSS_BOUND_MB} MB while the lag grows, and the lag drains to 0`, async () => {
    const records = faultTraffic(17, BACKLOG + MORE);
    const stream = await prepareStream(admin, { prefix: 'backpressure', brokers: testBrokers(), records, overrides: { shards: 1 } });
    const { config } = stream;
    const feeder = new Feeder(producer, stream.routed);
    await feeder.produceUpTo(BACKLOG, { chunk: 10_000 });

    const service = ServiceChild.start(stream, faultDir('backpressure'), 'service');
    const rss: { t: number; mb: number }[] = [];
    const lag: { t: number; lag: number }[] = [];
    let sampling = true;
    const rssSampler = (async () => {
      while (sampling) {
        const kb = service.memoryKb('VmRSS');
        if (kb !== null) rss.push({ t: Date.now() - service.startedAt, mb: kb / 1024 });
        await sleep(250);
      }
    })();
    const metricsUrl = `http://127.0.0.1:${config.ops.port}/metrics`;
    const lagNow = async (): Promise<number | null> => {
      try {
        return metricSum(await (await fetch(metricsUrl)).text(), 'driftwatch_consumer_lag');
      } catch {
        return null;
      }
    };
    const lagSampler = (async () => {
      while (sampling) {
        const l = await lagNow();
        if (l !== null) lag.push({ t: Date.now() - service.startedAt, lag: l });
        await sleep(250);
      }
    })();

    try {
      await waitCommitAdvance(admin, config, 0, 120_000, 'the first commit');
      // More events while the shard works through the backlog.
      await feeder.produceUpTo(BACKLOG + MORE, { chunk: 10_000 });
      await waitCaughtUp(admin, config, 300_000);
      // The lag gauge comes from the batches: the last one reports 0 once the end is reached.
      const deadline = Date.now() + 60_000;
      while ((await lagNow()) !== 0 && Date.now() < deadline) await sleep(250);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- service log tail ---\n${service.tail()}`);
    } finally {
      sampling = false;
      await Promise.all([rssSampler, lagSampler]);
    }
    const peakKb = service.memoryKb('VmHWM');
    const finalLag = await lagNow();
    service.kill('SIGTERM');
    const exit = await service.exited;

    const alerts = await readCommittedAlerts(kafka, admin, config.kafka.topics.alerts);
    const maxRss = Math.max(...rss.map((s) => s.mb));
    const maxLag = Math.max(...lag.map((s) => s.lag));
    const at = lag.findIndex((s) => s.lag === maxLag);
    const grew = lag.slice(0, at + 1).some((s, i, xs) => i > 0 && s.lag > xs[i - 1]!.lag);
    const rssAtMaxLag = rss.filter((s) => s.t <= (lag[at]?.t ?? 0)).map((s) => s.mb);
    const seconds = (rss[rss.length - 1]?.t ?? 0) / 1000;
    process.stdout.write(
      `[backpressure] ${BACKLOG} events backlog + ${MORE} produced while running, shards: 1, maxInFlightBatchesPerShard ${config.maxInFlightBatchesPerShard}; ${seconds.toFixed(1)} s to drain\n` +
        `[backpressure] RSS sampled ${rss.length}×: max ${maxRss.toFixed(0)} MB (kernel peak VmHWM ${((peakKb ?? 0) / 1024).toFixed(0)} MB), bound ${RSS_BOUND_MB} MB; ` +
        `RSS up to the lag peak: max ${Math.max(0, ...rssAtMaxLag).toFixed(0)} MB\n` +
        `[backpressure] consumer lag (driftwatch_consumer_lag, summed): max ${maxLag} at ${((lag[at]?.t ?? 0) / 1000).toFixed(1)} s (${grew ? 'grew while events were produced' : 'did not grow between samples'}), final ${finalLag}; ${alerts.length} alerts\n` +
        `[backpressure] lag series (s:lag): ${lag.filter((_, i) => i % 8 === 0).map((s) => `${(s.t / 1000).toFixed(0)}:${s.lag}`).join(' ')}\n` +
        `[backpressure] rss series (s:MB): ${rss.filter((_, i) => i % 8 === 0).map((s) => `${(s.t / 1000).toFixed(0)}:${s.mb.toFixed(0)}`).join(' ')}\n`,
    );
    expect(rss.length).toBeGreaterThan(10);
    expect(maxRss).toBeLessThan(RSS_BOUND_MB);
    expect((peakKb ?? Infinity) / 1024).toBeLessThan(RSS_BOUND_MB);
    // The backlog was there to be seen: the lag reached a large part of it before draining to 0.
    expect(maxLag).toBeGreaterThan(BACKLOG / 4);
    expect(finalLag).toBe(0);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(alerts.length).toBeGreaterThan(0);
    expect(duplicateIds(alerts)).toEqual([]);
  });
});
