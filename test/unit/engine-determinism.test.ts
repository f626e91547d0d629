/**
 * Determinism (DESIGN.md §2.2/§3): the same per-topic record sequences give the same alerts —
 * same ids, statistics and order — however the records are batched and however the three topics
 * interleave across pushes; and a second run gives the same ids.
 */
import type { DriftAlert } from '../../src/alerts/alert-types';
import { PartitionPipeline } from '../../src/engine/partition-pipeline';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import type { SourceRecord } from '../../src/pipeline/records';
import type { SimModel } from '../../src/simulate/speech-traffic';
import { engineConfig, simRecords } from './engine-fixture';

const MODELS: SimModel[] = [
  { id: 'asr-en', versions: [{ version: '2026.11.1', share: 1 }] },
  { id: 'asr-de', versions: [{ version: '2026.10.4', share: 1 }] },
];

/** xorshift32, for the test's own shuffling. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function run(batches: SourceRecord[][]): DriftAlert[] {
  const config = engineConfig();
  const p = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 0 });
  const alerts: DriftAlert[] = [];
  for (const b of batches) alerts.push(...p.push(b).alerts);
  alerts.push(...p.finish().alerts);
  return alerts;
}

/** Splits the records by topic and re-interleaves them in random chunks (per-topic order kept). */
function interleave(records: SourceRecord[], seed: number, maxChunk: number): SourceRecord[][] {
  const r = rng(seed);
  const byTopic = new Map<string, SourceRecord[]>();
  for (const x of records) {
    const l = byTopic.get(x.topic) ?? [];
    l.push(x);
    byTopic.set(x.topic, l);
  }
  const queues = [...byTopic.values()];
  const pos = queues.map(() => 0);
  // The first push starts every stream (a fetch that brings one topic far ahead of the others at
  // start-up is bounded by join.ttlMs, see stream-merger.ts).
  const first: SourceRecord[] = [];
  queues.forEach((q, i) => {
    first.push(...q.slice(0, 50));
    pos[i] = 50;
  });
  const batches: SourceRecord[][] = [first];
  for (;;) {
    const open = queues.map((_q, i) => i).filter((i) => (pos[i] as number) < (queues[i] as SourceRecord[]).length);
    if (open.length === 0) break;
    const batch: SourceRecord[] = [];
    const parts = 1 + Math.floor(r() * 3);
    for (let k = 0; k < parts; k++) {
      const i = open[Math.floor(r() * open.length)] as number;
      const n = 1 + Math.floor(r() * maxChunk);
      const q = queues[i] as SourceRecord[];
      batch.push(...q.slice(pos[i], (pos[i] as number) + n));
      pos[i] = Math.min(q.length, (pos[i] as number) + n);
    }
    batches.push(batch);
  }
  return batches;
}

describe('engine: determinism', () => {
  // A drift that starts and stops: firing and resolved alerts, on the whole model and on a slice.
  const records = simRecords(
    {
      seed: 5,
      models: MODELS,
      drifts: [
        { metric: 'null_output', model: 'asr-en', atRequest: 6000, untilRequest: 8000 },
        { metric: 'latency_ms', model: 'asr-de', atRequest: 6500, slice: { device: 'android' } },
      ],
    },
    60_000,
  );
  const reference = run([records]);

  it('the scenario has firing and resolved alerts', () => {
    expect(reference.filter((a) => a.status === 'firing').length).toBeGreaterThanOrEqual(2);
    expect(reference.filter((a) => a.status === 'resolved').length).toBeGreaterThanOrEqual(1);
  });

  it('gives the same alerts for any batch size', () => {
    for (const size of [7, 4096]) {
      const batches: SourceRecord[][] = [];
      for (let i = 0; i < records.length; i += size) batches.push(records.slice(i, i + size));
      expect(run(batches)).toEqual(reference);
    }
  });

  it('gives the same alerts for random interleavings of the three topics', () => {
    for (const [seed, chunk] of [
      [1, 40],
      [2, 3000],
    ] as const) {
      expect(run(interleave(records, seed, chunk))).toEqual(reference);
    }
  });

  it('gives the same ids in a second run', () => {
    expect(run([records]).map((a) => [a.alert_id, a.incident_id])).toEqual(reference.map((a) => [a.alert_id, a.incident_id]));
  });
});
