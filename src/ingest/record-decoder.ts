import { DriftwatchError } from '../../detectors/errors';
import type { DriftwatchConfig, MessageFormat } from '../config/config-types';
import type { InferenceEvent } from '../pipeline/events';
import type { SourceRecord, TopicRole } from '../pipeline/records';
import { AvroReader } from './avro-reader';
import { loadSchemaIdTable, roleSchema, type LoadedSchema } from './avro-schemas';
import { DecodeReject } from './decode-reject';
import { extractEvent } from './event-extractor';
import { resolveInputLimits, type InputLimitName, type InputLimits } from './input-limits';

/**
 * Raw record → validated event (DESIGN §2.1, docs/events.md). A decoder never throws for bad input:
 * every record that cannot be decoded or validated yields `{ ok: false, code, message }` with a
 * specific `DRIFTWATCH_*` code (docs/error-codes.md), which the pipeline turns into a DLQ entry.
 *
 * Formats (`config.kafka.format`):
 * - `json`: UTF-8 JSON text;
 * - `avro`: plain Avro binary written with the schema of the record's role (schemas/*.avsc);
 * - `confluent-avro`: magic byte 0, 4-byte big-endian schema id, Avro body written with the schema
 *   the id maps to (schemas/schema-ids.json overlaid with `kafka.schemaIds`);
 * - `auto`, per record: first byte 0 → Confluent; first byte that is not JSON whitespace (or a UTF-8
 *   BOM) is `{` → JSON; anything else → plain Avro (if that fails and the value is JSON text that is
 *   not an object, `DRIFTWATCH_NOT_AN_OBJECT`; other text keeps the Avro code with a message saying it
 *   is neither JSON nor Avro).
 *
 * The JSON path is one strict UTF-8 decode, one JSON.parse and one validation pass.
 */
export type DecodeResult =
  | { ok: true; event: InferenceEvent }
  /** `limit`: set exactly when code is `DRIFTWATCH_LIMIT_EXCEEDED`, the name of the limit that was hit. */
  | { ok: false; code: string; message: string; limit?: InputLimitName };

export type RecordDecoder = (record: SourceRecord) => DecodeResult;

export interface RecordDecoderOptions {
  /** Overrides of `config.limits` (src/ingest/input-limits.ts); the schema's defaults for anything absent. */
  limits?: Partial<InputLimits>;
}

// `fatal` makes invalid UTF-8 an error instead of U+FFFD replacement characters; a leading BOM is dropped.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

const FORMATS: ReadonlySet<string> = new Set<MessageFormat>(['auto', 'json', 'avro', 'confluent-avro']);

/**
 * Builds a decoder for `config.kafka.format` with the input limits of `config.limits` (overridable by
 * `options.limits`). Schemas are loaded and compiled here, once; a missing or invalid schema file throws
 * `DRIFTWATCH_INVALID_SCHEMA` now rather than rejecting every record later.
 */
