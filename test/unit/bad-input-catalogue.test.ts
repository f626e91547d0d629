/**
 * Issue 5 §4, one row per class of bad input (test/unit/bad-input-cases.ts): pushed through
 * PartitionPipeline.push between two valid records, each goes to the DLQ with its specific code, its
 * source coordinates (topic, partition, offset), its raw value and key; a limit is counted under its
 * name in `counters.limitHits`; the valid records around it are consumed normally. Then the limits
 * that do not reject (slice values per field and per model, the join table) count their hits, and
 * keys such as `__proto__` never reach a prototype.
 */
import type { DriftwatchConfig, MessageFormat } from '../../src/config/config-types';
import type { DeepPartial } from '../../src/config/load-config';
import { accumulateCounters, PartitionPipeline, type PipelineCounters, type PipelineOutput } from '../../src/engine/partition-pipeline';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import { dlqEntryThatFits } from '../../src/kafka/partition-transactions';
import { ServiceMetrics } from '../../src/ops/metrics';
import type { SourceRecord, TopicRole } from '../../src/pipeline/records';
import { BAD_CASES, CATALOGUE_OVERRIDES, DLQ_CODES, type BadCase } from './bad-input-cases';
import { engineConfig } from './engine-fixture';

const TOPIC: Record<TopicRole, string> = { inputs: 'inference.inputs', outputs: 'inference.outputs', feedback: 'inference.feedback' };
const T0 = 1_763_800_000_000;
const enc = new TextEncoder();

function configFor(format: MessageFormat, more: DeepPartial<DriftwatchConfig> = {}): Readonly<DriftwatchConfig> {
  return engineConfig({ ...CATALOGUE_OVERRIDES, ...more, kafka: { format } });
}

const VALID: Record<TopicRole, (i: number) => Record<string, unknown>> = {
  inputs: (i) => ({ request_id: `ok-${i}`, model_id: 'asr-en', model_version: '2026.11.1', ts: T0 + i, segment: { device: 'ios' }, input: { length: 4, features: { snr_db: 21 } } }),
  outputs: (i) => ({ request_id: `ok-${i}`, model_id: 'asr-en', model_version: '2026.11.1', ts: T0 + i, prediction: 'call mom', confidence: 0.8 }),
  feedback: (i) => ({ request_id: `ok-${i}`, model_id: 'asr-en', ts: T0 + i, action: 'accept' }),
};

function source(role: TopicRole, offset: number, value: Uint8Array, key: string | null = 'asr-en', partition = 3): SourceRecord {
  return { role, topic: TOPIC[role], partition, offset, key: key === null ? null : enc.encode(key), value };
}

function emptyCounters(): PipelineCounters {
  return { consumed: 0, rejected: 0, late: 0, orphans: 0, limitHits: {} };
}

const decoders = new Map<MessageFormat, ReturnType<typeof createRecordDecoder>>();
function pipelineFor(format: MessageFormat): PartitionPipeline {
  const config = configFor(format);
  let decode = decoders.get(format);
  if (decode === undefined) {
    decode = createRecordDecoder(config);
    decoders.set(format, decode);
  }
  return new PartitionPipeline(config, decode, { now: () => 0 });
}

