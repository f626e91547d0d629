/**
 * Bad or odd input never throws out of the pipeline: arbitrary bytes, arbitrary JSON, valid events
 * with extreme values, duplicate request ids, timestamps jumping back and forth, in any batching.
 * (Property-based, fast-check.) The counters always add up.
 */
import fc from 'fast-check';
import { PartitionPipeline } from '../../src/engine/partition-pipeline';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import type { SourceRecord, TopicRole } from '../../src/pipeline/records';
import { engineConfig } from './engine-fixture';

const TOPIC: Record<TopicRole, string> = { inputs: 'inference.inputs', outputs: 'inference.outputs', feedback: 'inference.feedback' };
const T0 = 1_763_800_000_000;
const enc = new TextEncoder();

const role = fc.constantFrom<TopicRole>('inputs', 'outputs', 'feedback');
const id = fc.constantFrom('r1', 'r2', 'r3', '__proto__', 'constructor', '');
const num = fc.oneof(fc.double({ noNaN: false }), fc.integer(), fc.constantFrom(0, -1, 1e308, -1e308, 5e-324));
const wire = fc.record(
  {
    request_id: id,
    model_id: fc.constantFrom('m', 'n', '__proto__'),
    model_version: fc.constantFrom('1', '2'),
    ts: fc.oneof(fc.integer({ min: T0 - 1e7, max: T0 + 1e7 }), num),
    session_id: fc.option(fc.constantFrom('s1', 's2'), { nil: null }),
    segment: fc.dictionary(fc.constantFrom('device', 'region', '__proto__', 'x'), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
    input: fc.record({ length: num, text: fc.string({ maxLength: 10 }), features: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(num, fc.string({ maxLength: 3 }), fc.constant(null), fc.boolean())) }, { requiredKeys: [] }),
    prediction: fc.oneof(fc.string({ maxLength: 5 }), fc.constant(null), fc.constant([])),
    confidence: num,
    latency_ms: num,
    action: fc.constantFrom('redo', 'switch_to_typing', 'accept', 'correct', 'other'),
    label: fc.option(fc.string({ maxLength: 5 }), { nil: null }),
  },
  { requiredKeys: ['request_id', 'model_id', 'ts'] },
);
/** Mostly valid events (so joins, windows, tests and alerts happen), with extreme but legal values. */
const valid = fc.record({
  request_id: fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5', '__proto__'),
  model_id: fc.constantFrom('m', 'constructor'),
  model_version: fc.constantFrom('1', '2'),
  ts: fc.integer({ min: T0, max: T0 + 600_000 }),
  session_id: fc.constantFrom('s1', 's2'),
  segment: fc.record({ device: fc.constantFrom('a', 'b', '__proto__') }),
  input: fc.record({
    length: fc.nat(1e9),
    features: fc.record({ snr_db: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)), lang: fc.constantFrom('en', 'de', '__proto__') }),
    image: fc.record({ brightness: fc.double({ min: 0, max: 1, noNaN: true }) }),
  }),
  prediction: fc.oneof(fc.constantFrom('a', 'b', ''), fc.constant(null)),
  confidence: fc.double({ min: 0, max: 1, noNaN: true }),
  latency_ms: fc.nat(1e9),
  action: fc.constantFrom('redo', 'switch_to_typing', 'accept', 'correct'),
  label: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
});
const value = fc.oneof(
  { weight: 8, arbitrary: valid.map((w) => enc.encode(JSON.stringify(w))) },
  { weight: 1, arbitrary: wire.map((w) => enc.encode(JSON.stringify(w))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.json().map((j) => enc.encode(j)) },
);
const record = fc.tuple(role, value, fc.option(fc.string({ maxLength: 4 }), { nil: null }));

describe('engine robustness', () => {
  it('never throws and its counters add up, whatever the records and batching', () => {
    const stats = { valid: 0, alerts: 0 };
    // Tiny windows and references so that tests, incidents and alerts happen within a few records.
    const config = engineConfig({
      windows: { size: 3, minSamples: 2, allowedLatenessMs: 100_000 },
      reference: { size: 4 },
      join: { maxPending: 5 },
      // Alert on almost anything, so incidents, messages and attribution run on these odd values too.
      detection: { alpha: 0.99, minKsStatistic: 0, minRateChange: 0, minJensenShannon: 0, persistence: 1 },
      alerts: { resolveAfterCleanWindows: 1, cooldownWindows: 0 },
      features: [{ name: 'snr_db', type: 'numeric' }, { name: 'lang', type: 'categorical' }],
    });
    const decode = createRecordDecoder(config);
    fc.assert(
      fc.property(fc.array(record, { minLength: 40, maxLength: 150 }), fc.integer({ min: 1, max: 40 }), (recs, batch) => {
        const offsets: Record<TopicRole, number> = { inputs: 0, outputs: 0, feedback: 0 };
        const sources: SourceRecord[] = recs.map(([r, v, k]) => ({ role: r, topic: TOPIC[r], partition: 0, offset: offsets[r]++, key: k === null ? null : enc.encode(k), value: v }));
        const p = new PartitionPipeline(config, decode, { now: () => 0 });
        let consumed = 0;
        let rejected = 0;
        let dlq = 0;
        for (let i = 0; i < sources.length; i += batch) {
          const o = p.push(sources.slice(i, i + batch));
          consumed += o.counters.consumed;
          rejected += o.counters.rejected;
          dlq += o.dlq.length;
          for (const a of o.alerts) JSON.stringify(a);
          stats.alerts += o.alerts.length;
        }
        const f = p.finish();
        stats.valid += consumed - rejected;
        expect(consumed).toBe(sources.length);
        expect(dlq).toBe(rejected);
        expect(f.counters.consumed).toBe(0);
        expect(p.stats().buffered).toBe(0);
      }),
      { numRuns: 200, seed: 42 },
    );
    // Not vacuous: events got through, and incidents fired and resolved along the way.
    expect(stats.valid).toBeGreaterThan(5000);
    expect(stats.alerts).toBeGreaterThan(20);
  });
});
