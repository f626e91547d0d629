import { join } from 'node:path';
import type { DriftwatchConfig, MessageFormat } from '../../src/config/config-types';
import { configSchema } from '../../src/config/config-schema';
import { defaultConfig, loadConfig } from '../../src/config/load-config';
import type { DriftAlert } from '../../src/alerts/alert-types';
import { decodeAlert } from '../../src/ingest/alert-decoder';
import { encodeAlert, encodeEvent, type EventFormat } from '../../src/ingest/event-encoder';
import { imageOfBrightness, imageOfBrightnessBase64, solidImage } from '../../src/ingest/image-fixtures';
import { DEFAULT_INPUT_LIMITS, MAX_EVENT_TS, MIN_EVENT_TS } from '../../src/ingest/input-limits';
import { createRecordDecoder, sniff, type DecodeResult, type RecordDecoder } from '../../src/ingest/record-decoder';
import type { FeedbackEvent, InputEvent, OutputEvent } from '../../src/pipeline/events';
import type { SourceRecord, TopicRole } from '../../src/pipeline/records';

function config(format: MessageFormat, schemaIds: Record<string, string> = {}): DriftwatchConfig {
  const base = defaultConfig();
  return { ...base, kafka: { ...base.kafka, format, schemaIds } };
}

function record(role: TopicRole, value: Uint8Array): SourceRecord {
  return { role, topic: `inference.${role}`, partition: 0, offset: 7, key: null, value };
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const json = (v: unknown): Uint8Array => bytes(JSON.stringify(v));

const INPUT = {
  request_id: 'r-000001',
  model_id: 'asr-en',
  model_version: '2026.11.1',
  ts: 1763800000000,
  session_id: 's-42',
  segment: { device: 'android', region: 'eu' },
  input: {
    length: 37,
    text: 'play some jazz',
    image: { brightness: 0.42, data: imageOfBrightnessBase64('png', 0.42) },
    features: { snr_db: 21.5, volume: null, lang: 'en', muted: false },
  },
};
const OUTPUT = {
  request_id: 'r-000001',
  model_id: 'asr-en',
  model_version: '2026.11.1',
  ts: 1763800000090,
  prediction: 'play some jazz',
  confidence: 0.93,
  latency_ms: 84,
  deployment: 'canary',
};
const FEEDBACK = { request_id: 'r-000001', model_id: 'asr-en', ts: 1763800004000, action: 'redo', label: null };

const jsonDecoder = createRecordDecoder(config('json'));

function ok(result: DecodeResult): DecodeResult & { ok: true } {
  if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.message}`);
  return result;
}

function rejected(decoder: RecordDecoder, role: TopicRole, value: Uint8Array): { code: string; message: string; limit?: string } {
  const result = decoder(record(role, value));
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.event)}`);
  return result;
}

function withField(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  const parts = path.split('.');
  let obj = copy;
  for (const p of parts.slice(0, -1)) obj = obj[p] as Record<string, unknown>;
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete obj[last];
  else obj[last] = value;
  return copy;
}