describe('bad input catalogue: every class goes to the DLQ with its code and coordinates', () => {
  it('covers every DLQ code of bad input and every input limit', () => {
    expect(new Set(BAD_CASES.map((c) => c.code))).toEqual(DLQ_CODES);
    expect(new Set(BAD_CASES.filter((c) => c.limit !== undefined).map((c) => c.limit))).toEqual(
      new Set(['maxMessageBytes', 'maxStringLength', 'maxFeatures', 'maxArrayLength', 'maxDepth', 'maxImageBytes', 'maxImagePixels']),
    );
    // A limit name exactly when the code is DRIFTWATCH_LIMIT_EXCEEDED.
    for (const c of BAD_CASES) expect(c.limit !== undefined).toBe(c.code === 'DRIFTWATCH_LIMIT_EXCEEDED');
  });

  const rows = BAD_CASES.map((c) => [c.name, c] as [string, BadCase]);
  it.each(rows)('%s', (_name, c) => {
    for (const n of [1, 4242, 999_999]) {
      const p = pipelineFor(c.format ?? 'auto');
      const value = c.value(n);
      const offset = 40 + (n % 7);
      const records = [
        source(c.role, offset - 1, enc.encode(JSON.stringify(VALID[c.role](n)))),
        source(c.role, offset, value, n % 2 === 0 ? null : 'asr-en'),
        source(c.role, offset + 1, enc.encode(JSON.stringify(VALID[c.role](n + 1)))),
      ];
      const out = p.push(records);
      expect(out.dlq).toHaveLength(1);
      const d = out.dlq[0]!;
      expect({ code: d.error_code, topic: d.topic, partition: d.partition, offset: d.offset }).toEqual({ code: c.code, topic: TOPIC[c.role], partition: 3, offset });
      expect(d.value_b64).toBe(Buffer.from(value).toString('base64'));
      expect(d.key).toBe(n % 2 === 0 ? null : 'asr-en');
      expect(d.error_message.length).toBeGreaterThan(0);
      expect(out.counters.consumed).toBe(3);
      expect(out.counters.rejected).toBe(1);
      expect(out.counters.limitHits).toEqual(c.limit === undefined ? {} : { [c.limit]: 1 });
      if (c.limit !== undefined) expect(d.error_message).toContain(c.limit);
    }
  });

  // Not a row of BAD_CASES: the record itself is valid; the stream merger rejects it once the next
  // record of its topic-partition does not follow the jump (windows.maxTimeJumpMs; engine-time-jump.test.ts).
  it.each<[TopicRole]>([['inputs'], ['outputs'], ['feedback']])('ts far in the future but in range (year 2100) on %s', (role) => {
    const p = pipelineFor('auto');
    const value = enc.encode(JSON.stringify({ ...VALID[role](2), ts: Date.UTC(2100, 0, 1) }));
    const out = p.push([source(role, 40, enc.encode(JSON.stringify(VALID[role](1)))), source(role, 41, value), source(role, 42, enc.encode(JSON.stringify(VALID[role](3))))]);
    expect(out.dlq.map((d) => ({ code: d.error_code, topic: d.topic, partition: d.partition, offset: d.offset, value_b64: d.value_b64, key: d.key }))).toEqual([
      { code: 'DRIFTWATCH_TS_OUT_OF_RANGE', topic: TOPIC[role], partition: 3, offset: 41, value_b64: Buffer.from(value).toString('base64'), key: 'asr-en' },
    ]);
    expect(out.counters).toEqual({ consumed: 3, rejected: 1, late: 0, orphans: 0, limitHits: {} });
  });
});

