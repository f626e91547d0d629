import fc from 'fast-check';
import type { DriftwatchConfig, MessageFormat } from '../../src/config/config-types';
import { defaultConfig } from '../../src/config/load-config';
import { encodeEvent, type EventFormat } from '../../src/ingest/event-encoder';
import { isBase64Text } from '../../src/ingest/image-brightness';
import { imageOfBrightnessBase64 } from '../../src/ingest/image-fixtures';
import { INPUT_LIMIT_NAMES, MAX_EVENT_TS, MIN_EVENT_TS } from '../../src/ingest/input-limits';
import { createRecordDecoder, type DecodeResult, type RecordDecoder } from '../../src/ingest/record-decoder';
import type { InferenceEvent } from '../../src/pipeline/events';
import type { SourceRecord, TopicRole } from '../../src/pipeline/records';
import { DLQ_CODES } from './bad-input-cases';

// Property-based tests of the record decoder (issue 5 §4): no input makes it throw, every rejection
// carries a documented code (never the internal-bug code), and valid events survive every format.

// Thousands of runs per property; on a loaded shared machine one property can take several seconds.
jest.setTimeout(60_000);

function config(format: MessageFormat): DriftwatchConfig {
  const base = defaultConfig();
  return { ...base, kafka: { ...base.kafka, format } };
}

const FORMATS: MessageFormat[] = ['json', 'avro', 'confluent-avro', 'auto'];
const decoders = Object.fromEntries(FORMATS.map((f) => [f, createRecordDecoder(config(f))])) as Record<MessageFormat, RecordDecoder>;
const ROLES: TopicRole[] = ['inputs', 'outputs', 'feedback'];
/** Every rejection must carry one of the documented bad-input codes. */
const CODES = DLQ_CODES;

function record(role: TopicRole, value: Uint8Array): SourceRecord {
  return { role, topic: `inference.${role}`, partition: 3, offset: 11, key: null, value };
}

/** Decodes and checks the result is a well-formed DecodeResult (the call itself must not throw). */
function decodeChecked(format: MessageFormat, role: TopicRole, value: Uint8Array): DecodeResult {
  const result = decoders[format](record(role, value));
  if (result.ok) {
    expect(result.event.type).toBe(role === 'inputs' ? 'input' : role === 'outputs' ? 'output' : 'feedback');
  } else {
    expect(CODES.has(result.code)).toBe(true);
    expect(typeof result.message).toBe('string');
    // A limit name exactly on DRIFTWATCH_LIMIT_EXCEEDED (what driftwatch_limit_hits_total counts).
    if (result.code === 'DRIFTWATCH_LIMIT_EXCEEDED') expect(INPUT_LIMIT_NAMES).toContain(result.limit);
    else expect(result.limit).toBeUndefined();
  }
  return result;
}

// ---- generators of valid wire objects -----------------------------------------------------------

