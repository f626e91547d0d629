import type { Admin, Kafka, Producer } from 'kafkajs';
import { imageOfBrightnessBase64 } from '../../src/ingest/image-fixtures';
import type { SimRecord } from '../../src/simulate/speech-traffic';
import { testBrokers, useKafkaClients } from '../harness/env';
import { waitCaughtUp } from '../integration/runtime-scenario';
import {
  committedTotal,
  duplicateIds,
  endTotal,
  faultDir,
  faultTraffic,
  Feeder,
  killRunningChildren,
  metricSum,
  prepareStream,
  readCommittedAlerts,
  RssSampler,
  ServiceChild,
  sleep,
  waitCommitAdvance,
} from './fault-harness';

// Saturated shards: one shard worker against a backlog of BACKLOG events, with more produced while it
// works through them. The consumer can fetch far faster than one worker detects, so without
// backpressure the fetched batches would pile up in memory; with it (at most
// maxInFlightBatchesPerShard fetch rounds per shard between hand-over and commit, partitions paused
// beyond) the lag grows instead. The service runs as a child process so that its resident memory
// can be read from /proc/<pid>/status (sampled every 250 ms, plus the kernel's own peak VmHWM).
//
// RSS_BOUND_MB is documented and justified in docs/faults.md (measured peak 529 MB for this
// workload).
jest.setTimeout(400_000);

const BACKLOG = 250_000;
const MORE = 150_000;
/** The documented resident-memory bound of the service under backpressure (docs/faults.md). */
const RSS_BOUND_MB = 768;

/**
 * Every input carries its image as a 32×32 PNG (`input.image.data`) instead of a given
 * brightness: the shard decodes it (~0.2 ms), which makes one shard slower than the test's producer,
 * so the lag grows while events are produced (without images one shard keeps up with it).
 */
function withImages(records: SimRecord[]): SimRecord[] {
  const pngs = new Map<number, string>();
  for (const r of records) {
    const image = (r.value.input as { image?: { brightness?: number; data?: string } } | undefined)?.image;
    if (r.role !== 'inputs' || image?.brightness === undefined) continue;
    const grey = Math.round(image.brightness * 255);
    let data = pngs.get(grey);
    if (data === undefined) pngs.set(grey, (data = imageOfBrightnessBase64('png', grey / 255, 32)));
    delete image.brightness;
    image.data = data;
  }
  return records;
}