describe('record decoder: extraction (JSON)', () => {
  it('extracts an input event from the DESIGN §2.1 example', () => {
    const event = ok(jsonDecoder(record('inputs', json(INPUT)))).event as InputEvent;
    expect(event).toEqual({
      type: 'input',
      requestId: INPUT.request_id,
      modelId: INPUT.model_id,
      modelVersion: INPUT.model_version,
      ts: INPUT.ts,
      sessionId: INPUT.session_id,
      segment: INPUT.segment,
      length: INPUT.input.length,
      brightness: INPUT.input.image.brightness,
      features: INPUT.input.features,
    });
    expect(Object.getPrototypeOf(event.features)).toBeNull();
    expect(Object.getPrototypeOf(event.segment)).toBeNull();
  });

  it('takes the length from the text in code points when input.length is absent', () => {
    const text = 'héllo 🎵 wörld'; // the note is one code point, two UTF-16 units
    const event = ok(jsonDecoder(record('inputs', json({ ...INPUT, input: { text } })))).event as InputEvent;
    expect(event.length).toBe([...text].length);
    expect(event.length).toBe(text.length - 1);
  });

  it('computes the brightness from the image when none is given (PNG and JPEG, base64 and data: URL)', () => {
    for (const [data, expected, tol] of [
      [imageOfBrightnessBase64('png', 0.2), Math.round(0.2 * 255) / 255, 1e-12],
      [imageOfBrightnessBase64('jpeg', 0.7), Math.round(0.7 * 255) / 255, 0.01],
      [`data:image/png;base64,${imageOfBrightnessBase64('png', 0.5)}`, Math.round(0.5 * 255) / 255, 1e-12],
    ] as const) {
      const event = ok(jsonDecoder(record('inputs', json({ ...INPUT, input: { image: { data } } })))).event as InputEvent;
      expect(Math.abs(event.brightness! - expected)).toBeLessThanOrEqual(tol);
    }
  });

  it('leaves length, brightness and features empty when input is absent', () => {
    const { input: _drop, segment: _seg, session_id: _s, ...bare } = INPUT;
    const event = ok(jsonDecoder(record('inputs', json(bare)))).event as InputEvent;
    expect([event.length, event.brightness, event.sessionId]).toEqual([null, null, null]);
    expect(Object.keys(event.features)).toEqual([]);
    expect(Object.keys(event.segment)).toEqual([]);
  });

  it('extracts outputs: null outputs, comparable predictions, default deployment', () => {
    const cases: Array<[unknown, boolean, string | null]> = [
      ['play some jazz', false, 'play some jazz'],
      [null, true, null],
      [undefined, true, null],
      ['', true, ''],
      [[], true, '[]'],
      [['a', 'b'], false, '["a","b"]'],
      [3, false, '3'],
      [true, false, 'true'],
      [{ label: 'x', p: [0.1, 0.9] }, false, '{"label":"x","p":[0.1,0.9]}'],
    ];
    for (const [prediction, nullOutput, comparable] of cases) {
      const event = ok(jsonDecoder(record('outputs', json({ ...OUTPUT, prediction })))).event as OutputEvent;
      expect([event.nullOutput, event.prediction]).toEqual([nullOutput, comparable]);
    }
    const full = ok(jsonDecoder(record('outputs', json(OUTPUT)))).event as OutputEvent;
    expect(full).toEqual({
      type: 'output',
      requestId: OUTPUT.request_id,
      modelId: OUTPUT.model_id,
      modelVersion: OUTPUT.model_version,
      ts: OUTPUT.ts,
      nullOutput: false,
      prediction: OUTPUT.prediction,
      confidence: OUTPUT.confidence,
      latencyMs: OUTPUT.latency_ms,
      deployment: OUTPUT.deployment,
    });
    const { deployment: _d, confidence: _c, latency_ms: _l, ...minimal } = OUTPUT;
    const defaulted = ok(jsonDecoder(record('outputs', json(minimal)))).event as OutputEvent;
    expect([defaulted.deployment, defaulted.confidence, defaulted.latencyMs]).toEqual(['live', null, null]);
  });

  it('extracts feedback: every action, labels as comparable strings', () => {
    for (const action of ['redo', 'switch_to_typing', 'accept', 'correct']) {
      const event = ok(jsonDecoder(record('feedback', json({ ...FEEDBACK, action })))).event as FeedbackEvent;
      expect(event).toEqual({ type: 'feedback', requestId: FEEDBACK.request_id, modelId: FEEDBACK.model_id, ts: FEEDBACK.ts, action, label: null });
    }
    for (const [label, expected] of [['jazz', 'jazz'], [7, '7'], [false, 'false']] as const) {
      const event = ok(jsonDecoder(record('feedback', json({ ...FEEDBACK, action: undefined, label })))).event as FeedbackEvent;
      expect([event.action, event.label]).toEqual([null, expected]);
    }
  });

  it('accepts a UTF-8 BOM and surrounding whitespace, ignores unknown fields', () => {
    const text = `\ufeff \n ${JSON.stringify({ ...FEEDBACK, extra: { nested: [1, 2, 3] } })} \n`;
    const event = ok(jsonDecoder(record('feedback', bytes(text)))).event as FeedbackEvent;
    expect(event.requestId).toBe(FEEDBACK.request_id);
  });
});

