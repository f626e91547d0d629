import type { TopicRole } from '../pipeline/records';
import type {
  Deployment,
  FeatureValue,
  FeedbackAction,
  FeedbackEvent,
  InferenceEvent,
  InputEvent,
  OutputEvent,
} from '../pipeline/events';
import { MAX_EVENT_TS, MIN_EVENT_TS, type InputLimits } from './input-limits';
import { limitExceeded, reject } from './decode-reject';
import { imageBrightness, imageBytesFromData } from './image-brightness';

/**
 * Validation and extraction of one wire object (DESIGN §2.1) into an InputEvent / OutputEvent /
 * FeedbackEvent. The wire object comes from JSON.parse or from the Avro reader; both give plain
 * values (Avro unions already unwrapped, Avro `bytes` as Uint8Array), so one pass serves all formats
 * and JSON, Avro and Confluent-framed Avro of the same object give identical events.
 *
 * One linear pass, plain functions (no per-field closures). Every object built here from input is a
 * null-prototype object, so keys such as `__proto__`, `constructor` or `prototype` are plain data
 * (see {@link nullProtoObject} for why not Object.create(null)).
 * Fields driftwatch does not read are ignored (forward compatibility) and never walked.
 * Failures throw a DecodeReject that the record decoder turns into `{ ok: false, code, message }`.
 */

type Wire = Record<string, unknown>;

const DEPLOYMENTS: ReadonlySet<string> = new Set<Deployment>(['live', 'shadow', 'canary']);
const ACTIONS: ReadonlySet<string> = new Set<FeedbackAction>(['redo', 'switch_to_typing', 'accept', 'correct']);

/** Extracts the event of `role` from a decoded wire value, or throws a DecodeReject. */
export function extractEvent(role: TopicRole, value: unknown, limits: Readonly<InputLimits>): InferenceEvent {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    reject('DRIFTWATCH_NOT_AN_OBJECT', `a ${role} record must be an object, got ${describe(value)}`);
  }
  const wire = value as Wire;
  switch (role) {
    case 'inputs':
      return extractInput(wire, limits);
    case 'outputs':
      return extractOutput(wire, limits);
    case 'feedback':
      return extractFeedback(wire, limits);
    default:
      return reject('DRIFTWATCH_INVALID_FIELD', `unknown topic role ${String(role)}`);
  }
}

function extractInput(w: Wire, limits: Readonly<InputLimits>): InputEvent {
  const requestId = requiredString(w.request_id, 'request_id', limits);
  const modelId = requiredString(w.model_id, 'model_id', limits);
  const modelVersion = requiredString(w.model_version, 'model_version', limits);
  const ts = requiredTs(w.ts);
  const sessionId = optionalString(w.session_id, 'session_id', limits);
  const segment = readSegment(w.segment, limits);
  let length: number | null = null;
  let brightness: number | null = null;
  let features: Record<string, FeatureValue> = EMPTY_FEATURES;
  const input = w.input;
  if (input !== undefined && input !== null) {
    if (!isPlainObject(input)) invalid('input', 'an object', input);
    const inp = input as Wire;
    length = optionalNonNegative(inp.length, 'input.length');
    const text = optionalString(inp.text, 'input.text', limits);
    if (length === null && text !== null) length = codePointLength(text);
    brightness = readImage(inp.image, limits);
    features = readFeatures(inp.features, limits);
  }
  return { type: 'input', requestId, modelId, modelVersion, ts, sessionId, segment, length, brightness, features };
}

function extractOutput(w: Wire, limits: Readonly<InputLimits>): OutputEvent {
  const requestId = requiredString(w.request_id, 'request_id', limits);
  const modelId = requiredString(w.model_id, 'model_id', limits);
  const modelVersion = requiredString(w.model_version, 'model_version', limits);
  const ts = requiredTs(w.ts);
  const p = w.prediction;
  // A null output is a prediction that is null (or absent), "" or [] (DESIGN §2.1).
  const nullOutput = p === null || p === undefined || p === '' || (Array.isArray(p) && p.length === 0);
  const prediction = comparableString(p, 'prediction', limits);
  const confidence = optionalFinite(w.confidence, 'confidence');
  const latencyMs = optionalNonNegative(w.latency_ms, 'latency_ms');
  let deployment: Deployment = 'live';
  const d = w.deployment;
  if (d !== undefined && d !== null) {
    if (typeof d !== 'string' || !DEPLOYMENTS.has(d)) invalid('deployment', 'one of live, shadow, canary', d);
    deployment = d as Deployment;
  }
  return { type: 'output', requestId, modelId, modelVersion, ts, nullOutput, prediction, confidence, latencyMs, deployment };
}