describe('limits that fold or evict instead of rejecting: counted by name', () => {
  function run(config: Readonly<DriftwatchConfig>, records: SourceRecord[]): { counters: PipelineCounters; outputs: PipelineOutput[]; pipeline: PartitionPipeline } {
    const pipeline = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 0 });
    const counters = emptyCounters();
    const outputs = [pipeline.push(records), pipeline.finish()];
    for (const o of outputs) accumulateCounters(counters, o.counters);
    return { counters, outputs, pipeline };
  }
  const input = (i: number, segment: Record<string, string>, requestId = `r${i}`): SourceRecord =>
    source('inputs', i, enc.encode(JSON.stringify({ request_id: requestId, model_id: 'asr-en', model_version: '1', ts: T0 + i, segment, input: { length: 3 } })));

  it('slices.maxValuesPerField: each value beyond the cap folds into __other__ and is counted', () => {
    const config = configFor('auto', { slices: { maxValuesPerField: 3, dimensions: ['device'] } });
    const records = Array.from({ length: 8 }, (_, i) => input(i, { device: `d${i % 6}` }));
    // d0..d2 get slices; d3, d4, d5 fold (d0, d1 come back as known values).
    expect(run(config, records).counters.limitHits).toEqual({ maxValuesPerField: 3 });
  });

  it('slices.maxValuesPerModel: values beyond the per-model cap fold into their field’s __other__', () => {
    const config = configFor('auto', { slices: { maxValuesPerModel: 4, maxValuesPerField: 20 } });
    const records = Array.from({ length: 5 }, (_, i) => input(i, { device: `d${i}`, region: `r${i}` }));
    // Inputs 0 and 1 make 4 slices; inputs 2, 3, 4 fold both of their values.
    expect(run(config, records).counters.limitHits).toEqual({ maxValuesPerModel: 6 });
    const under = configFor('auto', { slices: { maxValuesPerModel: 10, maxValuesPerField: 20 } });
    expect(run(under, records).counters.limitHits).toEqual({});
  });

  it('models.maxModels / maxVersionsPerModel: ids and versions beyond the caps share __other__, counted per event', () => {
    const config = configFor('auto', { models: { maxModels: 2, maxVersionsPerModel: 2 } });
    const rec = (i: number, model: string, version: string): SourceRecord =>
      source('inputs', i, enc.encode(JSON.stringify({ request_id: `r${i}`, model_id: model, model_version: version, ts: T0 + i, input: { length: 3 } })));
    // Models a, b tracked; c, d (3 events) fold into model __other__. Versions 1, 2 of a tracked;
    // 3 and 4 (2 events) fold into a's version __other__. The literal __other__ counts no hit.
    const records = [rec(0, 'a', '1'), rec(1, 'b', '1'), rec(2, 'c', '1'), rec(3, 'a', '2'), rec(4, 'a', '3'), rec(5, 'd', '9'), rec(6, 'c', '1'), rec(7, 'a', '4'), rec(8, '__other__', '1')];
    const r = run(config, records);
    expect(r.counters.limitHits).toEqual({ maxModels: 3, maxVersionsPerModel: 2 });
    const tracked = r.pipeline.snapshot().models.map((m) => `${m.id}:${m.versions.map(([v]) => v).join(',')}`);
    expect(tracked).toEqual(['a:1,2,__other__', 'b:1', '__other__:1,9']);
    expect(r.pipeline.stats().modelVersions).toBe(6);
  });

  it('models.idleTtlMs: a version without events for the TTL is forgotten with its series (a model without versions with its slices)', () => {
    const config = configFor('auto', { models: { idleTtlMs: 80_000 }, join: { ttlMs: 1000 }, redo: { windowMs: 1000 } });
    const rec = (i: number, model: string, version: string, ts: number): SourceRecord =>
      source('inputs', i, enc.encode(JSON.stringify({ request_id: `r${i}`, model_id: model, model_version: version, ts, segment: { device: `d${i}` }, input: { length: 3 } })));
    const p = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 0 });
    const versions = (): string[] => p.snapshot().models.flatMap((m) => m.versions.map(([v]) => `${m.id}:${v}`));
    // An event is processed once a later one passes the allowed lateness (2 s): each push below
    // processes the events before its own. Deploy a:1 → a:2 at T0 + 50 s; b:1 once, at T0.
    p.push([rec(0, 'a', '1', T0), rec(1, 'b', '1', T0), rec(2, 'a', '1', T0 + 40_000), rec(3, 'a', '2', T0 + 50_000), rec(4, 'a', '2', T0 + 60_000)]);
    expect(versions()).toEqual(['a:1', 'a:2', 'b:1']);
    // At T0 + 60 s nothing is idle for 80 s yet.
    p.push([rec(5, 'a', '2', T0 + 85_000)]);
    expect(versions()).toEqual(['a:1', 'a:2', 'b:1']);
    // At T0 + 85 s (a sweep point passed: every 10 s of event time) b:1 has been idle for 85 s: it
    // is forgotten, and model b with it; a:1 (last seen at T0 + 40 s) is kept …
    p.push([rec(6, 'a', '2', T0 + 95_000)]);
    expect(versions()).toEqual(['a:1', 'a:2']);
    p.push([rec(7, 'a', '2', T0 + 135_000)]);
    expect(versions()).toEqual(['a:1', 'a:2']);
    // … until T0 + 135 s (95 s idle).
    p.push([rec(8, 'a', '2', T0 + 140_000)]);
    expect(versions()).toEqual(['a:2']);
    expect(p.stats().modelVersions).toBe(1);
    // A forgotten version that comes back starts afresh (a new reference), without a limit hit.
    const back = p.push([rec(9, 'b', '1', T0 + 141_000), rec(10, 'a', '2', T0 + 150_000)]);
    expect(versions()).toEqual(['a:2', 'b:1']);
    expect(back.counters.limitHits).toEqual({});
    // Building a baseline forgets nothing: its profile has every version of its input.
    const long = [rec(11, 'a', '1', T0), rec(12, 'a', '2', T0 + 200_000), rec(13, 'a', '2', T0 + 400_000)];
    const baseline = new PartitionPipeline(config, createRecordDecoder(config), { profileOnly: true });
    baseline.push(long);
    baseline.finish();
    expect(new Set(baseline.exportProfile().map((x) => x.model_version))).toEqual(new Set(['1', '2']));
    const live = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 0 });
    live.push(long);
    live.finish();
    expect(live.stats().modelVersions).toBe(1);
  });

  it('join.maxPending: open requests, early arrivals and redo sessions evicted because their table is full', () => {
    const config = configFor('auto', { join: { maxPending: 5 } });
    const inputs = Array.from({ length: 12 }, (_, i) => input(i, {}));
    expect(run(config, inputs).counters.limitHits).toEqual({ joinMaxPending: 7 });
    // Outputs whose input never comes wait as early arrivals: 8 in a table of 5.
    const outputs = Array.from({ length: 8 }, (_, i) => source('outputs', i, enc.encode(JSON.stringify({ request_id: `o${i}`, model_id: 'asr-en', model_version: '1', ts: T0 + i }))));
    const r = run(config, [...inputs.slice(0, 1), ...outputs]);
    expect(r.counters.limitHits).toEqual({ joinMaxPending: 3 });
    // Sessions remembered for derived redos share the cap: 12 active sessions in a table of 5.
    const withSessions = Array.from({ length: 12 }, (_, i) =>
      source('inputs', i, enc.encode(JSON.stringify({ request_id: `s${i}`, session_id: `session-${i}`, model_id: 'asr-en', model_version: '1', ts: T0 + i }))),
    );
    expect(run(config, withSessions).counters.limitHits).toEqual({ joinMaxPending: 7 + 7 });
    // The evicted ones are orphans at once (the other five wait for their TTL, past the end of input).
    expect(r.counters.orphans).toBe(3);
  });
});