describe('record decoder: JSON, Avro and Confluent give identical events', () => {
  const wires: Array<[TopicRole, Record<string, unknown>]> = [
    ['inputs', INPUT],
    ['inputs', { ...INPUT, input: { text: 'a 🎵 b', image: { data: imageOfBrightnessBase64('jpeg', 0.3) }, features: { x: 1.25, c: 'k', __proto__: 2 } } }],
    ['inputs', { request_id: 'r', model_id: 'm', model_version: 'v', ts: MIN_EVENT_TS }],
    ['outputs', OUTPUT],
    ['outputs', { ...OUTPUT, prediction: ['a', 1.5, true, null], deployment: undefined }],
    ['outputs', { ...OUTPUT, prediction: null, confidence: null }],
    ['outputs', { ...OUTPUT, prediction: 42 }],
    ['feedback', FEEDBACK],
    ['feedback', { ...FEEDBACK, action: 'correct', label: 'play some jazz' }],
    ['feedback', { ...FEEDBACK, action: null, label: 3.5 }],
  ];

  const decoders: Record<string, RecordDecoder> = {
    json: createRecordDecoder(config('json')),
    avro: createRecordDecoder(config('avro')),
    'confluent-avro': createRecordDecoder(config('confluent-avro')),
    auto: createRecordDecoder(config('auto')),
  };

  it.each(wires.map((w, i) => [i, ...w] as const))('wire object %i (%s)', (_i, role, wire) => {
    const reference = ok(decoders.json!(record(role, encodeEvent(wire, role, 'json')))).event;
    for (const format of ['json', 'avro', 'confluent-avro'] as EventFormat[]) {
      const encoded = encodeEvent(wire, role, format);
      expect(ok(decoders[format]!(record(role, encoded))).event).toEqual(reference);
      expect(ok(decoders.auto!(record(role, encoded))).event).toEqual(reference);
    }
  });

  it('reads raw image bytes (Avro bytes branch) like base64 text', () => {
    const png = imageOfBrightness('png', 0.6);
    const asBytes = { ...INPUT, input: { image: { data: new Uint8Array(png) } } };
    const asText = { ...INPUT, input: { image: { data: png.toString('base64') } } };
    const fromBytes = ok(decoders.avro!(record('inputs', encodeEvent(asBytes, 'inputs', 'avro')))).event as InputEvent;
    const fromText = ok(decoders.json!(record('inputs', json(asText)))).event as InputEvent;
    expect(fromBytes.brightness).toBe(fromText.brightness);
    expect(fromBytes.brightness).toBe(Math.round(0.6 * 255) / 255);
  });

  it('decodes values that are views into a larger buffer (as the shard batch codec hands them over)', () => {
    const wire = { ...INPUT, input: { ...INPUT.input, image: { data: new Uint8Array(imageOfBrightness('png', 0.35)) } } };
    for (const format of ['json', 'avro', 'confluent-avro'] as EventFormat[]) {
      const encoded = encodeEvent(wire, 'inputs', format);
      const big = new Uint8Array(encoded.length + 64).fill(0xee);
      big.set(encoded, 37);
      const view = new Uint8Array(big.buffer, 37, encoded.length);
      const fromView = ok(decoders[format]!(record('inputs', view))).event;
      expect(fromView).toEqual(ok(decoders[format]!(record('inputs', encoded))).event);
      expect((fromView as InputEvent).brightness).toBe(Math.round(0.35 * 255) / 255);
    }
  });

  it('sniffs formats in auto mode', () => {
    expect(sniff(encodeEvent(INPUT, 'inputs', 'json'))).toBe(0);
    expect(sniff(bytes(' \t\r\n{}'))).toBe(0);
    expect(sniff(encodeEvent(INPUT, 'inputs', 'confluent-avro'))).toBe(1);
    expect(sniff(encodeEvent(INPUT, 'inputs', 'avro'))).toBe(2);
  });

  it('maps extra Confluent ids through kafka.schemaIds (absolute paths, as the config loader gives)', () => {
    const file = join(__dirname, '..', '..', 'schemas', 'inference-output.avsc');
    const decoder = createRecordDecoder(config('confluent-avro', { '4242': file }));
    const event = ok(decoder(record('outputs', encodeEvent(OUTPUT, 'outputs', 'confluent-avro', 4242)))).event;
    expect(event).toEqual(ok(decoders.json!(record('outputs', json(OUTPUT)))).event);
    // The default table still applies beside the extra id.
    expect(decoder(record('outputs', encodeEvent(OUTPUT, 'outputs', 'confluent-avro'))).ok).toBe(true);
  });

  it('fails at creation, not per record, when a mapped schema file is missing or invalid', () => {
    expect(() => createRecordDecoder(config('confluent-avro', { '9': '/nonexistent/x.avsc' }))).toThrow(
      expect.objectContaining({ code: 'DRIFTWATCH_INVALID_SCHEMA' }),
    );
    // A JSON-only decoder never touches schemas.
    expect(() => createRecordDecoder(config('json', { '9': '/nonexistent/x.avsc' }))).not.toThrow();
  });
});