function extractFeedback(w: Wire, limits: Readonly<InputLimits>): FeedbackEvent {
  const requestId = requiredString(w.request_id, 'request_id', limits);
  const modelId = requiredString(w.model_id, 'model_id', limits);
  const ts = requiredTs(w.ts);
  let action: FeedbackAction | null = null;
  const a = w.action;
  if (a !== undefined && a !== null) {
    if (typeof a !== 'string' || !ACTIONS.has(a)) invalid('action', 'one of redo, switch_to_typing, accept, correct', a);
    action = a as FeedbackAction;
  }
  const label = comparableString(w.label, 'label', limits);
  return { type: 'feedback', requestId, modelId, ts, action, label };
}

// ---- field readers -------------------------------------------------------------------------

const EMPTY_FEATURES: Record<string, FeatureValue> = Object.freeze(Object.create(null) as Record<string, FeatureValue>);
const EMPTY_SEGMENT: Record<string, string> = Object.freeze(Object.create(null) as Record<string, string>);

function requiredString(v: unknown, field: string, limits: Readonly<InputLimits>): string {
  if (typeof v === 'string') {
    if (v.length === 0) reject('DRIFTWATCH_MISSING_FIELD', `required field ${field} is empty`);
    if (v.length > limits.maxStringLength) tooLong(field, limits);
    return v;
  }
  if (v === undefined || v === null) reject('DRIFTWATCH_MISSING_FIELD', `required field ${field} is missing`);
  return invalid(field, 'a string', v);
}

function optionalString(v: unknown, field: string, limits: Readonly<InputLimits>): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') invalid(field, 'a string', v);
  if (v.length > limits.maxStringLength) tooLong(field, limits);
  return v;
}

function requiredTs(v: unknown): number {
  if (v === undefined || v === null) reject('DRIFTWATCH_MISSING_FIELD', 'required field ts is missing');
  if (typeof v !== 'number') invalid('ts', 'a number (ms since epoch)', v);
  if (!Number.isFinite(v)) notFinite('ts', v);
  if (!Number.isInteger(v)) invalid('ts', 'an integer (ms since epoch)', v);
  if (v < MIN_EVENT_TS || v >= MAX_EVENT_TS) {
    reject('DRIFTWATCH_TS_OUT_OF_RANGE', `ts ${v} is outside [2000-01-01, 2200-01-01) in ms since epoch`);
  }
  return v;
}

function optionalFinite(v: unknown, field: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number') invalid(field, 'a number', v);
  if (!Number.isFinite(v)) notFinite(field, v);
  return v;
}

function optionalNonNegative(v: unknown, field: string): number | null {
  const n = optionalFinite(v, field);
  if (n !== null && n < 0) invalid(field, 'a number >= 0', n);
  return n;
}

function readSegment(v: unknown, limits: Readonly<InputLimits>): Record<string, string> {
  if (v === undefined || v === null) return EMPTY_SEGMENT;
  if (!isPlainObject(v)) invalid('segment', 'an object of strings', v);
  const src = v as Wire;
  const out = nullProtoObject() as Record<string, string>;
  let n = 0;
  for (const key in src) {
    if (++n > limits.maxFeatures) limitExceeded('maxFeatures', `segment has more than maxFeatures (${limits.maxFeatures}) fields`);
    if (key.length > limits.maxStringLength) tooLong('segment key', limits);
    const s = src[key];
    if (typeof s !== 'string') invalid(`segment.${shortKey(key)}`, 'a string', s);
    if (s.length > limits.maxStringLength) tooLong(`segment.${shortKey(key)}`, limits);
    out[key] = s;
  }
  return n === 0 ? EMPTY_SEGMENT : out;
}

function readFeatures(v: unknown, limits: Readonly<InputLimits>): Record<string, FeatureValue> {
  if (v === undefined || v === null) return EMPTY_FEATURES;
  if (!isPlainObject(v)) invalid('input.features', 'an object', v);
  const src = v as Wire;
  const out = nullProtoObject() as Record<string, FeatureValue>;
  let n = 0;
  for (const key in src) {
    if (++n > limits.maxFeatures) {
      limitExceeded('maxFeatures', `input.features has more than maxFeatures (${limits.maxFeatures}) keys`);
    }
    if (key.length > limits.maxStringLength) tooLong('input.features key', limits);
    const f = src[key];
    if (f === null || typeof f === 'boolean') {
      out[key] = f;
    } else if (typeof f === 'number') {
      // NaN is a missing value (DESIGN §2.1) and kept as NaN; ±Infinity is not a measurement.
      if (f === Infinity || f === -Infinity) notFinite(`input.features.${shortKey(key)}`, f);
      out[key] = f;
    } else if (typeof f === 'string') {
      if (f.length > limits.maxStringLength) tooLong(`input.features.${shortKey(key)}`, limits);
      out[key] = f;
    } else if (f === undefined) {
      out[key] = null;
    } else {
      invalid(`input.features.${shortKey(key)}`, 'a number, string, boolean or null', f);
    }
  }
  return n === 0 ? EMPTY_FEATURES : out;
}

