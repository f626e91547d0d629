/**
 * The bad-input catalogue of issue 5 §4: one generator per class of record that cannot be decoded or
 * validated, with the specific DLQ code it must get (and, for DRIFTWATCH_LIMIT_EXCEEDED, the limit
 * it must be counted under). Shared by the catalogue test, the property tests ("valid records around
 * a bad one give exactly the alerts they give without it") and the live-service integration test.
 *
 * The cases are written for `kafka.format: auto` (the default, what the service runs) and for the
 * small limits below (so that over-limit records stay small); `format: 'json'` marks the few rows
 * whose code is specific to a JSON-only decoder. `value(n)` varies with n (request id, sizes) so a
 * property test can draw many different bad records; every value is bad whatever n.
 */
import type { DriftwatchConfig, MessageFormat } from '../../src/config/config-types';
import type { DeepPartial } from '../../src/config/load-config';
import { encodeEvent } from '../../src/ingest/event-encoder';
import { solidImage } from '../../src/ingest/image-fixtures';
import type { InputLimitName, InputLimits } from '../../src/ingest/input-limits';
import type { TopicRole } from '../../src/pipeline/records';

/** Small limits, far above what the simulator sends (ids < 40 chars, 4 features, 2 segment fields). */
export const CATALOGUE_LIMITS: InputLimits = {
  maxMessageBytes: 16_384,
  maxStringLength: 256,
  maxFeatures: 16,
  maxArrayLength: 16,
  maxDepth: 6,
  maxImageBytes: 2048,
  maxImagePixels: 1024,
};

/** Config overrides every user of the catalogue applies (limits only; the format stays `auto`). */
export const CATALOGUE_OVERRIDES: DeepPartial<DriftwatchConfig> = { limits: { ...CATALOGUE_LIMITS } };

export interface BadCase {
  /** The issue 5 §4 class, then the variant. */
  name: string;
  role: TopicRole;
  /** The decoder format the code holds for (default `auto`). */
  format?: MessageFormat;
  code: string;
  /** For DRIFTWATCH_LIMIT_EXCEEDED: the limit named in `limitHits` and the metric. */
  limit?: InputLimitName;
  value: (n: number) => Uint8Array;
}

const T0 = 1_763_800_000_000;
const enc = new TextEncoder();
const L = CATALOGUE_LIMITS;

/** A request id of exactly 10 characters: plain Avro then starts with byte 20 (never `{`, 0 or whitespace, which `auto` would sniff). */
export const badId = (n: number): string => `bad-${String(Math.abs(Math.trunc(n)) % 1_000_000).padStart(6, '0')}`;