describe('record decoder: every rejection has its code', () => {
  const avro = createRecordDecoder(config('avro'));
  const confluent = createRecordDecoder(config('confluent-avro'));

  it('DRIFTWATCH_EMPTY_MESSAGE', () => {
    expect(rejected(jsonDecoder, 'inputs', new Uint8Array(0)).code).toBe('DRIFTWATCH_EMPTY_MESSAGE');
    expect(rejected(avro, 'inputs', new Uint8Array(0)).code).toBe('DRIFTWATCH_EMPTY_MESSAGE');
  });

  it('DRIFTWATCH_NOT_UTF8 (JSON text and Avro strings)', () => {
    const text = json(FEEDBACK);
    const bad = new Uint8Array([...text.subarray(0, 10), 0xff, 0xfe, ...text.subarray(10)]);
    expect(rejected(jsonDecoder, 'feedback', bad).code).toBe('DRIFTWATCH_NOT_UTF8');
    // Overlong encoding of '/' and a lone surrogate (ED A0 80) are not UTF-8 either.
    expect(rejected(jsonDecoder, 'feedback', new Uint8Array([0x7b, 0xc0, 0xaf, 0x7d])).code).toBe('DRIFTWATCH_NOT_UTF8');
    expect(rejected(jsonDecoder, 'feedback', new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22])).code).toBe('DRIFTWATCH_NOT_UTF8');
    // Avro: request_id = 2 bytes C3 28 (invalid continuation).
    const body = encodeEvent({ ...FEEDBACK, request_id: 'ab' }, 'feedback', 'avro');
    const broken = Uint8Array.from(body);
    broken[1] = 0xc3;
    broken[2] = 0x28;
    expect(rejected(avro, 'feedback', broken).code).toBe('DRIFTWATCH_NOT_UTF8');
  });

  it('DRIFTWATCH_INVALID_JSON (syntax, truncated, binary)', () => {
    const full = JSON.stringify(INPUT);
    for (const text of ['not json', full.slice(0, full.length - 1), full.slice(0, 40), '{"a":1,}', 'NaN', '{"ts": Infinity}']) {
      expect(rejected(jsonDecoder, 'inputs', bytes(text)).code).toBe('DRIFTWATCH_INVALID_JSON');
    }
    // Binary that happens to be valid UTF-8 (a Confluent header) is not JSON; other binary is not UTF-8.
    expect(rejected(jsonDecoder, 'inputs', new Uint8Array([0, 0, 0, 0, 1, 2, 0x41])).code).toBe('DRIFTWATCH_INVALID_JSON');
  });

  it('DRIFTWATCH_NOT_AN_OBJECT', () => {
    for (const text of ['[]', '[{"request_id":"r"}]', '"text"', '42', 'null', 'true']) {
      const r = rejected(jsonDecoder, 'inputs', bytes(text));
      expect(r.code).toBe('DRIFTWATCH_NOT_AN_OBJECT');
    }
  });

  it('auto: JSON text that is not an object is DRIFTWATCH_NOT_AN_OBJECT, other text says it is neither JSON nor Avro', () => {
    const auto = createRecordDecoder(config('auto'));
    for (const text of ['[]', '[{"request_id":"r"}]', '"text"', '42', 'null', 'true', ' [1, 2]']) {
      expect(rejected(auto, 'inputs', bytes(text)).code).toBe('DRIFTWATCH_NOT_AN_OBJECT');
    }
    const prose = rejected(auto, 'outputs', bytes('hello world'));
    expect(prose.code).toBe('DRIFTWATCH_INVALID_AVRO');
    expect(prose.message).toContain('neither JSON');
    // Binary that is not Avro keeps the Avro error as it is.
    const binary = rejected(auto, 'outputs', new Uint8Array([0x14, 0xff, 0xfe]));
    expect(binary.code).toBe('DRIFTWATCH_INVALID_AVRO');
    expect(binary.message).not.toContain('neither JSON');
  });

  it('DRIFTWATCH_MISSING_FIELD names the field (absent, null, empty)', () => {
    const required: Array<[TopicRole, Record<string, unknown>, string[]]> = [
      ['inputs', INPUT, ['request_id', 'model_id', 'model_version', 'ts']],
      ['outputs', OUTPUT, ['request_id', 'model_id', 'model_version', 'ts']],
      ['feedback', FEEDBACK, ['request_id', 'model_id', 'ts']],
    ];
    for (const [role, wire, fields] of required) {
      for (const field of fields) {
        for (const value of field === 'ts' ? [undefined, null] : [undefined, null, '']) {
          const r = rejected(jsonDecoder, role, json(withField(wire, field, value)));
          expect(r.code).toBe('DRIFTWATCH_MISSING_FIELD');
          expect(r.message).toContain(field);
        }
      }
    }
  });

  it('DRIFTWATCH_INVALID_FIELD names the field and the expected type', () => {
    const cases: Array<[TopicRole, Record<string, unknown>, string, unknown, string]> = [
      ['inputs', INPUT, 'request_id', 42, 'string'],
      ['inputs', INPUT, 'ts', '1763800000000', 'number'],
      ['inputs', INPUT, 'ts', 1763800000000.5, 'integer'],
      ['inputs', INPUT, 'session_id', 7, 'string'],
      ['inputs', INPUT, 'segment', 'android', 'object'],
      ['inputs', INPUT, 'segment.device', 3, 'string'],
      ['inputs', INPUT, 'input', [1], 'object'],
      ['inputs', INPUT, 'input.length', -1, '>= 0'],
      ['inputs', INPUT, 'input.length', '37', 'number'],
      ['inputs', INPUT, 'input.text', { t: 1 }, 'string'],
      ['inputs', INPUT, 'input.features', [1, 2], 'object'],
      ['inputs', INPUT, 'input.features.snr_db', { v: 1 }, 'number, string, boolean or null'],
      ['inputs', INPUT, 'input.image', 'img', 'object'],
      ['inputs', INPUT, 'input.image.brightness', 1.5, '[0, 1]'],
      ['inputs', INPUT, 'input.image.brightness', -0.1, '[0, 1]'],
      ['inputs', INPUT, 'input.image.data', 12, 'base64'],
      ['outputs', OUTPUT, 'deployment', 'blue', 'live, shadow, canary'],
      ['outputs', OUTPUT, 'confidence', '0.9', 'number'],
      ['outputs', OUTPUT, 'latency_ms', -5, '>= 0'],
      ['feedback', FEEDBACK, 'action', 'retry', 'redo, switch_to_typing, accept, correct'],
      ['feedback', FEEDBACK, 'action', 3, 'redo, switch_to_typing, accept, correct'],
    ];
    for (const [role, wire, field, value, expected] of cases) {
      const r = rejected(jsonDecoder, role, json(withField(wire, field, value)));
      expect([r.code, r.message.includes(field), r.message.includes(expected)]).toEqual(['DRIFTWATCH_INVALID_FIELD', true, true]);
    }
  });

  it('DRIFTWATCH_NOT_FINITE: overflowing JSON numbers and Avro NaN/Infinity where a number is required', () => {
    for (const [field, raw] of [['ts', '1e400'], ['confidence', '-1e999'], ['latency_ms', '1e309']] as const) {
      const text = JSON.stringify({ ...OUTPUT, [field]: 0 }).replace(`"${field}":0`, `"${field}":${raw}`);
      const r = rejected(jsonDecoder, 'outputs', bytes(text));
      expect([r.code, r.message.includes(field)]).toEqual(['DRIFTWATCH_NOT_FINITE', true]);
    }
    for (const v of [NaN, Infinity, -Infinity]) {
      const r = rejected(avro, 'outputs', encodeEvent({ ...OUTPUT, confidence: v }, 'outputs', 'avro'));
      expect(r.code).toBe('DRIFTWATCH_NOT_FINITE');
    }
    expect(rejected(avro, 'inputs', encodeEvent({ ...INPUT, input: { length: NaN } }, 'inputs', 'avro')).code).toBe('DRIFTWATCH_NOT_FINITE');
    expect(rejected(avro, 'inputs', encodeEvent({ ...INPUT, input: { features: { a: Infinity } } }, 'inputs', 'avro')).code).toBe('DRIFTWATCH_NOT_FINITE');
    // NaN in a feature is a missing value (DESIGN §2.1), not an error.
    const event = ok(avro(record('inputs', encodeEvent({ ...INPUT, input: { features: { a: NaN } } }, 'inputs', 'avro')))).event as InputEvent;
    expect(event.features.a).toBeNaN();
  });

  it('DRIFTWATCH_TS_OUT_OF_RANGE: fixed bounds [2000-01-01, 2200-01-01), no wall clock', () => {
    for (const ts of [0, MIN_EVENT_TS - 1, MAX_EVENT_TS, 1e15, -1763800000000]) {
      expect(rejected(jsonDecoder, 'inputs', json({ ...INPUT, ts })).code).toBe('DRIFTWATCH_TS_OUT_OF_RANGE');
    }
    for (const ts of [MIN_EVENT_TS, MAX_EVENT_TS - 1]) expect(jsonDecoder(record('inputs', json({ ...INPUT, ts }))).ok).toBe(true);
  });

  it('DRIFTWATCH_INVALID_AVRO: truncated, trailing bytes, bad union index, bad header', () => {
    const body = encodeEvent(OUTPUT, 'outputs', 'avro');
    for (let cut = 1; cut < body.length; cut++) {
      expect(rejected(avro, 'outputs', body.subarray(0, cut)).code).toBe('DRIFTWATCH_INVALID_AVRO');
    }
    expect(rejected(avro, 'outputs', new Uint8Array([...body, 0])).code).toBe('DRIFTWATCH_INVALID_AVRO');
    // prediction is the first union after 4 fields; branch index 9 (zigzag 18) does not exist.
    const noUnion = encodeEvent({ request_id: 'r', model_id: 'm', model_version: 'v', ts: 1763800000000 }, 'outputs', 'avro');
    const badBranch = Uint8Array.from(noUnion);
    badBranch[noUnion.length - 4] = 18;
    expect(rejected(avro, 'outputs', badBranch).code).toBe('DRIFTWATCH_INVALID_AVRO');
    expect(confluent(record('inputs', new Uint8Array([0, 0, 0])))).toEqual(expect.objectContaining({ ok: false, code: 'DRIFTWATCH_INVALID_AVRO' }));
    expect(rejected(confluent, 'inputs', new Uint8Array([1, 0, 0, 0, 1, 2])).code).toBe('DRIFTWATCH_INVALID_AVRO');
    expect(rejected(confluent, 'inputs', json(INPUT)).code).toBe('DRIFTWATCH_INVALID_AVRO');
  });

  it('DRIFTWATCH_UNKNOWN_SCHEMA_ID', () => {
    const framed = encodeEvent(INPUT, 'inputs', 'confluent-avro', 77);
    const r = rejected(confluent, 'inputs', framed);
    expect([r.code, r.message.includes('77')]).toEqual(['DRIFTWATCH_UNKNOWN_SCHEMA_ID', true]);
    expect(rejected(createRecordDecoder(config('auto')), 'inputs', framed).code).toBe('DRIFTWATCH_UNKNOWN_SCHEMA_ID');
  });

  it('DRIFTWATCH_INVALID_IMAGE: not base64, not PNG/JPEG, corrupt files', () => {
    const png = imageOfBrightness('png', 0.5);
    const jpg = imageOfBrightness('jpeg', 0.5);
    const corruptPng = Buffer.from(png);
    corruptPng.fill(0x55, 40, png.length - 12); // breaks the zlib stream and the CRC
    const corruptJpg = Buffer.concat([jpg.subarray(0, 30), Buffer.alloc(40, 0xff)]);
    for (const data of [
      'not base64 at all!',
      Buffer.from('GIF89a................').toString('base64'),
      Buffer.from('hello world').toString('base64'),
      corruptPng.toString('base64'),
      corruptJpg.toString('base64'),
      png.subarray(0, 20).toString('base64'),
      'data:text/plain,hello',
    ]) {
      const r = rejected(jsonDecoder, 'inputs', json({ ...INPUT, input: { image: { data } } }));
      expect(r.code).toBe('DRIFTWATCH_INVALID_IMAGE');
    }
    // With a brightness given the data is not decoded, but its signature is still checked.
    expect(rejected(jsonDecoder, 'inputs', json({ ...INPUT, input: { image: { brightness: 0.3, data: 'aGVsbG8=' } } })).code).toBe(
      'DRIFTWATCH_INVALID_IMAGE',
    );
  });
});

