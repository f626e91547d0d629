import { types as avroTypes, type Type } from 'avro-js/lib/schemas';
import { DriftwatchError } from '../../detectors/errors';
import type { DriftAlert } from '../alerts/alert-types';
import type { TopicRole } from '../pipeline/records';
import { defaultSchemaIds, loadSchemaFile, roleSchema, type LoadedSchema } from './avro-schemas';

/**
 * Wire encoders for the simulator, tests and benches (and the Avro option of the alert topic): the
 * inverse of the record decoder. A wire object is the JSON form of DESIGN §2.1 (snake_case fields);
 * `encodeEvent` writes it as JSON text, plain Avro, or Confluent-framed Avro.
 *
 * Avro is written by avro-js (`Type#toBuffer`) after mapping the plain object onto avro-js' value
 * representation (unions wrapped as `{ branch: value }`, bytes as Buffer, maps as null-prototype
 * objects so a `__proto__` key is data). The decoder reads with its own bounded reader, so round-trip
 * tests check two independent implementations against each other.
 *
 * Union branches are chosen by the JS value: null/undefined → null; string → string or an enum that
 * has the symbol; number → the first numeric branch (double in our schemas; int/long only for
 * integers); boolean; Uint8Array → bytes/fixed; array → array; object → record or map. In JSON, a
 * Uint8Array (raw image bytes) is written as base64 text. A value the schema cannot hold throws
 * `DRIFTWATCH_ENCODE_FAILED`.
 */

export type EventFormat = 'json' | 'avro' | 'confluent-avro';

const TEXT = new TextEncoder();

/** Default Confluent schema id of each role (from schemas/schema-ids.json). */
export function defaultSchemaIdFor(role: TopicRole | 'alert'): number {
  const file = roleSchema(role).file;
  for (const [id, path] of Object.entries(defaultSchemaIds())) {
    if (loadSchemaFile(path).file === file) return Number(id);
  }
  throw new DriftwatchError('DRIFTWATCH_ENCODE_FAILED', `no default schema id for ${role}`);
}

/**
 * Encodes one wire object of `role`. For `confluent-avro`, `schemaId` defaults to the role's id in
 * schemas/schema-ids.json; an id of that table selects its schema, any other id frames the body
 * written with the role's schema (for ids mapped through `kafka.schemaIds` to the same file).
 */
export function encodeEvent(wireObject: unknown, role: TopicRole, format: EventFormat, schemaId?: number): Uint8Array {
  return encodeWith(wireObject, role, format, schemaId);
}

/** Encodes a drift alert (DESIGN §2.2) as JSON, plain Avro or Confluent-framed Avro (`schemas/drift-alert.avsc`). */
export function encodeAlert(alert: DriftAlert, format: EventFormat, schemaId?: number): Uint8Array {
  return encodeWith(alert, 'alert', format, schemaId);
}

function encodeWith(value: unknown, role: TopicRole | 'alert', format: EventFormat, schemaId: number | undefined): Uint8Array {
  if (format === 'json') return TEXT.encode(JSON.stringify(value, jsonReplacer));
  let schema: LoadedSchema = roleSchema(role);
  if (format === 'avro') return avroBody(schema.type, value);
  if (format !== 'confluent-avro') throw new DriftwatchError('DRIFTWATCH_ENCODE_FAILED', `unknown format ${String(format)}`);
  const id = schemaId ?? defaultSchemaIdFor(role);
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
    throw new DriftwatchError('DRIFTWATCH_ENCODE_FAILED', `schema id ${id} is not an integer in [0, 2^32)`);
  }
  const mapped = defaultSchemaIds()[String(id)];
  if (mapped !== undefined) schema = loadSchemaFile(mapped);
  const body = avroBody(schema.type, value);
  const out = new Uint8Array(5 + body.length);
  out[0] = 0;
  new DataView(out.buffer).setUint32(1, id, false);
  out.set(body, 5);
  return out;
}