describe('DLQ records of the largest bad records still fit a broker batch (1 MB)', () => {
  it('a value and a key as large as a Kafka record may have: both cut, both marked', () => {
    const p = pipelineFor('auto');
    const key = 'k'.repeat(300_000);
    const out = p.push([source('inputs', 5, new Uint8Array(700_000).fill(0x78), key)]);
    expect(out.dlq.map((d) => [d.error_code, d.offset])).toEqual([['DRIFTWATCH_LIMIT_EXCEEDED', 5]]);
    const fitted = dlqEntryThatFits(out.dlq[0]!);
    expect([fitted.value_truncated, fitted.key_truncated]).toEqual([true, true]);
    expect(key.startsWith(fitted.key!)).toBe(true);
    // Value + message key (the entry's key) under the broker's default message.max.bytes.
    expect(Buffer.byteLength(JSON.stringify(fitted)) + Buffer.byteLength(fitted.key!)).toBeLessThan(1_000_000);
    const small = p.push([source('inputs', 6, enc.encode('{oops'), 'asr-en')]).dlq[0]!;
    expect(dlqEntryThatFits(small)).toBe(small);
  });
});

describe('driftwatch_limit_hits_total', () => {
  it('counts the limit hits of pipeline outputs by name', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    const p = pipelineFor('auto');
    const limited = BAD_CASES.filter((c) => c.limit !== undefined && (c.format ?? 'auto') === 'auto');
    const out = p.push(limited.map((c, i) => source(c.role, i, c.value(i))));
    metrics.addPipelineCounters(out.counters);
    metrics.addPipelineCounters({ late: 0, orphans: 0, limitHits: { joinMaxPending: 2 } });
    metrics.addPipelineCounters({ late: 0, orphans: 0 });
    const expected: Record<string, number> = { joinMaxPending: 2 };
    for (const c of limited) expected[c.limit!] = (expected[c.limit!] ?? 0) + 1;
    const text = await metrics.metrics();
    const got: Record<string, number> = {};
    for (const m of text.matchAll(/^driftwatch_limit_hits_total\{limit="([^"]+)"\} (\d+)$/gm)) got[m[1]!] = Number(m[2]);
    expect(got).toEqual(expected);
  });
});