describe('record decoder: limits', () => {
  const L = DEFAULT_INPUT_LIMITS;
  const avro = createRecordDecoder(config('avro'));

  /** Rejected with DRIFTWATCH_LIMIT_EXCEEDED, the limit named in the message and in `limit` (what the metric counts). */
  function limitHit(decoder: RecordDecoder, role: TopicRole, value: Uint8Array, limit: string): void {
    const r = rejected(decoder, role, value);
    expect([r.code, r.message.includes(limit), r.limit]).toEqual(['DRIFTWATCH_LIMIT_EXCEEDED', true, limit]);
  }

  it('names no limit on other rejections', () => {
    const r = rejected(jsonDecoder, 'inputs', bytes('{"request_id": 1}'));
    expect(r.code).toBe('DRIFTWATCH_INVALID_FIELD');
    expect('limit' in r).toBe(false);
  });

  it('has the documented defaults, taken from the config schema (one source)', () => {
    expect(L).toEqual(defaultConfig().limits);
    expect(L).toEqual(configSchema.parse({}).limits);
    expect(L).toEqual({
      maxMessageBytes: 1048576,
      maxStringLength: 65536,
      maxFeatures: 256,
      maxArrayLength: 4096,
      maxDepth: 16,
      maxImageBytes: 8388608,
      maxImagePixels: 4194304,
    });
  });

  it('maxMessageBytes (JSON and Avro), checked before parsing', () => {
    const big = json({ ...INPUT, input: { text: 'x'.repeat(L.maxMessageBytes) } });
    limitHit(jsonDecoder, 'inputs', big, 'maxMessageBytes');
    limitHit(avro, 'inputs', new Uint8Array(L.maxMessageBytes + 1), 'maxMessageBytes');
  });

  it('maxStringLength on every string read, boundary included', () => {
    const edge = 'y'.repeat(L.maxStringLength);
    expect(jsonDecoder(record('inputs', json({ ...INPUT, input: { text: edge } }))).ok).toBe(true);
    for (const [field, wire] of [
      ['input.text', { ...INPUT, input: { text: edge + 'y' } }],
      ['request_id', { ...INPUT, request_id: edge + 'y' }],
      ['segment.device', { ...INPUT, segment: { device: edge + 'y' } }],
      ['input.features.lang', { ...INPUT, input: { features: { lang: edge + 'y' } } }],
    ] as const) {
      limitHit(jsonDecoder, 'inputs', json(wire), 'maxStringLength');
      limitHit(avro, 'inputs', encodeEvent(wire, 'inputs', 'avro'), 'maxStringLength');
      expect(rejected(jsonDecoder, 'inputs', json(wire)).message).toContain(field);
    }
    limitHit(jsonDecoder, 'outputs', json({ ...OUTPUT, prediction: edge + 'y' }), 'maxStringLength');
  });

  it('maxFeatures on input.features and segment (JSON and Avro)', () => {
    const many = (n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]));
    expect(jsonDecoder(record('inputs', json({ ...INPUT, input: { features: many(L.maxFeatures) } }))).ok).toBe(true);
    expect(avro(record('inputs', encodeEvent({ ...INPUT, input: { features: many(L.maxFeatures) } }, 'inputs', 'avro'))).ok).toBe(true);
    const over = { ...INPUT, input: { features: many(L.maxFeatures + 1) } };
    limitHit(jsonDecoder, 'inputs', json(over), 'maxFeatures');
    limitHit(avro, 'inputs', encodeEvent(over, 'inputs', 'avro'), 'maxFeatures');
    const seg = Object.fromEntries(Array.from({ length: L.maxFeatures + 1 }, (_, i) => [`d${i}`, 'v']));
    limitHit(jsonDecoder, 'inputs', json({ ...INPUT, segment: seg }), 'maxFeatures');
  });

  it('maxArrayLength and maxDepth on predictions and labels', () => {
    limitHit(jsonDecoder, 'outputs', json({ ...OUTPUT, prediction: Array.from({ length: L.maxArrayLength + 1 }, () => 1) }), 'maxArrayLength');
    limitHit(avro, 'outputs', encodeEvent({ ...OUTPUT, prediction: Array.from({ length: L.maxArrayLength + 1 }, () => 'a') }, 'outputs', 'avro'), 'maxArrayLength');
    let deep: unknown = 1;
    for (let i = 0; i < L.maxDepth; i++) deep = [deep];
    // The record is depth 1, so the prediction may nest maxDepth − 1 levels.
    limitHit(jsonDecoder, 'outputs', json({ ...OUTPUT, prediction: deep }), 'maxDepth');
    limitHit(jsonDecoder, 'feedback', json({ ...FEEDBACK, label: { a: deep } }), 'maxDepth');
    expect(jsonDecoder(record('outputs', json({ ...OUTPUT, prediction: (deep as unknown[])[0] }))).ok).toBe(true);
    // A pathologically deep value in a field driftwatch does not read is ignored, not walked.
    const ignored = `{"extra":${'['.repeat(100000)}${']'.repeat(100000)},${JSON.stringify(FEEDBACK).slice(1)}`;
    expect(jsonDecoder(record('feedback', bytes(ignored))).ok).toBe(true);
  });

  it('maxImageBytes and maxImagePixels (a decompression bomb is refused from its header)', () => {
    const small = createRecordDecoder(config('json'), { limits: { maxImageBytes: 100 } });
    const png = solidImage('png', 40, 40, [10, 20, 30]);
    expect(png.length).toBeGreaterThan(100);
    limitHit(small, 'inputs', json({ ...INPUT, input: { image: { data: png.toString('base64') } } }), 'maxImageBytes');
    const fewPixels = createRecordDecoder(config('json'), { limits: { maxImagePixels: 100 } });
    for (const kind of ['png', 'jpeg'] as const) {
      const img = solidImage(kind, 20, 20, [10, 20, 30]);
      limitHit(fewPixels, 'inputs', json({ ...INPUT, input: { image: { data: img.toString('base64') } } }), 'maxImagePixels');
    }
    // 60000 × 60000 declared in IHDR: rejected without inflating anything.
    const bomb = Buffer.from(solidImage('png', 1, 1, [0, 0, 0]));
    bomb.writeUInt32BE(60000, 16);
    bomb.writeUInt32BE(60000, 20);
    limitHit(jsonDecoder, 'inputs', json({ ...INPUT, input: { image: { data: bomb.toString('base64') } } }), 'maxImagePixels');
  });

  it('a block count no collection may have is refused at once (avro-js itself would loop on it)', () => {
    // prediction = union branch 4 (array, zigzag 8), then a block count of 2^40 (zigzag varint), then nothing.
    const head = encodeEvent({ request_id: 'r', model_id: 'm', model_version: 'v', ts: 1763800000000 }, 'outputs', 'avro');
    const prefix = head.subarray(0, head.length - 4);
    const count = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40];
    limitHit(avro, 'outputs', new Uint8Array([...prefix, 8, ...count]), 'maxArrayLength');
  });

  it('config.limits drive the decoder; options.limits override them', () => {
    const fromConfig = (limits: Record<string, number>, format: MessageFormat = 'json'): RecordDecoder =>
      createRecordDecoder(loadConfig({ env: {}, overrides: { kafka: { format }, limits } }));
    const wire = { ...INPUT, input: { features: { a: 1, b: 2, c: 3 } } };
    expect(jsonDecoder(record('inputs', json(wire))).ok).toBe(true);
    limitHit(fromConfig({ maxFeatures: 2 }), 'inputs', json(wire), 'maxFeatures');
    limitHit(fromConfig({ maxFeatures: 2 }, 'avro'), 'inputs', encodeEvent(wire, 'inputs', 'avro'), 'maxFeatures');
    limitHit(fromConfig({ maxMessageBytes: 50 }, 'auto'), 'inputs', json(wire), 'maxMessageBytes');
    limitHit(fromConfig({ maxStringLength: 5 }), 'inputs', json(wire), 'maxStringLength');
    limitHit(fromConfig({ maxDepth: 2 }), 'outputs', json({ ...OUTPUT, prediction: [[1]] }), 'maxDepth');
    // The option layer wins over the config's limits; the config still applies to the others.
    const cfg = loadConfig({ env: {}, overrides: { kafka: { format: 'json' }, limits: { maxFeatures: 2, maxStringLength: 5 } } });
    const both = createRecordDecoder(cfg, { limits: { maxFeatures: 10 } });
    limitHit(both, 'inputs', json(wire), 'maxStringLength');
    expect(createRecordDecoder(cfg, { limits: { maxFeatures: 10, maxStringLength: 100 } })(record('inputs', json(wire))).ok).toBe(true);
  });

  it('limits can be overridden; invalid overrides are refused', () => {
    const tight = createRecordDecoder(config('json'), { limits: { maxFeatures: 2 } });
    limitHit(tight, 'inputs', json({ ...INPUT, input: { features: { a: 1, b: 2, c: 3 } } }), 'maxFeatures');
    expect(() => createRecordDecoder(config('json'), { limits: { maxDepth: 0 } })).toThrow(
      expect.objectContaining({ code: 'DRIFTWATCH_INVALID_PARAMETER' }),
    );
  });
});

