/**
 * Issue 5 §4 as properties (fast-check, seeded):
 * 1. Valid records around bad ones give exactly the alerts they give without them: simulated traffic
 *    with drifts on three partitions, bad records from the catalogue (test/unit/bad-input-cases.ts)
 *    inserted at random positions of random partitions and topics, pushed in random batch sizes.
 *    The alerts (ids, statistics, windows, messages, everything) equal those of the clean run, and
 *    the DLQ holds exactly the inserted records, each with its case's code and coordinates.
 *
 *    Offsets: a bad record takes an offset like any record (Kafka offsets are dense), so it shifts
 *    the offsets of the valid records after it in its topic-partition. The alerts' `sources` of the
 *    dirty run are mapped back through the dirty → clean offset map of the valid records before the
 *    comparison. Mapping is exact: a source range's ends are always offsets of valid records, since
 *    rejected records never reach a series. (The alternative, giving bad records offsets in gaps of the
 *    clean numbering, would not test the dense numbering that Kafka actually produces.)
 *
 * 2. Nothing makes push() throw: arbitrary bytes, catalogue cases, generated wire objects with
 *    arbitrary field values and image data (random bytes, random base64, PNG/JPEG signatures with
 *    garbage, mutated valid PNG/JPEG files) in JSON, Avro and Confluent Avro, and byte mutations of
 *    those encodings; every rejection has a documented code, every limit hit a known name.
 */
import fc from 'fast-check';
import type { DriftAlert, SourceRange } from '../../src/alerts/alert-types';
import { accumulateCounters, PartitionPipeline, type PipelineCounters } from '../../src/engine/partition-pipeline';
import { encodeEvent, type EventFormat } from '../../src/ingest/event-encoder';
import { solidImage } from '../../src/ingest/image-fixtures';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import type { SourceRecord, TopicRole } from '../../src/pipeline/records';
import { SimSourceRecords } from '../../src/simulate/sim-source-records';
import { SpeechTraffic } from '../../src/simulate/speech-traffic';
import { AUTO_CASES, CATALOGUE_OVERRIDES, DLQ_CODES, LIMIT_HIT_NAMES } from './bad-input-cases';
import { engineConfig } from './engine-fixture';

jest.setTimeout(60_000);

const PARTITIONS = 3;
const TOPIC: Record<TopicRole, string> = { inputs: 'inference.inputs', outputs: 'inference.outputs', feedback: 'inference.feedback' };
const enc = new TextEncoder();

// Small windows and references so that drifts give alerts within a short stream. A few bad records
// in a data-quality window of 500 records stay below detection.minRateChange (0.02 = 10 records), so
// they never give a data_quality alert of their own: with more, such an alert would be right.
const MAX_BAD = 8;
const config = engineConfig({ ...CATALOGUE_OVERRIDES, windows: { size: 500, minSamples: 100 }, reference: { size: 1000 } });
const decode = createRecordDecoder(config);

function simulate(): SourceRecord[] {
  const sim = new SpeechTraffic({
    seed: 5,
    topics: TOPIC,
    drifts: [
      { metric: 'confidence', model: 'asr-en', atRequest: 2500 },
      { metric: 'feature:lang', model: 'asr-de', atRequest: 1800, untilRequest: 3000 },
      { metric: 'null_output', model: 'asr-fr', atRequest: 1200, magnitude: 2 },
    ],
  });
  const source = new SimSourceRecords(PARTITIONS);
  const out: SourceRecord[] = [];
  while (sim.requestsOf('asr-en') < 5000) out.push(source.toSource(sim.next()));
  return out;
}

/** One pipeline per partition index, as the service's shards hold them; records pushed in `batch`es per partition. */
function run(records: readonly SourceRecord[], batch: number): { alerts: DriftAlert[]; dlq: { topic: string; partition: number; offset: number; code: string }[]; counters: PipelineCounters } {
  const alerts: DriftAlert[] = [];
  const dlq: { topic: string; partition: number; offset: number; code: string }[] = [];
  const counters: PipelineCounters = { consumed: 0, rejected: 0, late: 0, orphans: 0, limitHits: {} };
  for (let p = 0; p < PARTITIONS; p++) {
    const mine = records.filter((r) => r.partition === p);
    const pipeline = new PartitionPipeline(config, decode, { now: () => 0 });
    const outs = [];
    for (let i = 0; i < mine.length; i += batch) outs.push(pipeline.push(mine.slice(i, i + batch)));
    outs.push(pipeline.finish());
    for (const o of outs) {
      alerts.push(...o.alerts);
      for (const d of o.dlq) dlq.push({ topic: d.topic, partition: d.partition, offset: d.offset, code: d.error_code });
      accumulateCounters(counters, o.counters);
    }
  }
  return { alerts, dlq, counters };
}