export function createRecordDecoder(config: Readonly<DriftwatchConfig>, options: RecordDecoderOptions = {}): RecordDecoder {
  // `config.limits` may be absent in a hand-built config (tests): the schema's defaults then.
  const limits = resolveInputLimits((config as Partial<DriftwatchConfig>).limits, options.limits);
  const format = config.kafka.format;
  if (!FORMATS.has(format)) {
    throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `kafka.format must be auto, json, avro or confluent-avro, got ${String(format)}`);
  }
  const needsAvro = format !== 'json';
  const roleSchemas: Readonly<Record<TopicRole, LoadedSchema>> | null = needsAvro
    ? { inputs: roleSchema('inputs'), outputs: roleSchema('outputs'), feedback: roleSchema('feedback') }
    : null;
  const idTable = needsAvro ? loadSchemaIdTable(config.kafka.schemaIds) : new Map<number, LoadedSchema>();
  const reader = new AvroReader(limits);

  function decodeJson(value: Uint8Array): unknown {
    let text: string;
    try {
      text = UTF8.decode(value);
    } catch {
      throw new DecodeReject('DRIFTWATCH_NOT_UTF8', 'the message value is not valid UTF-8');
    }
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new DecodeReject('DRIFTWATCH_INVALID_JSON', `the message value is not JSON: ${(e as Error).message}`);
    }
  }

  function decodeConfluent(value: Uint8Array): unknown {
    if (value[0] !== 0) throw new DecodeReject('DRIFTWATCH_INVALID_AVRO', `Confluent framing needs magic byte 0, got ${value[0]}`);
    if (value.length < 5) throw new DecodeReject('DRIFTWATCH_INVALID_AVRO', 'Confluent header is truncated (needs 5 bytes)');
    const id = ((value[1]! << 24) | (value[2]! << 16) | (value[3]! << 8) | value[4]!) >>> 0;
    const schema = idTable.get(id);
    if (schema === undefined) throw new DecodeReject('DRIFTWATCH_UNKNOWN_SCHEMA_ID', `schema id ${id} is not mapped (schemas/schema-ids.json, kafka.schemaIds)`);
    return reader.read(schema.node, value, 5);
  }

  /**
   * `auto` took the value for plain Avro (it does not start with `{` or byte 0). When that fails, the
   * producer more likely sent JSON that is not an object (`[...]`, `"..."`, `42`, `null`) or plain
   * text: say so, with the specific code, instead of an Avro error. Only on the failure path.
   */
  function readPlainAvroOrExplain(role: TopicRole, value: Uint8Array): unknown {
    try {
      return reader.read(roleSchemas![role].node, value, 0);
    } catch (e) {
      if (!(e instanceof DecodeReject) || e.limit !== undefined) throw e;
      let text: string | null = null;
      try {
        text = UTF8.decode(value);
      } catch {
        throw e; // binary: an Avro error is the best description
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new DecodeReject(e.code, `neither JSON (a JSON record starts with '{') nor plain Avro (${e.message})`);
      }
      throw new DecodeReject('DRIFTWATCH_NOT_AN_OBJECT', `a ${role} record must be a JSON object, got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`);
    }
  }

  return (record: SourceRecord): DecodeResult => {
    try {
      const value = record.value;
      if (value.length === 0) return fail('DRIFTWATCH_EMPTY_MESSAGE', 'the message value is empty');
      if (value.length > limits.maxMessageBytes) {
        return { ok: false, code: 'DRIFTWATCH_LIMIT_EXCEEDED', message: `message of ${value.length} bytes exceeds maxMessageBytes (${limits.maxMessageBytes})`, limit: 'maxMessageBytes' };
      }
      let wire: unknown;
      switch (format) {
        case 'json':
          wire = decodeJson(value);
          break;
        case 'avro':
          wire = reader.read(roleSchemas![record.role].node, value, 0);
          break;
        case 'confluent-avro':
          wire = decodeConfluent(value);
          break;
        default: {
          const kind = sniff(value);
          wire = kind === 0 ? decodeJson(value) : kind === 1 ? decodeConfluent(value) : readPlainAvroOrExplain(record.role, value);
        }
      }
      return { ok: true, event: extractEvent(record.role, wire, limits) };
    } catch (e) {
      if (e instanceof DecodeReject) return e.limit === undefined ? { ok: false, code: e.code, message: e.message } : { ok: false, code: e.code, message: e.message, limit: e.limit };
      // A bug, not bad input; still never allowed to stop the stream.
      return fail('DRIFTWATCH_DECODE_FAILED', `unexpected decoder failure: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
}

/** 0 = JSON, 1 = Confluent-framed Avro, 2 = plain Avro (the `auto` rule above). */
export function sniff(value: Uint8Array): 0 | 1 | 2 {
  const first = value[0];
  if (first === 0) return 1;
  let i = 0;
  if (first === 0xef && value[1] === 0xbb && value[2] === 0xbf) i = 3; // UTF-8 BOM
  for (; i < value.length; i++) {
    const b = value[i];
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b ? 0 : 2;
  }
  return 2;
}

function fail(code: string, message: string): DecodeResult {
  return { ok: false, code, message };
}