describe('record decoder: prototype pollution is impossible', () => {
  const keys = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'];
  const features: Record<string, unknown> = Object.create(null);
  const segment: Record<string, unknown> = Object.create(null);
  keys.forEach((k, i) => {
    features[k] = i === 0 ? 'polluted' : i;
    segment[k] = `v${i}`;
  });
  const wire = { ...INPUT, segment, input: { features } };

  it.each(['json', 'avro', 'confluent-avro'] as const)('%s: dangerous keys are plain data', (format) => {
    const encoded = encodeEvent(wire, 'inputs', format);
    if (format === 'json') expect(new TextDecoder().decode(encoded)).toContain('"__proto__":"polluted"');
    const event = ok(createRecordDecoder(config(format))(record('inputs', encoded))).event as InputEvent;
    expect(Object.getPrototypeOf(event.features)).toBeNull();
    expect(Object.getPrototypeOf(event.segment)).toBeNull();
    expect(Object.keys(event.features)).toEqual(keys);
    expect(Object.keys(event.segment)).toEqual(keys);
    expect(event.features['__proto__']).toBe('polluted');
    expect(event.features['constructor']).toBe(1);
    expect(event.segment['__proto__']).toBe('v0');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(typeof ({} as { hasOwnProperty: unknown }).hasOwnProperty).toBe('function');
  });

  it('a top-level __proto__ in JSON changes nothing', () => {
    const text = `{"__proto__":{"request_id":"evil","polluted":true},${JSON.stringify(FEEDBACK).slice(1)}`;
    const event = ok(jsonDecoder(record('feedback', bytes(text)))).event as FeedbackEvent;
    expect(event.requestId).toBe(FEEDBACK.request_id);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // …and a missing required field is not found through an injected prototype either.
    const missing = `{"__proto__":{"request_id":"evil"},"model_id":"m","ts":1763800000000}`;
    expect(rejected(jsonDecoder, 'feedback', bytes(missing)).code).toBe('DRIFTWATCH_MISSING_FIELD');
  });
});