function readImage(v: unknown, limits: Readonly<InputLimits>): number | null {
  if (v === undefined || v === null) return null;
  if (!isPlainObject(v)) invalid('input.image', 'an object', v);
  const img = v as Wire;
  const given = optionalFinite(img.brightness, 'input.image.brightness');
  if (given !== null && (given < 0 || given > 1)) invalid('input.image.brightness', 'a number in [0, 1]', given);
  const data = img.data;
  if (data === undefined || data === null) return given;
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) invalid('input.image.data', 'base64 text or bytes', data);
  // The data is always checked (size, PNG/JPEG signature); it is decoded only when no brightness is given.
  const bytes = imageBytesFromData(data, limits);
  return given !== null ? given : imageBrightness(bytes, limits);
}

/**
 * A prediction or label reduced to a comparable string: strings as they are, anything else as its
 * JSON text (numbers, booleans, arrays, objects), null/absent as null. Arrays and objects are checked
 * against maxDepth (the record is depth 1, so the value itself is depth 2), maxArrayLength and
 * maxStringLength before being stringified.
 */
function comparableString(v: unknown, field: string, limits: Readonly<InputLimits>): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') {
    if (v.length > limits.maxStringLength) tooLong(field, limits);
    return v;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) notFinite(field, v);
    return JSON.stringify(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  checkNested(v, field, 2, limits);
  const s = JSON.stringify(v);
  if (s.length > limits.maxStringLength) tooLong(field, limits);
  return s;
}

function checkNested(v: unknown, path: string, depth: number, limits: Readonly<InputLimits>): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) notFinite(path, v);
    return;
  }
  if (depth > limits.maxDepth) limitExceeded('maxDepth', `${path} nests deeper than maxDepth (${limits.maxDepth})`);
  if (Array.isArray(v)) {
    if (v.length > limits.maxArrayLength) {
      limitExceeded('maxArrayLength', `${path} has more than maxArrayLength (${limits.maxArrayLength}) elements`);
    }
    for (let i = 0; i < v.length; i++) checkNested(v[i], path, depth + 1, limits);
    return;
  }
  if (isPlainObject(v)) {
    let n = 0;
    const o = v as Wire;
    for (const key in o) {
      if (++n > limits.maxArrayLength) {
        limitExceeded('maxArrayLength', `${path} has more than maxArrayLength (${limits.maxArrayLength}) keys`);
      }
      checkNested(o[key], path, depth + 1, limits);
    }
    return;
  }
  invalid(path, 'a JSON value', v);
}

// ---- helpers -----------------------------------------------------------------------------

const setPrototypeOf = Object.setPrototypeOf;

/**
 * An empty object whose prototype is null, like Object.create(null), but in V8's fast-properties
 * mode: Object.create(null) gives a dictionary-mode (hash table) object, about twice the memory and
 * slower to fill, to read by name and to walk with for-in (no enum cache: every for-in allocates its
 * key list). A plain `{}` whose prototype is then set to null stays fast, and objects filled with
 * the same keys in the same order share one hidden class. Keys still cannot reach a prototype: with
 * no Object.prototype in the chain, `out['__proto__'] = v` makes an own data property.
 */
function nullProtoObject(): Record<string, unknown> {
  return setPrototypeOf({}, null) as Record<string, unknown>;
}

/** Number of Unicode code points (a surrogate pair counts once, a lone surrogate counts once). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) {
      const h = s.charCodeAt(i - 1);
      if (h >= 0xd800 && h <= 0xdbff) n--;
    }
  }
  return n;
}

/** A key as shown in an error message: long keys are cut so a DLQ entry stays small. */
function shortKey(key: string): string {
  return key.length <= 64 ? key : `${key.slice(0, 61)}...`;
}

function isPlainObject(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function invalid(field: string, expected: string, got: unknown): never {
  return reject('DRIFTWATCH_INVALID_FIELD', `${field} must be ${expected}, got ${describe(got)}`);
}

function notFinite(field: string, got: unknown): never {
  return reject('DRIFTWATCH_NOT_FINITE', `${field} must be a finite number, got ${String(got)}`);
}

function tooLong(field: string, limits: Readonly<InputLimits>): never {
  return limitExceeded('maxStringLength', `${field} is longer than maxStringLength (${limits.maxStringLength})`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'string') return v.length > 40 ? `a string of length ${v.length}` : JSON.stringify(v);
  if (typeof v === 'number') return String(v);
  return typeof v;
}