const inputWire = (n: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  request_id: badId(n),
  model_id: 'asr-en',
  model_version: '2026.11.1',
  ts: T0 + (n % 1000),
  segment: { device: 'android' },
  input: { length: 3, features: { snr_db: 20 } },
  ...extra,
});
const outputWire = (n: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  request_id: badId(n),
  model_id: 'asr-en',
  model_version: '2026.11.1',
  ts: T0 + (n % 1000),
  prediction: 'play some jazz',
  confidence: 0.9,
  ...extra,
});
const withInput = (n: number, input: Record<string, unknown>): Record<string, unknown> => inputWire(n, { input: { length: 3, ...input } });
const json = (v: unknown): Uint8Array => enc.encode(JSON.stringify(v));
const text = (s: string): Uint8Array => enc.encode(s);
/** JSON text with a raw byte sequence spliced in where `@@` stands. */
function jsonWithBytes(template: string, bytes: number[]): Uint8Array {
  const [a, b] = template.split('@@') as [string, string];
  return Uint8Array.from([...enc.encode(a), ...bytes, ...enc.encode(b)]);
}
function nested(depth: number): unknown {
  let v: unknown = 'x';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
function confluent(id: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  new DataView(out.buffer).setUint32(1, id);
  out.set(body, 5);
  return out;
}
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const SMALL_PNG = solidImage('png', 4, 4, [200, 100, 50]);
const SMALL_JPEG = solidImage('jpeg', 8, 8, [20, 200, 50]);
/** 40 × 40 = 1,600 pixels > maxImagePixels, a few hundred bytes. */
const WIDE_PNG = solidImage('png', 40, 40, [10, 10, 10]);

export const BAD_CASES: readonly BadCase[] = [
  // -- empty, not JSON, truncated JSON, not UTF-8 --------------------------------------------------
  { name: 'empty message (tombstone)', role: 'inputs', code: 'DRIFTWATCH_EMPTY_MESSAGE', value: () => new Uint8Array(0) },
  { name: 'not JSON: braces around prose', role: 'inputs', code: 'DRIFTWATCH_INVALID_JSON', value: (n) => text(`{this is not json ${n}}`) },
  { name: 'not JSON: plain text (json format)', role: 'outputs', format: 'json', code: 'DRIFTWATCH_INVALID_JSON', value: (n) => text(`hello world ${n}`) },
  // `auto` cannot tell text from plain Avro by its first byte: the Avro code, the message says "neither JSON nor plain Avro".
  { name: 'not JSON: plain text (auto)', role: 'outputs', code: 'DRIFTWATCH_INVALID_AVRO', value: (n) => text(`hello world ${n}`) },
  { name: 'not JSON: NaN literal', role: 'outputs', code: 'DRIFTWATCH_INVALID_JSON', value: (n) => text(JSON.stringify(outputWire(n)).replace('0.9', 'NaN')) },
  { name: 'truncated JSON', role: 'inputs', code: 'DRIFTWATCH_INVALID_JSON', value: (n) => { const t = JSON.stringify(inputWire(n)); return text(t.slice(0, 10 + (n % (t.length - 11)))); } },
  { name: 'not UTF-8: invalid byte in a JSON string', role: 'inputs', code: 'DRIFTWATCH_NOT_UTF8', value: (n) => jsonWithBytes(JSON.stringify(inputWire(n, { model_id: '@@' })), [0xff, 0xfe]) },
  { name: 'not UTF-8: overlong encoding', role: 'feedback', code: 'DRIFTWATCH_NOT_UTF8', value: (n) => jsonWithBytes(`{"request_id":"${badId(n)}","model_id":"@@","ts":${T0}}`, [0xc0, 0xaf]) },
  { name: 'not UTF-8: encoded surrogate', role: 'outputs', code: 'DRIFTWATCH_NOT_UTF8', value: (n) => jsonWithBytes(JSON.stringify(outputWire(n, { prediction: '@@' })), [0xed, 0xa0, 0x80]) },
  // -- not an object ---------------------------------------------------------------------------------
  { name: 'not an object: array (auto)', role: 'inputs', code: 'DRIFTWATCH_NOT_AN_OBJECT', value: (n) => json([inputWire(n)]) },
  { name: 'not an object: string (auto)', role: 'outputs', code: 'DRIFTWATCH_NOT_AN_OBJECT', value: (n) => json(`request ${n}`) },
  { name: 'not an object: null (json format)', role: 'feedback', format: 'json', code: 'DRIFTWATCH_NOT_AN_OBJECT', value: () => text('null') },
  // -- missing or empty required fields --------------------------------------------------------------
  { name: 'missing request_id', role: 'inputs', code: 'DRIFTWATCH_MISSING_FIELD', value: (n) => { const w = inputWire(n); delete w.request_id; return json(w); } },
  { name: 'missing ts', role: 'outputs', code: 'DRIFTWATCH_MISSING_FIELD', value: (n) => { const w = outputWire(n); delete w.ts; return json(w); } },
  { name: 'null model_id', role: 'feedback', code: 'DRIFTWATCH_MISSING_FIELD', value: (n) => json({ request_id: badId(n), model_id: null, ts: T0 }) },
  { name: 'empty model_version', role: 'inputs', code: 'DRIFTWATCH_MISSING_FIELD', value: (n) => json(inputWire(n, { model_version: '' })) },
  // -- wrong types and domains -----------------------------------------------------------------------
  { name: 'wrong type: request_id a number', role: 'inputs', code: 'DRIFTWATCH_INVALID_FIELD', value: (n) => json(inputWire(n, { request_id: n })) },
  { name: 'wrong type: ts a string', role: 'outputs', code: 'DRIFTWATCH_INVALID_FIELD', value: (n) => json(outputWire(n, { ts: new Date(T0 + n).toISOString() })) },
  { name: 'wrong type: ts not an integer', role: 'outputs', code: 'DRIFTWATCH_INVALID_FIELD', value: (n) => json(outputWire(n, { ts: T0 + 0.5 })) },
  { name: 'wrong type: segment value a number', role: 'inputs', code: 'DRIFTWATCH_INVALID_FIELD', value: (n) => json(inputWire(n, { segment: { device: n } })) },
  { name: 'wrong type: feature value an object', role: 'inputs', code: 'DRIFTWATCH_INVALID_FIELD', value: (n) => json(withInput(n, { features: { snr_db: { v: n } } })) },
  { name: 'wrong type: input an array', role: 'inputs', code: 'DRIFTWATCH_INVALID_FIELD', value: (n) => json(inputWire(n, { input: [n] })) },
  { name: 'out of domain: deployment', role: 'outputs', code: 'DRIFTWATCH_INVALID_FIELD', value: (n) => json(outputWire(n, { deployment: 'production' })) },
  { name: 'out of domain: negative latency', role: 'outputs', code: 'DRIFTWATCH_INVALID_FIELD', value: (n) => json(outputWire(n, { latency_ms: -1 - n })) },
  { name: 'out of domain: action', role: 'feedback', code: 'DRIFTWATCH_INVALID_FIELD', value: (n) => json({ request_id: badId(n), model_id: 'asr-en', ts: T0, action: 'undo' }) },
  { name: 'out of domain: brightness above 1', role: 'inputs', code: 'DRIFTWATCH_INVALID_FIELD', value: (n) => json(withInput(n, { image: { brightness: 1.5 } })) },
  // -- NaN / Infinity --------------------------------------------------------------------------------
  { name: 'Infinity: ts 1e999', role: 'inputs', code: 'DRIFTWATCH_NOT_FINITE', value: (n) => text(JSON.stringify(inputWire(n, { ts: 12345 })).replace('12345', '1e999')) },
  { name: 'Infinity: confidence -1e999', role: 'outputs', code: 'DRIFTWATCH_NOT_FINITE', value: (n) => text(JSON.stringify(outputWire(n, { confidence: 12345 })).replace('12345', '-1e999')) },
  { name: 'Infinity: a feature value', role: 'inputs', code: 'DRIFTWATCH_NOT_FINITE', value: (n) => text(JSON.stringify(withInput(n, { features: { snr_db: 12345 } })).replace('12345', '1e400')) },
  { name: 'NaN: Avro confidence', role: 'outputs', code: 'DRIFTWATCH_NOT_FINITE', value: (n) => encodeEvent(outputWire(n, { confidence: NaN }), 'outputs', 'avro') },
  { name: 'Infinity: Confluent Avro latency', role: 'outputs', code: 'DRIFTWATCH_NOT_FINITE', value: (n) => encodeEvent(outputWire(n, { latency_ms: Infinity }), 'outputs', 'confluent-avro') },
  // -- timestamps far outside any plausible range ----------------------------------------------------
  { name: 'ts 0 (1970)', role: 'inputs', code: 'DRIFTWATCH_TS_OUT_OF_RANGE', value: (n) => json(inputWire(n, { ts: 0 })) },
  { name: 'ts in seconds, not ms', role: 'outputs', code: 'DRIFTWATCH_TS_OUT_OF_RANGE', value: (n) => json(outputWire(n, { ts: Math.floor(T0 / 1000) + n })) },
  { name: 'ts in microseconds', role: 'feedback', code: 'DRIFTWATCH_TS_OUT_OF_RANGE', value: (n) => json({ request_id: badId(n), model_id: 'asr-en', ts: (T0 + n) * 1000 }) },
  { name: 'ts negative', role: 'inputs', code: 'DRIFTWATCH_TS_OUT_OF_RANGE', value: (n) => json(inputWire(n, { ts: -T0 - n })) },
  // -- over the limits -------------------------------------------------------------------------------
  { name: 'message over maxMessageBytes', role: 'inputs', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxMessageBytes', value: (n) => json(inputWire(n, { padding: 'x'.repeat(L.maxMessageBytes + (n % 100)) })) },
  { name: 'string over maxStringLength: request_id', role: 'outputs', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxStringLength', value: (n) => json(outputWire(n, { request_id: 'r'.repeat(L.maxStringLength + 1 + (n % 50)) })) },
  { name: 'string over maxStringLength: input.text', role: 'inputs', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxStringLength', value: (n) => json(inputWire(n, { input: { text: 'é'.repeat(L.maxStringLength + 1 + (n % 50)) } })) },
  { name: 'string over maxStringLength: Avro model_id', role: 'outputs', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxStringLength', value: (n) => encodeEvent(outputWire(n, { model_id: 'm'.repeat(3 * L.maxStringLength + 1) }), 'outputs', 'avro') },
  { name: 'array over maxArrayLength: prediction', role: 'outputs', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxArrayLength', value: (n) => json(outputWire(n, { prediction: Array.from({ length: L.maxArrayLength + 1 + (n % 5) }, (_, i) => i) })) },
  { name: 'array over maxArrayLength: Avro prediction', role: 'outputs', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxArrayLength', value: (n) => encodeEvent(outputWire(n, { prediction: Array.from({ length: L.maxArrayLength + 1 }, (_, i) => `w${i}`) }), 'outputs', 'avro') },
  { name: 'feature map over maxFeatures', role: 'inputs', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxFeatures', value: (n) => json(withInput(n, { features: Object.fromEntries(Array.from({ length: L.maxFeatures + 1 + (n % 5) }, (_, i) => [`f${i}`, i])) })) },
  { name: 'feature map over maxFeatures: Confluent Avro', role: 'inputs', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxFeatures', value: (n) => encodeEvent(withInput(n, { features: Object.fromEntries(Array.from({ length: L.maxFeatures + 1 }, (_, i) => [`f${i}`, i])) }), 'inputs', 'confluent-avro') },
  { name: 'segment over maxFeatures', role: 'inputs', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxFeatures', value: (n) => json(inputWire(n, { segment: Object.fromEntries(Array.from({ length: L.maxFeatures + 1 }, (_, i) => [`s${i}`, 'v'])) })) },
  { name: 'nesting over maxDepth: prediction', role: 'outputs', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxDepth', value: (n) => json(outputWire(n, { prediction: nested(L.maxDepth + (n % 20)) })) },
  { name: 'nesting over maxDepth: label', role: 'feedback', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxDepth', value: (n) => json({ request_id: badId(n), model_id: 'asr-en', ts: T0, label: { a: nested(L.maxDepth) } }) },
  { name: 'image over maxImageBytes', role: 'inputs', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxImageBytes', value: (n) => json(withInput(n, { image: { data: b64(new Uint8Array(L.maxImageBytes + 100 + (n % 100)).fill(7)) } })) },
  { name: 'image over maxImagePixels', role: 'inputs', code: 'DRIFTWATCH_LIMIT_EXCEEDED', limit: 'maxImagePixels', value: (n) => json(withInput(n, { image: { data: b64(WIDE_PNG) } })) },
  // -- Avro that does not parse, unknown schema ids -------------------------------------------------
  { name: 'Avro: truncated plain Avro', role: 'outputs', code: 'DRIFTWATCH_INVALID_AVRO', value: (n) => { const a = encodeEvent(outputWire(n), 'outputs', 'avro'); return a.slice(0, 12 + (n % (a.length - 13))); } },
  { name: 'Avro: trailing bytes', role: 'inputs', code: 'DRIFTWATCH_INVALID_AVRO', value: (n) => Uint8Array.from([...encodeEvent(inputWire(n), 'inputs', 'avro'), 1, 2, 3]) },
  { name: 'Avro: Confluent body that does not parse', role: 'inputs', code: 'DRIFTWATCH_INVALID_AVRO', value: (n) => confluent(1, Uint8Array.from([0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, n & 0x7f])) },
  { name: 'Avro: Confluent header cut short', role: 'feedback', code: 'DRIFTWATCH_INVALID_AVRO', value: () => Uint8Array.from([0, 0, 0]) },
  { name: 'Avro: union branch out of range', role: 'outputs', code: 'DRIFTWATCH_INVALID_AVRO', value: (n) => { const a = encodeEvent(outputWire(n, { prediction: null, confidence: null, latency_ms: null, deployment: null }), 'outputs', 'avro'); const b = a.slice(); b[b.length - 4] = 0x7e; return b; } },
  { name: 'Avro: string not UTF-8', role: 'inputs', code: 'DRIFTWATCH_NOT_UTF8', value: (n) => { const b = encodeEvent(inputWire(n), 'inputs', 'avro').slice(); b[1] = 0xff; return b; } },
  { name: 'unknown schema id', role: 'inputs', code: 'DRIFTWATCH_UNKNOWN_SCHEMA_ID', value: (n) => confluent(900 + (n % 100), encodeEvent(inputWire(n), 'inputs', 'avro')) },
  // -- image data that is not an image ---------------------------------------------------------------
  { name: 'image: not base64', role: 'inputs', code: 'DRIFTWATCH_INVALID_IMAGE', value: (n) => json(withInput(n, { image: { data: `*** not base64 ${n} ***` } })) },
  { name: 'image: base64 of text', role: 'inputs', code: 'DRIFTWATCH_INVALID_IMAGE', value: (n) => json(withInput(n, { image: { data: b64(enc.encode(`hello image ${n}`)) } })) },
  { name: 'image: PNG signature, garbage after', role: 'inputs', code: 'DRIFTWATCH_INVALID_IMAGE', value: (n) => json(withInput(n, { image: { data: b64(Uint8Array.from([...SMALL_PNG.subarray(0, 8), ...enc.encode(`garbage ${n} `.repeat(4))])) } })) },
  { name: 'image: truncated PNG', role: 'inputs', code: 'DRIFTWATCH_INVALID_IMAGE', value: (n) => json(withInput(n, { image: { data: b64(SMALL_PNG.subarray(0, 40 + (n % 10))) } })) },
  { name: 'image: truncated JPEG', role: 'inputs', code: 'DRIFTWATCH_INVALID_IMAGE', value: (n) => json(withInput(n, { image: { data: b64(SMALL_JPEG.subarray(0, 30 + (n % 20))) } })) },
  { name: 'image: not an image, brightness given', role: 'inputs', code: 'DRIFTWATCH_INVALID_IMAGE', value: (n) => json(withInput(n, { image: { brightness: 0.5, data: b64(enc.encode(`GIF89a ${n}`)) } })) },
  { name: 'image: Avro bytes that are not an image', role: 'inputs', code: 'DRIFTWATCH_INVALID_IMAGE', value: (n) => encodeEvent(withInput(n, { image: { data: enc.encode(`not an image ${n}`) } }), 'inputs', 'avro') },
];

/** Every limit name `PipelineCounters.limitHits` and `driftwatch_limit_hits_total` may carry. */
export const LIMIT_HIT_NAMES: ReadonlySet<string> = new Set([
  'maxMessageBytes',
  'maxStringLength',
  'maxFeatures',
  'maxArrayLength',
  'maxDepth',
  'maxImageBytes',
  'maxImagePixels',
  'maxValuesPerField',
  'maxValuesPerModel',
  'joinMaxPending',
]);

/** The DLQ codes of bad input (docs/events.md "Validation"). */
export const DLQ_CODES: ReadonlySet<string> = new Set([
  'DRIFTWATCH_EMPTY_MESSAGE',
  'DRIFTWATCH_NOT_UTF8',
  'DRIFTWATCH_INVALID_JSON',
  'DRIFTWATCH_NOT_AN_OBJECT',
  'DRIFTWATCH_MISSING_FIELD',
  'DRIFTWATCH_INVALID_FIELD',
  'DRIFTWATCH_NOT_FINITE',
  'DRIFTWATCH_TS_OUT_OF_RANGE',
  'DRIFTWATCH_LIMIT_EXCEEDED',
  'DRIFTWATCH_INVALID_IMAGE',
  'DRIFTWATCH_INVALID_AVRO',
  'DRIFTWATCH_UNKNOWN_SCHEMA_ID',
]);

/** Cases whose code holds under `auto` (the service's default format). */
export const AUTO_CASES: readonly BadCase[] = BAD_CASES.filter((c) => (c.format ?? 'auto') === 'auto');
