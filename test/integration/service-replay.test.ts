import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DriftAlert } from '../../src/alerts/alert-types';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayEvents } from '../../src/replay/run-replay';
import { SpeechTraffic, type SimModel } from '../../src/simulate/speech-traffic';
import { useKafkaClients } from '../harness/env';
import { byId, comparable, liveRun, type Routed } from './runtime-scenario';

jest.setTimeout(170_000);

/**
 * Writes the records as a `driftwatch replay` events file (one Kafka record per line, with its
 * partition and offset) and replays it through src/replay (the code path of `driftwatch replay`).
 */
async function replay(config: Readonly<DriftwatchConfig>, routed: readonly Routed[]): Promise<DriftAlert[]> {
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-replay-'));
  try {
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, routed.map((r) => JSON.stringify({ topic: r.topic, key: r.key, partition: r.partition, offset: r.offset, value: r.sim.value })).join('\n') + '\n');
    const alerts: DriftAlert[] = [];
    // finish: false — a live service never ends its stream, it checkpoints at stop.
    const summary = await replayEvents(config, file, { alert: (a) => alerts.push(a) }, { finish: false });
    expect(summary.lines).toBe(routed.length);
    expect(summary.rejected).toBe(0);
    return alerts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
