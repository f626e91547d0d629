import { DriftwatchError } from '../../detectors/errors';
import type { DriftAlert } from '../alerts/alert-types';
import { AvroReader } from './avro-reader';
import { loadSchemaIdTable, roleSchema } from './avro-schemas';
import { DecodeReject } from './decode-reject';
import type { EventFormat } from './event-encoder';
import { DEFAULT_INPUT_LIMITS } from './input-limits';

/**
 * Reads a `drift.alerts` message back (tests, the demo, consumers written in TypeScript): the inverse
 * of `encodeAlert`. JSON is parsed as is; Avro (plain, or Confluent-framed with an id of
 * schemas/schema-ids.json) is read with `schemas/drift-alert.avsc`, where optional fields that were
 * absent come back as null (`rate`, `categories`). A malformed message throws `DRIFTWATCH_INVALID_AVRO`
 * / `DRIFTWATCH_INVALID_JSON` / `DRIFTWATCH_UNKNOWN_SCHEMA_ID` as a DriftwatchError.
 */
export function decodeAlert(bytes: Uint8Array, format: EventFormat): DriftAlert {
  try {
    if (format === 'json') {
      try {
        return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as DriftAlert;
      } catch (e) {
        throw new DecodeReject('DRIFTWATCH_INVALID_JSON', `alert is not JSON: ${(e as Error).message}`);
      }
    }
    const reader = new AvroReader(DEFAULT_INPUT_LIMITS);
    if (format === 'avro') return reader.read(roleSchema('alert').node, bytes, 0) as DriftAlert;
    if (bytes.length < 5 || bytes[0] !== 0) throw new DecodeReject('DRIFTWATCH_INVALID_AVRO', 'not a Confluent-framed message');
    const id = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1, false);
    const schema = loadSchemaIdTable({}).get(id);
    if (schema === undefined) throw new DecodeReject('DRIFTWATCH_UNKNOWN_SCHEMA_ID', `schema id ${id} is not mapped`);
    return reader.read(schema.node, bytes, 5) as DriftAlert;
  } catch (e) {
    if (e instanceof DecodeReject) throw new DriftwatchError(e.code, e.message);
    throw e;
  }
}