const CLEAN_RECORDS = simulate();
const CLEAN = run(CLEAN_RECORDS, 1000);

interface Insert {
  caseIndex: number;
  n: number;
  partition: number;
  /** Position in the partition's record sequence, as a fraction. */
  at: number;
  key: string | null;
}

/** The clean records with the bad ones inserted; offsets renumbered densely per topic-partition. */
function dirty(inserts: readonly Insert[]): {
  records: SourceRecord[];
  expectedDlq: { topic: string; partition: number; offset: number; code: string }[];
  toClean: Map<string, number>;
} {
  const perPartition: { r: SourceRecord; bad: string | null }[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const r of CLEAN_RECORDS) perPartition[r.partition]!.push({ r, bad: null });
  for (const ins of inserts) {
    const c = AUTO_CASES[ins.caseIndex]!;
    const list = perPartition[ins.partition]!;
    const bad: SourceRecord = { role: c.role, topic: TOPIC[c.role], partition: ins.partition, offset: -1, key: ins.key === null ? null : enc.encode(ins.key), value: c.value(ins.n) };
    list.splice(Math.floor(ins.at * (list.length + 1)), 0, { r: bad, bad: c.code });
  }
  const next = new Map<string, number>();
  const toClean = new Map<string, number>();
  const records: SourceRecord[] = [];
  const expectedDlq: { topic: string; partition: number; offset: number; code: string }[] = [];
  for (const list of perPartition) {
    for (const { r, bad } of list) {
      const tp = `${r.topic}/${r.partition}`;
      const offset = next.get(tp) ?? 0;
      next.set(tp, offset + 1);
      records.push({ ...r, offset });
      if (bad === null) toClean.set(`${tp}/${offset}`, r.offset);
      else expectedDlq.push({ topic: r.topic, partition: r.partition, offset, code: bad });
    }
  }
  return { records, expectedDlq, toClean };
}

function mapSources(sources: readonly SourceRange[], toClean: ReadonlyMap<string, number>): SourceRange[] {
  const at = (s: SourceRange, o: number): number => {
    const clean = toClean.get(`${s.topic}/${s.partition}/${o}`);
    if (clean === undefined) throw new Error(`source offset ${s.topic}/${s.partition}/${o} is not a valid record's`);
    return clean;
  };
  return sources.map((s) => ({ ...s, from_offset: at(s, s.from_offset), to_offset: at(s, s.to_offset) }));
}

const byKey = <T extends { topic: string; partition: number; offset: number }>(a: T, b: T): number =>
  a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || a.offset - b.offset;