describe('keys such as __proto__ never pollute', () => {
  it('accepted as data, in every object built from input, and Object.prototype is unchanged', () => {
    const protoNames = Object.getOwnPropertyNames(Object.prototype).sort();
    const config = configFor('auto', {
      windows: { size: 20, minSamples: 5 },
      reference: { size: 20 },
      detection: { persistence: 1 },
      features: [{ name: '__proto__', type: 'numeric' }, { name: 'constructor', type: 'categorical' }],
    });
    const pipeline = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 0 });
    const records: SourceRecord[] = [];
    for (let i = 0; i < 200; i++) {
      const wire = `{"request_id":"__proto__${i}","model_id":"__proto__","model_version":"constructor","ts":${T0 + i * 10},` +
        `"__proto__":{"polluted":"top"},"constructor":{"prototype":{"polluted":"ctor"}},` +
        `"segment":{"__proto__":"${i % 4 === 1 ? 'polluted' : 'prototype'}","constructor":"c"},` +
        `"input":{"length":${i >= 100 && i % 4 === 1 ? 30 : 3 + (i % 3)},"__proto__":{"polluted":1},"features":{"__proto__":${i},"constructor":"hasOwnProperty","prototype":{"x":1}}}}`;
      // The `prototype` feature is an object, which features may not be: every other record drops it.
      records.push(source('inputs', i, enc.encode(i % 2 ? wire.replace(',"prototype":{"x":1}', '') : wire), '__proto__'));
      records.push(source('outputs', i, enc.encode(`{"request_id":"__proto__${i}","model_id":"__proto__","model_version":"constructor","ts":${T0 + i * 10 + 1},"prediction":{"__proto__":{"polluted":2}},"label":"x"}`), '__proto__'));
    }
    const outs = [pipeline.push(records), pipeline.finish()];
    const dlq = outs.flatMap((o) => o.dlq);
    // Only the records with an object-valued feature are rejected, with the field named.
    expect(dlq.map((d) => d.error_code)).toEqual(Array.from({ length: 100 }, () => 'DRIFTWATCH_INVALID_FIELD'));
    expect(dlq.every((d) => d.error_message.includes('input.features.prototype'))).toBe(true);
    const alerts = outs.flatMap((o) => o.alerts);
    // The length shift of the slice `__proto__=polluted` of the model "__proto__" is reported on that
    // slice: an own property named `__proto__` of the alert's slice, intact through JSON.
    const sliced = alerts.filter((a) => a.model_id === '__proto__' && a.metric === 'input_length' && Object.keys(a.slice).length > 0);
    expect(sliced.length).toBeGreaterThan(0);
    for (const a of sliced) {
      expect(Object.keys(a.slice)).toEqual(['__proto__']);
      expect(Object.getOwnPropertyDescriptor(a.slice, '__proto__')?.value).toBe('polluted');
    }
    for (const a of alerts) expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    expect(pipeline.stats().series).toBeGreaterThan(0);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoNames);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    expect(typeof ({} as { constructor: unknown }).constructor).toBe('function');
  });
});
