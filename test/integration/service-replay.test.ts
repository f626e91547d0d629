import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DriftAlert } from '../../src/alerts/alert-types';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { SpeechTraffic, type SimModel } from '../../src/simulate/speech-traffic';
import { useKafkaClients } from '../harness/env';
import { byId, comparable, liveRun, replayRouted, type Routed } from './runtime-scenario';

jest.setTimeout(170_000);

/** The alerts of a replay of the same records; every line read and none rejected. */
async function replay(config: Readonly<DriftwatchConfig>, routed: readonly Routed[]): Promise<DriftAlert[]> {
  const { alerts, summary } = await replayRouted(config, routed);
  expect(summary.lines).toBe(routed.length);
  expect(summary.rejected).toBe(0);
  return alerts;
}

describe('live run vs replay', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  useKafkaClients((c) => {
    ({ kafka, admin, producer } = c);
  });

  it('gives the same alerts (ids and statistics)', async () => {
    const models: SimModel[] = [
      { id: 'asr-en', versions: [{ version: '2026.11.1', share: 0.8 }, { version: '2026.11.2', share: 0.2 }] },
      { id: 'asr-de', versions: [{ version: '2026.10.4', share: 1 }] },
      { id: 'asr-fr', versions: [{ version: '2026.11.1', share: 1 }] },
    ];
    const sim = new SpeechTraffic({
      seed: 2026,
      models,
      drifts: [
        { metric: 'input_length', model: 'asr-en', atRequest: 7000 },
        { metric: 'null_output', model: 'asr-de', atRequest: 6500 },
        { metric: 'brightness', model: 'asr-fr', slice: { device: 'android' }, atRequest: 6000, magnitude: 1.5 },
        { metric: 'redo', model: 'asr-en', atRequest: 9000 },
        { metric: 'error_rate', model: 'asr-fr', atRequest: 7000 },
      ],
    });
    const records = sim.take(120_000);
    const run = await liveRun({ kafka, admin, producer, records, partitions: 3, prefix: 'replay', overrides: { maxInFlightBatchesPerShard: 1 } });
    const replayed = await replay(run.config, run.routed);
    const live = run.alerts.map(comparable).sort((a, b) => byId(a as DriftAlert, b as DriftAlert));
    const offline = replayed.map(comparable).sort((a, b) => byId(a as DriftAlert, b as DriftAlert));
    const what = live.map((a) => `${a.model_id}:${a.metric}:${JSON.stringify(a.slice)}:${a.status}`).join(' ');
    process.stdout.write(`[replay] ${records.length} events; live ${live.length} alerts, replay ${offline.length}: ${what}\n`);
    expect(live.length).toBeGreaterThan(0);
    // One batch in flight per shard: every shard was paused and resumed along the way.
    expect(run.service.stats().pauses).toBeGreaterThan(0);
    expect(live.map((a) => a.alert_id)).toEqual(offline.map((a) => a.alert_id));
    expect(live).toEqual(offline);
  });
});