function avroBody(type: Type, value: unknown): Uint8Array {
  let wrapped: unknown;
  try {
    wrapped = toAvroValue(type, value, '$');
  } catch (e) {
    if (e instanceof DriftwatchError) throw e;
    throw new DriftwatchError('DRIFTWATCH_ENCODE_FAILED', `cannot encode: ${(e as Error).message}`, { cause: e });
  }
  try {
    return type.toBuffer(wrapped);
  } catch (e) {
    throw new DriftwatchError('DRIFTWATCH_ENCODE_FAILED', `avro-js cannot encode the value: ${(e as Error).message}`, { cause: e });
  }
}

function jsonReplacer(_key: string, v: unknown): unknown {
  return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : v;
}

function branchName(t: Type): string {
  return t.getName() ?? t.getName(true) ?? '?';
}

function fits(t: Type, v: unknown): boolean {
  const T = avroTypes;
  if (t instanceof T.LogicalType) return fits(t.getUnderlyingType(), v);
  switch (typeof v) {
    case 'string':
      return t instanceof T.StringType || (t instanceof T.EnumType && t.getSymbols().includes(v));
    case 'number':
      return t instanceof T.DoubleType || t instanceof T.FloatType || ((t instanceof T.LongType || t instanceof T.IntType) && Number.isInteger(v));
    case 'boolean':
      return t instanceof T.BooleanType;
    case 'object':
      if (v === null) return t instanceof T.NullType;
      if (v instanceof Uint8Array) return t instanceof T.BytesType || (t instanceof T.FixedType && t.getSize() === v.length);
      if (Array.isArray(v)) return t instanceof T.ArrayType;
      return t instanceof T.RecordType || t instanceof T.MapType;
    default:
      return false;
  }
}

function fail(path: string, message: string): never {
  throw new DriftwatchError('DRIFTWATCH_ENCODE_FAILED', `${path}: ${message}`);
}

function toAvroValue(t: Type, v: unknown, path: string): unknown {
  const T = avroTypes;
  if (t instanceof T.LogicalType) return toAvroValue(t.getUnderlyingType(), v, path);
  if (t instanceof T.UnionType) {
    if (v === undefined || v === null) {
      if (t.getTypes().some((b) => b instanceof T.NullType)) return null;
      fail(path, 'null where the union has no null branch');
    }
    const branch = t.getTypes().find((b) => fits(b, v));
    if (branch === undefined) fail(path, `no union branch holds ${Array.isArray(v) ? 'an array' : typeof v}`);
    const wrapped = Object.create(null) as Record<string, unknown>;
    wrapped[branchName(branch)] = toAvroValue(branch, v, path);
    return wrapped;
  }
  if (t instanceof T.RecordType) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'expected an object');
    const src = v as Record<string, unknown>;
    const out = Object.create(null) as Record<string, unknown>;
    for (const field of t.getFields()) {
      const name = field.getName();
      const fv = Object.prototype.hasOwnProperty.call(src, name) ? src[name] : undefined;
      // Absent fields take the schema default (avro-js writes it); a null goes through the union.
      if (fv !== undefined) out[name] = toAvroValue(field.getType(), fv, `${path}.${name}`);
    }
    return out;
  }
  if (t instanceof T.MapType) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'expected an object (map)');
    const src = v as Record<string, unknown>;
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(src)) out[key] = toAvroValue(t.getValuesType(), src[key], `${path}.${key}`);
    return out;
  }
  if (t instanceof T.ArrayType) {
    if (!Array.isArray(v)) fail(path, 'expected an array');
    return v.map((item, i) => toAvroValue(t.getItemsType(), item, `${path}[${i}]`));
  }
  if (t instanceof T.BytesType || t instanceof T.FixedType) {
    if (!(v instanceof Uint8Array)) fail(path, 'expected bytes');
    return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  }
  if (v === undefined) fail(path, 'missing value');
  return v;
}
