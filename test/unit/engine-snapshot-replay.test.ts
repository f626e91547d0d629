/**
 * `replayEvents(..., { finish: false })`: what a live service that consumed exactly these records
 * (and never ends) has produced. Per partition its alerts are a prefix of the finished replay's
 * (finish only adds the end-of-input release), and both are deterministic.
 */
import type { DlqEntry, DriftAlert } from '../../src/alerts/alert-types';
import { replayEvents } from '../../src/replay/run-replay';
import { SimSourceRecords } from '../../src/simulate/sim-source-records';
import { SpeechTraffic, type SimModel } from '../../src/simulate/speech-traffic';
import { engineConfig } from './engine-fixture';

const MODELS: SimModel[] = [
  { id: 'asr-en', versions: [{ version: '1', share: 1 }] },
  { id: 'asr-fr', versions: [{ version: '7', share: 0.6 }, { version: '8', share: 0.4 }] },
];

/** Small windows and references so drifts fire within a short stream. */
const CONFIG = engineConfig({ windows: { size: 500 }, reference: { size: 1000 } });

function linesOf(n: number): string[] {
  const sim = new SpeechTraffic({
    seed: 11,
    models: MODELS,
    drifts: [
      { metric: 'confidence', model: 'asr-en', atRequest: 2500 },
      { metric: 'latency_ms', model: 'asr-fr', atRequest: 3000 },
    ],
  });
  const enc = new SimSourceRecords(2);
  return sim.take(n).map((r) => {
    const s = enc.toSource(r);
    return JSON.stringify({ topic: r.topic, key: r.key, partition: s.partition, offset: s.offset, value: r.value });
  });
}

async function run(lines: string[], finish?: boolean): Promise<{ alerts: DriftAlert[]; dlq: DlqEntry[]; summary: unknown }> {
  const alerts: DriftAlert[] = [];
  const dlq: DlqEntry[] = [];
  const options = finish === undefined ? { now: () => 0 } : { finish, now: () => 0 };
  const summary = await replayEvents(CONFIG, lines, { alert: (a) => alerts.push(a), dlq: (d) => dlq.push(d) }, options);
  return { alerts, dlq, summary };
}

/** Alerts per partition of the source records they cite (a model lives on one partition). */
function byPartition(alerts: DriftAlert[]): Map<number, DriftAlert[]> {
  const m = new Map<number, DriftAlert[]>();
  for (const a of alerts) {
    const p = a.sources[0]?.partition ?? -1;
    const l = m.get(p) ?? [];
    l.push(a);
    m.set(p, l);
  }
  return m;
}

describe('replayEvents finish option', () => {
  const lines = [...linesOf(30_000), 'not json'];

  it('finish: false gives a per-partition prefix of finish: true; both deterministic', async () => {
    const live = await run(lines, false);
    const live2 = await run(lines, false);
    const done = await run(lines, true);
    const done2 = await run(lines);
    expect(live2).toEqual(live);
    expect(done2).toEqual(done);
    expect(live.alerts.some((a) => a.status === 'firing')).toBe(true);
    expect(live.dlq).toEqual(done.dlq);
    expect(live.dlq.length).toBe(1);
    const lp = byPartition(live.alerts);
    const dp = byPartition(done.alerts);
    for (const [p, as] of dp) expect(lp.get(p) ?? []).toEqual(as.slice(0, (lp.get(p) ?? []).length));
    for (const p of lp.keys()) expect(dp.has(p)).toBe(true);
    expect(lp.size).toBe(2);
    expect((live.summary as { partitions: number }).partitions).toBe(2);
    expect(live.alerts.length).toBeLessThanOrEqual(done.alerts.length);
    expect((live.summary as { consumed: number }).consumed).toBe((done.summary as { consumed: number }).consumed);
  });

  it('finish: false leaves events behind the watermark unreleased (a prefix of the data too)', async () => {
    // Cut the stream right where a window is about to close: without finish the late tail is not
    // processed, so the live replay can have strictly fewer alerts, never different ones.
    for (const n of [4000, 9000, 15_000]) {
      const cut = lines.slice(0, n);
      const live = await run(cut, false);
      const done = await run(cut, true);
      const dp = byPartition(done.alerts);
      for (const [p, as] of byPartition(live.alerts)) expect(as).toEqual((dp.get(p) ?? []).slice(0, as.length));
    }
  });
});