describe('bad records among valid ones', () => {
  it('the clean stream is not vacuous: drift alerts on every partition, firing and resolved, no rejections', () => {
    expect(CLEAN.dlq).toEqual([]);
    expect(new Set(CLEAN.alerts.map((a) => a.status))).toEqual(new Set(['firing', 'resolved']));
    expect(new Set(CLEAN.alerts.map((a) => a.model_id))).toEqual(new Set(['asr-en', 'asr-de', 'asr-fr']));
    expect(CLEAN.alerts.filter((a) => a.kind === 'data_quality')).toEqual([]);
  });

  it('give exactly the alerts of the clean stream; the DLQ holds exactly the bad records', () => {
    const insert = fc.record({
      caseIndex: fc.nat(AUTO_CASES.length - 1),
      n: fc.nat(999_999),
      partition: fc.nat(PARTITIONS - 1),
      at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      key: fc.constantFrom('asr-en', 'asr-de', 'asr-fr', 'garbage', null),
    });
    let inserted = 0;
    fc.assert(
      fc.property(fc.array(insert, { minLength: 1, maxLength: MAX_BAD }), fc.integer({ min: 1, max: 4000 }), (inserts, batch) => {
        const d = dirty(inserts);
        const got = run(d.records, batch);
        inserted += inserts.length;
        expect(got.dlq.sort(byKey)).toEqual(d.expectedDlq.sort(byKey));
        expect(got.counters.rejected).toBe(inserts.length);
        expect(got.counters.consumed).toBe(CLEAN_RECORDS.length + inserts.length);
        // Limit hits: exactly one per over-limit record inserted, by name.
        const hits: Record<string, number> = {};
        for (const ins of inserts) {
          const limit = AUTO_CASES[ins.caseIndex]!.limit;
          if (limit !== undefined) hits[limit] = (hits[limit] ?? 0) + 1;
        }
        expect(got.counters.limitHits).toEqual(hits);
        expect(got.counters.late).toBe(CLEAN.counters.late);
        expect(got.counters.orphans).toBe(CLEAN.counters.orphans);
        const mapped = got.alerts.map((a) => ({ ...a, sources: mapSources(a.sources, d.toClean) }));
        expect(mapped).toEqual(CLEAN.alerts);
      }),
      { numRuns: 12, seed: 20261122 },
    );
    expect(inserted).toBeGreaterThan(12);
  });
});

// ---- nothing throws out of push() --------------------------------------------------------------------

const PNG = solidImage('png', 6, 5, [120, 30, 200]);
const JPEG = solidImage('jpeg', 8, 8, [30, 160, 90]);
const ROLE = fc.constantFrom<TopicRole>('inputs', 'outputs', 'feedback');
const T0 = 1_763_800_000_000;

/** Image data: random bytes, random base64-ish text, signatures with garbage, byte-mutated PNG/JPEG files. */
const imageBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...b])),
  fc.uint8Array({ maxLength: 200 }).map((b) => Uint8Array.from([0xff, 0xd8, 0xff, ...b])),
  fc.tuple(fc.constantFrom(PNG, JPEG), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.option(fc.nat())).map(([file, flips, cut]) => {
    const b = Uint8Array.from(file);
    for (const [at, v] of flips) b[at % b.length] = v;
    return cut === null ? b : b.subarray(0, cut % (b.length + 1));
  }),
  fc.constantFrom(Uint8Array.from(PNG), Uint8Array.from(JPEG)),
);
const imageData = fc.oneof(
  imageBytes.map((b) => Buffer.from(b).toString('base64')),
  imageBytes,
  fc.string({ maxLength: 60 }),
  imageBytes.map((b) => `data:image/png;base64,${Buffer.from(b).toString('base64')}`),
);
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.double(), fc.constant(undefined));
/** Mostly `good`, sometimes anything: records get past the first checks often enough to reach the later ones. */
const mostly = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: anyValue });
const wire = fc.record(
  {
    request_id: mostly(fc.string({ minLength: 1, maxLength: 12 })),
    model_id: mostly(fc.constantFrom('m', '__proto__')),
    model_version: mostly(fc.constantFrom('1', 'constructor')),
    ts: mostly(fc.integer({ min: T0, max: T0 + 100_000 })),
    session_id: fc.option(fc.string({ maxLength: 4 })),
    segment: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 20 }), anyValue),
    input: fc.record(
      {
        length: fc.oneof(fc.double(), anyValue),
        text: fc.oneof(fc.string({ maxLength: 30 }), anyValue),
        image: fc.record({ brightness: fc.oneof(fc.double(), anyValue), data: imageData }, { requiredKeys: [] }),
        features: fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.double(), fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null), anyValue), { maxKeys: 20 }), anyValue),
      },
      { requiredKeys: [] },
    ),
    prediction: anyValue,
    confidence: fc.oneof(fc.double(), anyValue),
    latency_ms: fc.oneof(fc.double(), anyValue),
    deployment: fc.oneof(fc.constantFrom('live', 'shadow', 'canary'), anyValue),
    action: fc.oneof(fc.constantFrom('redo', 'switch_to_typing', 'accept', 'correct'), anyValue),
    label: anyValue,
  },
  { requiredKeys: ['request_id', 'model_id', 'model_version', 'ts'] },
);