describe('alert codec', () => {
  const alert: DriftAlert = {
    alert_id: 'a1',
    incident_id: 'i1',
    status: 'firing',
    kind: 'data_drift',
    severity: 'critical',
    model_id: 'asr-en',
    model_version: '2026.11.1',
    slice: { device: 'android' },
    metric: 'input_length',
    detector: 'ks',
    statistic: 0.31,
    p_value: 1.2e-9,
    threshold: 0.01,
    effect_size: 0.45,
    reference: { count: 5000, mean: 36.1, p50: 34, rate: 0.1, categories: JSON.parse('{"a":0.5,"__proto__":0.5}') as Record<string, number> },
    current: { count: 1000, mean: 52.9, p50: 51 },
    window: { start: 1763800000000, end: 1763800300000, count: 1000 },
    detected_at: 1763800300000,
    emitted_at: 1763800300412,
    sources: [{ topic: 'inference.inputs', partition: 0, from_offset: 1200, to_offset: 2199 }],
    message: 'input_length shifted up',
  };

  it.each(['json', 'avro', 'confluent-avro'] as const)('%s round trip', (format) => {
    const back = decodeAlert(encodeAlert(alert, format), format);
    const expected = format === 'json' ? alert : { ...alert, current: { ...alert.current, rate: null, categories: null } };
    expect(JSON.parse(JSON.stringify(back))).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(back.reference.categories?.['__proto__']).toBe(0.5);
  });

  it('refuses alerts the schema cannot hold, and malformed Avro', () => {
    expect(() => encodeAlert({ ...alert, status: 'open' as never }, 'avro')).toThrow(expect.objectContaining({ code: 'DRIFTWATCH_ENCODE_FAILED' }));
    expect(() => decodeAlert(encodeAlert(alert, 'avro').subarray(0, 20), 'avro')).toThrow(expect.objectContaining({ code: 'DRIFTWATCH_INVALID_AVRO' }));
  });
});
