/**
 * Data quality: a rising share of records rejected by validation on one stream gives a
 * `data_quality` alert (metric `rejected_records`) for the model key of that stream, and the
 * drift carried by the valid records around the bad ones is still detected.
 */
import type { DriftAlert } from '../../src/alerts/alert-types';
import { PartitionPipeline } from '../../src/engine/partition-pipeline';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import type { SourceRecord } from '../../src/pipeline/records';
import type { SimModel } from '../../src/simulate/speech-traffic';
import { engineConfig, simRecords } from './engine-fixture';

const MODELS: SimModel[] = [{ id: 'asr-en', versions: [{ version: '2026.11.1', share: 1 }] }];

function run(records: SourceRecord[]): DriftAlert[] {
  const config = engineConfig();
  const p = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 0 });
  const out: DriftAlert[] = [];
  for (let i = 0; i < records.length; i += 800) out.push(...p.push(records.slice(i, i + 800)).alerts);
  return [...out, ...p.finish().alerts];
}

describe('engine: data quality', () => {
  const clean = simRecords({ seed: 21, models: MODELS, drifts: [{ metric: 'brightness', model: 'asr-en', atRequest: 7000 }] }, 45_000);
  // From the 9,000th input on, one input in six is truncated JSON (a producer bug), kept at its offset.
  let inputs = 0;
  const dirty = clean.map((r) => {
    if (r.role !== 'inputs' || ++inputs < 9000 || inputs % 6 !== 0) return r;
    return { ...r, value: r.value.subarray(0, r.value.length - 7) };
  });
  const bad = dirty.filter((r, i) => r !== clean[i]).length;

  it('fires rejected_records for the stream and model key', () => {
    const alerts = run(dirty);
    const dq = alerts.filter((a) => a.kind === 'data_quality');
    expect(dq.length).toBeGreaterThan(0);
    const [a] = dq as [DriftAlert];
    expect(a).toMatchObject({ status: 'firing', metric: 'rejected_records', model_id: 'asr-en', model_version: '*', slice: {}, detector: 'two_proportion_z' });
    expect(a.current.rate).toBeGreaterThan(0.1);
    expect(a.reference.rate).toBe(0);
    expect(a.sources).toEqual([{ topic: 'inference.inputs', partition: 0, from_offset: expect.any(Number) as number, to_offset: expect.any(Number) as number }]);
    expect(bad).toBeGreaterThan(1000);
  });

  it('still detects the drift carried by the valid records around the bad ones', () => {
    const drift = (as: DriftAlert[]): string[] => as.filter((a) => a.kind !== 'data_quality').map((a) => `${a.status} ${a.metric} ${JSON.stringify(a.slice)}`);
    const withBad = drift(run(dirty));
    expect(withBad).toContain('firing brightness {}');
    expect(drift(run(clean))).toContain('firing brightness {}');
  });
});
