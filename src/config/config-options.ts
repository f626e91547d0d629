import type { z } from 'zod';
import { configSchema } from './config-schema';

/**
 * The option list derived from the schema: one entry per settable leaf (a scalar, a list, a map, or
 * an optional section that can also be set as a whole). The env-var mapping, `--set` flags, the
 * docs table and the "expected ..." part of error messages all come from here, so none of them can
 * disagree with the schema.
 *
 * Env-var rule (the only one): `DRIFTWATCH_` + the option path with each camelCase segment turned
 * into UPPER_SNAKE and the segments joined by `_`:
 * kafka.brokers → DRIFTWATCH_KAFKA_BROKERS, windows.size → DRIFTWATCH_WINDOWS_SIZE,
 * kafka.fetchMaxWaitMs → DRIFTWATCH_KAFKA_FETCH_MAX_WAIT_MS, kafka.sasl.password →
 * DRIFTWATCH_KAFKA_SASL_PASSWORD. The mapping is looked up in this table (never split back on
 * underscores), and a test asserts it is one-to-one.
 */

/** How a text value (env var or `--set`) is turned into the option's type. */
export type OptionKind = 'string' | 'number' | 'boolean' | 'enum' | 'string-list' | 'json' | 'boolean-or-json';

export interface ConfigOption {
  /** Dotted path, e.g. `kafka.topics.inputs`. */
  path: string;
  segments: readonly string[];
  envVar: string;
  kind: OptionKind;
  /** Human description of the valid values, e.g. `integer ≥ 1`, `one of json | avro`. */
  valid: string;
  /** The default (undefined = absent unless set). */
  defaultValue: unknown;
  /** The default as docs show it (JSON, or a formula for computed defaults such as shards). */
  defaultText: string;
  required: boolean;
  description: string;
}

/** Prefix of every configuration env var. */
export const ENV_PREFIX = 'DRIFTWATCH_';

/**
 * DRIFTWATCH_* variables that are not configuration: the test harness's (DRIFTWATCH_TEST_*), the
 * local Kafka jar folder (src/local/local-kafka.ts), and the job context the retrain worker hands to
 * its command (JOB_ID, MODEL_ID, MODEL_VERSION, ATTEMPT; src/retrain/retrain-actions.ts), which may
 * itself run driftwatch. Every other DRIFTWATCH_* variable must name an option, so a typo is an
 * error instead of a silently ignored setting.
 */
export const RESERVED_ENV = /^DRIFTWATCH_(TEST_[A-Z0-9_]*|KAFKA_LIBS|JOB_ID|MODEL_ID|MODEL_VERSION|ATTEMPT)$/;

type AnySchema = z.ZodType;
interface Def {
  type: string;
  innerType?: AnySchema;
  defaultValue?: unknown;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  options?: AnySchema[];
  entries?: Record<string, string>;
  checks?: Array<{ _zod: { def: CheckDef } }>;
  valueType?: AnySchema;
}
interface CheckDef {
  check: string;
  value?: number;
  inclusive?: boolean;
  minimum?: number;
  maximum?: number;
  format?: string;
  error?: unknown;
}

function defOf(s: AnySchema): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips optional/default/prefault wrappers, remembering what they said. */
export function unwrap(s: AnySchema): { core: AnySchema; optional: boolean; hasDefault: boolean; defaultValue: unknown; description: string } {
  let core = s;
  let optional = false;
  let hasDefault = false;
  let defaultValue: unknown;
  let description = s.description ?? '';
  for (;;) {
    const d = defOf(core);
    if (d.type === 'optional') optional = true;
    else if (d.type === 'default' || d.type === 'prefault') {
      hasDefault = true;
      // zod evaluates a function default (shards) when this getter is read.
      defaultValue = d.type === 'default' ? d.defaultValue : undefined;
    } else break;
    core = d.innerType!;
    description ||= core.description ?? '';
  }
  return { core, optional, hasDefault, defaultValue, description };
}

