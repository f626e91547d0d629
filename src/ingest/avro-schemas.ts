import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { createType, type Type } from 'avro-js/lib/schemas';
import { DriftwatchError } from '../../detectors/errors';
import { packageRoot } from '../local/package-root';
import type { TopicRole } from '../pipeline/records';
import { compileAvroType, type AvroNode } from './avro-reader';

/**
 * The Avro schemas of `schemas/` and the Confluent schema-id table (DESIGN §2.1).
 *
 * - Plain Avro (`kafka.format: avro`) uses the schema of the record's role:
 *   `schemas/inference-input.avsc`, `inference-output.avsc`, `inference-feedback.avsc`.
 * - Confluent framing uses the schema registered under the id in the 5-byte header. The default table
 *   is `schemas/schema-ids.json` (1 input, 2 output, 3 feedback, 4 alert); `kafka.schemaIds` adds ids
 *   or replaces default ones. A mapped schema is the WRITER schema: the body is read with it and the
 *   event is then extracted by field name, so evolved schemas (extra fields, reordered fields, removed
 *   optional fields) work without a reader/writer resolution step.
 *
 * Files are read and parsed once per process (module cache); a file that is missing or not a valid
 * Avro schema fails decoder creation with `DRIFTWATCH_INVALID_SCHEMA` (a start-up error, not a DLQ one).
 */

export interface LoadedSchema {
  /** Absolute path of the .avsc file. */
  readonly file: string;
  /** The avro-js type (used by the encoder). */
  readonly type: Type;
  /** The compiled reader nodes (used by the decoder). */
  readonly node: AvroNode;
}

export const ROLE_SCHEMA_FILES: Readonly<Record<TopicRole | 'alert', string>> = Object.freeze({
  inputs: 'inference-input.avsc',
  outputs: 'inference-output.avsc',
  feedback: 'inference-feedback.avsc',
  alert: 'drift-alert.avsc',
});

const cache = new Map<string, LoadedSchema>();
let schemasDirCache: string | undefined;

/** The package's `schemas/` folder (works from src/ under ts-jest and from dist/src/). */
export function schemasDir(): string {
  schemasDirCache ??= join(packageRoot(), 'schemas');
  return schemasDirCache;
}

/** Loads (once) a schema file; a relative path is taken relative to `schemas/`. */
export function loadSchemaFile(path: string): LoadedSchema {
  const file = isAbsolute(path) ? path : join(schemasDir(), path);
  const hit = cache.get(file);
  if (hit !== undefined) return hit;
  let type: Type;
  try {
    type = createType(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new DriftwatchError('DRIFTWATCH_INVALID_SCHEMA', `cannot load Avro schema ${file}: ${(e as Error).message}`, {
      cause: e,
      details: { file },
    });
  }
  const loaded: LoadedSchema = Object.freeze({ file, type, node: compileAvroType(type) });
  cache.set(file, loaded);
  return loaded;
}

/** The schema of a role (or of the alert) from `schemas/`. */
export function roleSchema(role: TopicRole | 'alert'): LoadedSchema {
  return loadSchemaFile(ROLE_SCHEMA_FILES[role]);
}

/** The default id → file table of `schemas/schema-ids.json`. */
export function defaultSchemaIds(): Readonly<Record<string, string>> {
  const file = join(schemasDir(), 'schema-ids.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (e) {
    throw new DriftwatchError('DRIFTWATCH_INVALID_SCHEMA', `cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * The effective Confluent id table: the defaults overlaid with `overrides` (config.kafka.schemaIds,
 * whose paths the config loader has made absolute). Ids must be integers in [0, 2^32).
 */
export function loadSchemaIdTable(overrides: Readonly<Record<string, string>>): Map<number, LoadedSchema> {
  const merged: Record<string, string> = { ...defaultSchemaIds(), ...overrides };
  const table = new Map<number, LoadedSchema>();
  for (const [key, path] of Object.entries(merged)) {
    const id = Number(key);
    if (!/^\d+$/.test(key) || id > 0xffffffff) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_SCHEMA', `schema id ${JSON.stringify(key)} is not an integer in [0, 2^32)`);
    }
    table.set(id, loadSchemaFile(path));
  }
  return table;
}
