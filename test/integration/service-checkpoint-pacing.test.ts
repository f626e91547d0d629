import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DriftAlert } from '../../src/alerts/alert-types';
import type { ServiceHandle } from '../../src/service/driftwatch-service';
import { SpeechTraffic } from '../../src/simulate/speech-traffic';
import { useKafkaClients } from '../harness/env';
import { byId, liveRun, normalised } from './runtime-scenario';

jest.setTimeout(170_000);

const PARTITIONS = 2;
const INTERVAL_MS = 100;

/** Checkpoints committed so far, and each shard's current checkpoint interval in seconds. */
interface Checkpoints {
  count: number;
  intervalS: number[];
}

interface PacedRun {
  before: Checkpoints;
  alerts: Omit<DriftAlert, 'emitted_at'>[];
  service: ServiceHandle;
}

async function checkpointsOf(service: ServiceHandle): Promise<Checkpoints> {
  const bytes = await service.metrics.checkpointBytes.get();
  const interval = await service.metrics.checkpointInterval.get();
  return {
    count: bytes.values.find((v) => v.metricName === 'driftwatch_checkpoint_bytes_count')?.value ?? 0,
    intervalS: interval.values.map((v) => v.value),
  };
}

// checkpoint.intervalMs is a minimum: a shard's checkpoints are spaced so that they take at most
// checkpoint.maxShardShare of its time (src/kafka/ingest-consumer.ts, checkpointIntervalMs).
describe('checkpoint pacing (real broker)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  useKafkaClients((c) => ({ kafka, admin, producer } = c));

  it('stretches the interval to the shard-time budget, and the alerts stay the same', async () => {
    const records = new SpeechTraffic({
      seed: 41,
      models: [
        // On partitions 0 and 1 of 2 (partitionOf): one per shard.
        { id: 'asr-en', versions: [{ version: '2026.11.1', share: 1 }] },
        { id: 'asr-fr', versions: [{ version: '2026.10.4', share: 1 }] },
      ],
      drifts: [{ metric: 'input_length', model: 'asr-en', atRequest: 6000 }],
    }).take(60_000);
    // Produced while the service runs, in chunks over ~3 s, so that it pushes every fetch round.
    const run = async (maxShardShare: number): Promise<PacedRun> => {
      let before: Checkpoints = { count: 0, intervalS: [] };
      const live = await liveRun({
        kafka, admin, producer, records, partitions: PARTITIONS, prefix: 'pacing',
        overrides: { checkpoint: { intervalMs: INTERVAL_MS, maxShardShare } },
        live: { chunk: 5000, pauseMs: 250 },
        // Counted before stop(): stopping checkpoints every partition once more, whatever the pace.
        beforeStop: async (service) => void (before = await checkpointsOf(service)),
      });
      const alerts = live.alerts.map((a) => normalised(a, live.topics)).sort((a, b) => byId(a as DriftAlert, b as DriftAlert));
      return { before, alerts, service: live.service };
    };

    const unpaced = await run(1);
    // A budget of 1/100,000 of the shard's time: even a 0.01 ms snapshot stretches the interval to 1 s.
    const paced = await run(1e-5);
    const measured = (await paced.service.metrics.checkpointSeconds.get()).values;
    const sumS = measured.find((v) => v.metricName === 'driftwatch_checkpoint_seconds_sum')?.value ?? 0;
    process.stdout.write(
      `[checkpoint-pacing] ${records.length} events; share 1: ${unpaced.before.count} checkpoints, interval ${unpaced.before.intervalS.join('/')} s; ` +
        `share 1e-5: ${paced.before.count} checkpoints, interval ${paced.before.intervalS.map((s) => s.toFixed(1)).join('/')} s (snapshots took ${(sumS * 1000).toFixed(1)} ms in all)\n`,
    );

    // Unpaced: every 100 ms, so several per partition over a run of seconds.
    expect(unpaced.before.intervalS).toEqual(Array(PARTITIONS).fill(INTERVAL_MS / 1000));
    expect(unpaced.before.count).toBeGreaterThanOrEqual(5 * PARTITIONS);
    // Paced: the take-over checkpoint of each partition measures the cost (none is asked for before
    // it is known); the next one is due only after cost / 1e-5, beyond the run.
    for (const s of paced.before.intervalS) expect(s).toBeGreaterThanOrEqual(1);
    expect(paced.before.count).toBe(PARTITIONS);
    expect(paced.before.count).toBeLessThan(unpaced.before.count);

    expect(paced.alerts.length).toBeGreaterThan(0);
    expect(paced.alerts).toEqual(unpaced.alerts);
  });
});