// Avro and JSON both carry any Unicode text; -0 is the one double JSON cannot (it prints as 0).
const text = (maxLength: number, minLength = 0): fc.Arbitrary<string> => fc.string({ unit: 'binary', minLength, maxLength });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
const nonNegative = fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
const key = fc.oneof(text(8), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString'));
const scalar = fc.oneof(fc.constant(null), finite, text(12), fc.boolean());
const ts = fc.integer({ min: MIN_EVENT_TS, max: MAX_EVENT_TS - 1 });
const IMAGES = [imageOfBrightnessBase64('png', 0.1), imageOfBrightnessBase64('png', 0.8, 3), imageOfBrightnessBase64('jpeg', 0.5)];

const inputWire = fc.record(
  {
    request_id: text(24, 1),
    model_id: text(12, 1),
    model_version: text(12, 1),
    ts,
    session_id: fc.option(text(12)),
    segment: fc.option(fc.dictionary(key, text(10), { maxKeys: 4 })),
    input: fc.option(
      fc.record(
        {
          length: fc.option(nonNegative),
          text: fc.option(text(40)),
          image: fc.option(
            fc.record(
              { brightness: fc.option(fc.double({ min: 0, max: 1, noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x))), data: fc.option(fc.constantFrom(...IMAGES)) },
              { requiredKeys: [] },
            ),
          ),
          features: fc.option(fc.dictionary(key, scalar, { maxKeys: 8 })),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: ['request_id', 'model_id', 'model_version', 'ts'] },
);

const outputWire = fc.record(
  {
    request_id: text(24, 1),
    model_id: text(12, 1),
    model_version: text(12, 1),
    ts,
    prediction: fc.oneof(scalar, fc.array(scalar, { maxLength: 5 })),
    confidence: fc.option(finite),
    latency_ms: fc.option(nonNegative),
    deployment: fc.option(fc.constantFrom('live', 'shadow', 'canary')),
  },
  { requiredKeys: ['request_id', 'model_id', 'model_version', 'ts'] },
);

const feedbackWire = fc.record(
  {
    request_id: text(24, 1),
    model_id: text(12, 1),
    ts,
    action: fc.option(fc.constantFrom('redo', 'switch_to_typing', 'accept', 'correct')),
    label: scalar,
  },
  { requiredKeys: ['request_id', 'model_id', 'ts'] },
);

const wireOf: Record<TopicRole, fc.Arbitrary<Record<string, unknown>>> = {
  inputs: inputWire as fc.Arbitrary<Record<string, unknown>>,
  outputs: outputWire as fc.Arbitrary<Record<string, unknown>>,
  feedback: feedbackWire as fc.Arbitrary<Record<string, unknown>>,
};
const roleAndWire = fc.constantFrom(...ROLES).chain((role) => wireOf[role].map((wire) => [role, wire] as const));

// ---- properties ---------------------------------------------------------------------------------

describe('decoder properties: nothing throws out of the decoder', () => {
  it.each(FORMATS)('%s: arbitrary bytes', (format) => {
    fc.assert(
      fc.property(fc.constantFrom(...ROLES), fc.uint8Array({ maxLength: 400 }), (role, bytes) => {
        decodeChecked(format, role, bytes);
      }),
      { numRuns: 1500 },
    );
  });

  it('confluent-avro and auto: a valid header (schema id 0–5) followed by arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ROLES), fc.integer({ min: 0, max: 5 }), fc.uint8Array({ maxLength: 300 }), (role, id, body) => {
        const framed = new Uint8Array(5 + body.length);
        new DataView(framed.buffer).setUint32(1, id);
        framed.set(body, 5);
        decodeChecked('confluent-avro', role, framed);
        decodeChecked('auto', role, framed);
      }),
      { numRuns: 1500 },
    );
  });

  it.each(['json', 'auto'] as const)('%s: arbitrary JSON text', (format) => {
    fc.assert(
      fc.property(fc.constantFrom(...ROLES), fc.json({ maxDepth: 6 }), (role, textValue) => {
        decodeChecked(format, role, new TextEncoder().encode(textValue));
      }),
      { numRuns: 1500 },
    );
  });

  it('json: objects with the contract field names and arbitrary JSON values', () => {
    const names = ['request_id', 'model_id', 'model_version', 'ts', 'session_id', 'segment', 'input', 'prediction', 'confidence', 'latency_ms', 'deployment', 'action', 'label'];
    const anyValue = fc.jsonValue({ maxDepth: 4 });
    const wire = fc.dictionary(fc.constantFrom(...names), anyValue, { maxKeys: names.length });
    fc.assert(
      fc.property(fc.constantFrom(...ROLES), wire, ts, (role, w, t) => {
        decodeChecked('json', role, new TextEncoder().encode(JSON.stringify({ request_id: 'r', model_id: 'm', model_version: 'v', ts: t, ...w })));
        decodeChecked('json', role, new TextEncoder().encode(JSON.stringify({ request_id: 'r', model_id: 'm', model_version: 'v', ts: t, input: w })));
      }),
      { numRuns: 1500 },
    );
  });

  it.each(['json', 'avro', 'confluent-avro'] as EventFormat[])('%s: mutated valid records (overwrite, truncate, insert, delete)', (format) => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ op: fc.constant('cut' as const), at: fc.nat(), byte: fc.constant(0) }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
    );
    fc.assert(
      fc.property(roleAndWire, fc.array(mutation, { minLength: 1, maxLength: 4 }), ([role, wire], mutations) => {
        let bytes = Array.from(encodeEvent(wire, role, format));
        for (const m of mutations) {
          const at = bytes.length === 0 ? 0 : m.at % bytes.length;
          if (m.op === 'set' && bytes.length > 0) bytes[at] = m.byte;
          else if (m.op === 'cut') bytes = bytes.slice(0, at);
          else if (m.op === 'insert') bytes.splice(at, 0, m.byte);
          else if (m.op === 'delete') bytes.splice(at, 1);
        }
        const mutated = Uint8Array.from(bytes);
        decodeChecked(format === 'json' ? 'json' : format, role, mutated);
        decodeChecked('auto', role, mutated);
      }),
      { numRuns: 1500 },
    );
  });
});