/** A wire object in a format; the Avro encoder refuses values its schema cannot hold (then JSON). */
function encodeAny(w: Record<string, unknown>, role: TopicRole, format: EventFormat): Uint8Array {
  if (format !== 'json') {
    try {
      return encodeEvent(w, role, format);
    } catch {
      // not representable in Avro: fall through to JSON
    }
  }
  const text = JSON.stringify(w, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
  return enc.encode(text ?? 'null');
}

const encoded = fc.tuple(ROLE, wire, fc.constantFrom<EventFormat>('json', 'avro', 'confluent-avro')).map(([role, w, format]) => ({ role, value: encodeAny(w, role, format) }));
const mutated = fc.tuple(encoded, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.option(fc.nat())).map(([e, flips, cut]) => {
  const b = Uint8Array.from(e.value);
  for (const [at, v] of flips) if (b.length > 0) b[at % b.length] = v;
  return { role: e.role, value: cut === null ? b : b.subarray(0, cut % (b.length + 1)) };
});
const anyRecord = fc.oneof(
  { weight: 4, arbitrary: encoded },
  { weight: 2, arbitrary: mutated },
  { weight: 1, arbitrary: fc.tuple(ROLE, fc.uint8Array({ maxLength: 300 })).map(([role, value]) => ({ role, value })) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(AUTO_CASES.length - 1), fc.nat(999_999)).map(([i, n]) => ({ role: AUTO_CASES[i]!.role, value: AUTO_CASES[i]!.value(n) })) },
);

describe('no input makes push() throw', () => {
  it('decoders and extractors, all formats, image data included', () => {
    let rejected = 0;
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(anyRecord, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 20 }), (recs, batch) => {
        const offsets: Record<TopicRole, number> = { inputs: 0, outputs: 0, feedback: 0 };
        const records: SourceRecord[] = recs.map(({ role, value }) => ({ role, topic: TOPIC[role], partition: 1, offset: offsets[role]++, key: null, value }));
        const pipeline = new PartitionPipeline(config, decode, { now: () => 0 });
        const counters: PipelineCounters = { consumed: 0, rejected: 0, late: 0, orphans: 0, limitHits: {} };
        let dlq = 0;
        for (let i = 0; i <= records.length; i += batch) {
          const o = i < records.length ? pipeline.push(records.slice(i, i + batch)) : pipeline.finish();
          accumulateCounters(counters, o.counters);
          dlq += o.dlq.length;
          for (const d of o.dlq) {
            expect(DLQ_CODES.has(d.error_code)).toBe(true);
            expect(d.topic).toBe(TOPIC[records.find((r) => r.offset === d.offset && r.topic === d.topic)!.role]);
          }
        }
        expect(counters.consumed).toBe(records.length);
        expect(dlq).toBe(counters.rejected);
        for (const name of Object.keys(counters.limitHits)) expect(LIMIT_HIT_NAMES.has(name)).toBe(true);
        rejected += counters.rejected;
        accepted += counters.consumed - counters.rejected;
      }),
      { numRuns: 800, seed: 4242 },
    );
    // Not vacuous: both outcomes happen.
    expect(rejected).toBeGreaterThan(1000);
    expect(accepted).toBeGreaterThan(100);
  });

  it('image data alone: accepted with a brightness in [0, 1], or rejected as an image or over a limit', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(imageData, fc.constantFrom<EventFormat>('json', 'avro'), (data, format) => {
        const w = { request_id: 'r', model_id: 'm', model_version: '1', ts: T0, input: { image: { data } } };
        const value = encodeAny(w, 'inputs', format);
        const res = decode({ role: 'inputs', topic: TOPIC.inputs, partition: 0, offset: 0, key: null, value });
        if (res.ok) {
          const b = res.event.type === 'input' ? res.event.brightness : null;
          expect(b).not.toBeNull();
          expect(b! >= 0 && b! <= 1).toBe(true);
          seen.add('ok');
        } else {
          expect(['DRIFTWATCH_INVALID_IMAGE', 'DRIFTWATCH_LIMIT_EXCEEDED']).toContain(res.code);
          seen.add(res.code);
        }
      }),
      { numRuns: 1500, seed: 7 },
    );
    expect(seen).toEqual(new Set(['ok', 'DRIFTWATCH_INVALID_IMAGE', 'DRIFTWATCH_LIMIT_EXCEEDED']));
  });
});