function checkText(c: CheckDef): string | undefined {
  switch (c.check) {
    case 'greater_than':
      return `${c.inclusive ? '≥' : '>'} ${c.value}`;
    case 'less_than':
      return `${c.inclusive ? '≤' : '<'} ${c.value}`;
    case 'min_length':
      return c.minimum === 1 ? 'non-empty' : `at least ${c.minimum} long`;
    case 'string_format':
      if (c.format === 'regex' && typeof c.error === 'function') {
        const msg: unknown = (c.error as () => unknown)();
        return typeof msg === 'string' ? msg : undefined;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** A readable description of the values a schema accepts. */
export function describeSchema(s: AnySchema): string {
  const { core, optional } = unwrap(s);
  const d = defOf(core);
  const checks = (d.checks ?? []).map((c) => c._zod.def);
  const limits = checks.map(checkText).filter((t): t is string => t !== undefined);
  let text: string;
  switch (d.type) {
    case 'number': {
      const integer = checks.some((c) => c.check === 'number_format' && (c.format === 'safeint' || c.format === 'int32'));
      text = (integer ? 'integer' : 'number') + (limits.length ? ' ' + limits.join(' and ') : '');
      break;
    }
    case 'string':
      text = limits.length ? `string (${limits.join(', ')})` : 'string';
      break;
    case 'boolean':
      text = 'true | false';
      break;
    case 'enum':
      text = 'one of ' + Object.values(d.entries ?? {}).join(' | ');
      break;
    case 'array':
      text = `list of ${describeSchema(d.element!)}` + (limits.length ? ` (${limits.join(', ')})` : '');
      break;
    case 'record':
      text = `map of ${describeSchema(d.valueType!)}`;
      break;
    case 'object':
      text = 'object';
      break;
    case 'union':
      text = (d.options ?? []).map(describeSchema).join(' or ');
      break;
    default:
      text = d.type;
  }
  return optional ? `${text} (optional)` : text;
}

function kindOf(core: AnySchema): OptionKind {
  const d = defOf(core);
  switch (d.type) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'enum':
      return 'enum';
    case 'array':
      return defOf(unwrap(d.element!).core).type === 'string' ? 'string-list' : 'json';
    case 'union':
      return (d.options ?? []).some((o) => defOf(o).type === 'boolean') ? 'boolean-or-json' : 'json';
    default:
      return 'json';
  }
}

/** camelCase → UPPER_SNAKE. */
export function toEnvSegment(segment: string): string {
  return segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export function envVarFor(segments: readonly string[]): string {
  return ENV_PREFIX + segments.map(toEnvSegment).join('_');
}

function walk(s: AnySchema, segments: string[], out: ConfigOption[]): void {
  const { core, optional, hasDefault, defaultValue, description } = unwrap(s);
  const d = defOf(core);
  const meta = (s.meta() ?? {}) as { defaultText?: unknown };
  const objectBranch =
    d.type === 'object' ? core : d.type === 'union' ? (d.options ?? []).find((o) => defOf(o).type === 'object') : undefined;
  // A section with a default is just a container; an optional section (kafka.ssl, kafka.sasl) or a
  // union can also be given whole, so it is an option of its own as well as a parent.
  if (segments.length > 0 && (d.type !== 'object' || optional)) {
    out.push({
      path: segments.join('.'),
      segments,
      envVar: envVarFor(segments),
      kind: d.type === 'object' ? 'json' : kindOf(core),
      valid: describeSchema(s),
      defaultValue,
      defaultText: typeof meta.defaultText === 'string' ? meta.defaultText : defaultValue === undefined ? '(absent)' : JSON.stringify(defaultValue),
      required: !optional && !hasDefault,
      description,
    });
  }
  if (objectBranch) {
    for (const [key, child] of Object.entries(defOf(objectBranch).shape ?? {})) walk(child, [...segments, key], out);
  }
}

let cached: readonly ConfigOption[] | undefined;

/** Every option, in declaration order. */
export function configOptions(): readonly ConfigOption[] {
  if (!cached) {
    const out: ConfigOption[] = [];
    walk(configSchema, [], out);
    cached = Object.freeze(out);
  }
  return cached;
}

/** The option at a dotted path, if any. */
export function optionAt(path: string): ConfigOption | undefined {
  return configOptions().find((o) => o.path === path);
}

/** The sub-schema at a path (through sections, lists, maps and unions), for error messages. */
export function schemaAt(path: readonly PropertyKey[]): AnySchema | undefined {
  let s: AnySchema | undefined = configSchema;
  for (const key of path) {
    if (!s) return undefined;
    const d = defOf(unwrap(s).core);
    if (d.type === 'object') s = d.shape?.[String(key)];
    else if (d.type === 'array') s = d.element;
    else if (d.type === 'record') s = d.valueType;
    else if (d.type === 'union') {
      const obj = (d.options ?? []).find((o) => defOf(o).type === 'object');
      s = obj ? defOf(obj).shape?.[String(key)] : undefined;
    } else return undefined;
  }
  return s;
}

/** Keys a section accepts, for "did you mean" hints. */
export function keysAt(path: readonly PropertyKey[]): string[] {
  const s = schemaAt(path);
  if (!s) return [];
  const d = defOf(unwrap(s).core);
  const obj = d.type === 'object' ? unwrap(s).core : (d.options ?? []).find((o) => defOf(o).type === 'object');
  return obj ? Object.keys(defOf(obj).shape ?? {}) : [];
}