describe('decoder properties: valid events round-trip through every format', () => {
  it('encodeEvent + decode: JSON, Avro, Confluent and auto give the same event, true to the wire object', () => {
    fc.assert(
      fc.property(roleAndWire, ([role, wire]) => {
        const events: InferenceEvent[] = [];
        for (const format of ['json', 'avro', 'confluent-avro'] as EventFormat[]) {
          const encoded = encodeEvent(wire, role, format);
          for (const decoderFormat of [format, 'auto'] as MessageFormat[]) {
            const result = decoders[decoderFormat](record(role, encoded));
            if (!result.ok) throw new Error(`${format} via ${decoderFormat}: ${result.code} ${result.message}`);
            events.push(result.event);
          }
        }
        for (const e of events.slice(1)) expect(e).toEqual(events[0]);
        const e = events[0]!;
        expect([e.requestId, e.modelId, e.ts]).toEqual([wire.request_id, wire.model_id, wire.ts]);
        if (e.type === 'input') {
          const input = (wire.input ?? {}) as Record<string, unknown>;
          const features = (input.features ?? {}) as Record<string, unknown>;
          expect(Object.keys(e.features)).toEqual(Object.keys(features));
          for (const k of Object.keys(features)) expect(e.features[k]).toBe(features[k]);
          expect(Object.getPrototypeOf(e.features)).toBeNull();
          const textValue = input.text as string | null | undefined;
          const expectedLength = input.length ?? (textValue == null ? null : [...textValue].length);
          expect(e.length).toBe(expectedLength);
        } else if (e.type === 'output') {
          const p = wire.prediction;
          expect(e.nullOutput).toBe(p === null || p === undefined || p === '' || (Array.isArray(p) && p.length === 0));
          expect(e.prediction).toBe(p === null || p === undefined ? null : typeof p === 'string' ? p : JSON.stringify(p));
          expect(e.deployment).toBe(wire.deployment ?? 'live');
        } else {
          expect(e.action).toBe(wire.action ?? null);
          const l = wire.label;
          expect(e.label).toBe(l === null || l === undefined ? null : typeof l === 'string' ? l : JSON.stringify(l));
        }
      }),
      { numRuns: 700 },
    );
  });
});

describe('decoder properties: image data text is checked in linear time', () => {
  // What isBase64Text replaces; quadratic on whitespace followed by a bad character.
  const BASE64_TEXT = /^[A-Za-z0-9+/_\-\s]*={0,2}\s*$/;
  it('accepts exactly what the base64 regular expression accepts', () => {
    const unit = fc.constantFrom('A', 'z', '0', '+', '/', '_', '-', '=', ' ', '\n', '\t', '\u00a0', '\u2028', '\ufeff', '\u3000', '!', '.', '*', 'é', '\u0000');
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 30 }), (parts) => {
        const text = parts.join('');
        expect(isBase64Text(text)).toBe(BASE64_TEXT.test(text));
      }),
      { numRuns: 5000, seed: 11 },
    );
    for (const text of ['', 'QUJD', 'QUI=', 'QQ==', 'QQ===', 'QQ==A', 'QU\r\nJD \n', 'a-b_c', '==', ' = ']) expect(isBase64Text(text)).toBe(BASE64_TEXT.test(text));
  });

  it('a message of whitespace ending in a bad character is rejected at once (the regular expression took minutes)', () => {
    const wire = { request_id: 'r', model_id: 'm', model_version: '1', ts: MIN_EVENT_TS, input: { image: { data: `${' '.repeat(1_000_000)}!` } } };
    const r = decoders.json(record('inputs', new TextEncoder().encode(JSON.stringify(wire))));
    expect(r.ok ? 'ok' : r.code).toBe('DRIFTWATCH_INVALID_IMAGE');
  });
});