describe('backpressure', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  useKafkaClients((c) => {
    ({ kafka, admin, producer } = c);
  });
  afterAll(() => killRunningChildren());

  it(`a saturated shard: resident memory stays under ${RSS_BOUND_MB} MB while the lag grows, and the lag drains to 0`, async () => {
    const records = withImages(faultTraffic(17, BACKLOG + MORE));
    const stream = await prepareStream(admin, { prefix: 'backpressure', brokers: testBrokers(), records, overrides: { shards: 1 } });
    const { config } = stream;
    const feeder = new Feeder(producer, stream.routed);
    await feeder.produceUpTo(BACKLOG, { chunk: 10_000 });

    const service = ServiceChild.start(stream, faultDir('backpressure'), 'service');
    const sampler = new RssSampler(service.pid);
    const metricsUrl = `http://127.0.0.1:${config.ops.port}/metrics`;
    const metricLag = async (): Promise<number | null> => {
      try {
        return metricSum(await (await fetch(metricsUrl)).text(), 'driftwatch_consumer_lag');
      } catch {
        return null;
      }
    };
    // Two views of the lag: the service's own gauge (per batch, from kafkajs) and the group's lag as
    // the broker sees it (end offsets − committed offsets).
    const lag: { t: number; metric: number | null; group: number }[] = [];
    let sampling = true;
    const lagSampler = (async () => {
      while (sampling) {
        const [metric, end, committed] = await Promise.all([metricLag(), endTotal(admin, config), committedTotal(admin, config)]);
        lag.push({ t: Date.now() - service.startedAt, metric, group: end - committed });
        await sleep(500);
      }
    })();

    let produceMs = 0;
    try {
      await waitCommitAdvance(admin, config, 0, 120_000, 'the first commit');
      // More events while the shard works through the backlog.
      const producing = Date.now();
      await feeder.produceUpTo(BACKLOG + MORE, { chunk: 10_000 });
      produceMs = Date.now() - producing;
      await waitCaughtUp(admin, config, 300_000);
      // The lag gauge comes from the batches: the last one reports 0 once the end is reached.
      const deadline = Date.now() + 60_000;
      while ((await metricLag()) !== 0 && Date.now() < deadline) await sleep(250);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- service log tail ---\n${service.tail()}`);
    } finally {
      sampling = false;
      await lagSampler;
    }
    const peakKb = service.memoryKb('VmHWM');
    const finalLag = await metricLag();
    const finalGroupLag = (await endTotal(admin, config)) - (await committedTotal(admin, config));
    service.kill('SIGTERM');
    const exit = await service.exited;
    const rss = await sampler.stop();

    const alerts = await readCommittedAlerts(kafka, admin, config.kafka.topics.alerts);
    const maxRss = Math.max(...rss.map((x) => x.mb));
    const peakMb = (peakKb ?? Infinity) / 1024;
    const maxGroupLag = Math.max(...lag.map((x) => x.group));
    const maxMetricLag = Math.max(...lag.map((x) => x.metric ?? 0));
    const grew = lag.some((x, i) => i > 0 && x.group > lag[i - 1]!.group);
    const seconds = (exit.at - service.startedAt) / 1000;
    const series = <T>(xs: T[], every: number, f: (x: T) => string): string => xs.filter((_, i) => i % every === 0).map(f).join(' ');
    process.stdout.write(
      `[backpressure] ${BACKLOG} events backlog + ${MORE} produced while running (in ${produceMs} ms), shards: 1, maxInFlightBatchesPerShard ${config.maxInFlightBatchesPerShard}; ${seconds.toFixed(1)} s from start to exit\n` +
        `[backpressure] RSS sampled ${rss.length}× every 250 ms: max ${maxRss.toFixed(0)} MB; kernel peak (VmHWM) ${peakMb.toFixed(0)} MB; bound ${RSS_BOUND_MB} MB\n` +
        `[backpressure] group lag max ${maxGroupLag} (${grew ? 'grew while events were produced' : 'never grew between samples'}; ${maxGroupLag - BACKLOG} beyond the initial backlog); final ${finalGroupLag}; driftwatch_consumer_lag max ${maxMetricLag}, final ${String(finalLag)}; ${alerts.length} alerts\n` +
        `[backpressure] lag series (s:group/metric): ${series(lag, 4, (x) => `${(x.t / 1000).toFixed(0)}:${x.group}/${String(x.metric)}`)}\n` +
        `[backpressure] rss series (s:MB): ${series(rss, 8, (x) => `${(x.t / 1000).toFixed(0)}:${x.mb.toFixed(0)}`)}\n`,
    );
    expect(rss.length).toBeGreaterThan(10);
    expect(maxRss).toBeLessThan(RSS_BOUND_MB);
    expect(peakMb).toBeLessThan(RSS_BOUND_MB);
    // The backlog was there to be seen (the group's lag reached at least the backlog and grew while
    // events were produced faster than the shard decodes them), the service's gauge saw a large part
    // of it, and both drained to 0.
    expect(maxGroupLag).toBeGreaterThanOrEqual(BACKLOG);
    expect(grew).toBe(true);
    expect(maxMetricLag).toBeGreaterThan(BACKLOG / 4);
    expect(finalGroupLag).toBe(0);
    expect(finalLag).toBe(0);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(alerts.length).toBeGreaterThan(0);
    expect(duplicateIds(alerts)).toEqual([]);
  });
});
