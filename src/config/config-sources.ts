import type { ConfigProblem, Provenance } from './config-errors';
import { didYouMean, showValue } from './config-errors';
import { configOptions, ENV_PREFIX, type ConfigOption, RESERVED_ENV } from './config-options';

/**
 * The text layers of the configuration (env vars and `--set` flags) turned into partial config
 * objects. Coercion is driven by the option's schema type (config-options.ts): numbers and
 * booleans are parsed, lists are comma-separated, maps and lists of objects are JSON. A text that
 * does not parse is passed on unchanged so that validation reports it with the valid range.
 */

/** A partial config object built from one layer. */
export type Layer = Record<string, unknown>;

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const TRUE = /^(true|yes|on|1)$/i;
const FALSE = /^(false|no|off|0)$/i;

/** Coerces one text value to the type of `option`; adds a problem when JSON does not parse. */
export function coerce(option: ConfigOption, text: string, source: string, problems: ConfigProblem[]): unknown {
  const t = text.trim();
  switch (option.kind) {
    case 'string':
    case 'enum':
      return text;
    case 'number':
      return NUMBER.test(t) ? Number(t) : text;
    case 'boolean':
      return TRUE.test(t) ? true : FALSE.test(t) ? false : text;
    case 'string-list':
      if (t.startsWith('[')) return parseJson(option, t, source, problems);
      return t
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'boolean-or-json':
      if (TRUE.test(t)) return true;
      if (FALSE.test(t)) return false;
      return parseJson(option, t, source, problems);
    case 'json':
      return parseJson(option, t, source, problems);
  }
}

function parseJson(option: ConfigOption, text: string, source: string, problems: ConfigProblem[]): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    problems.push({
      path: option.path,
      message: `expected JSON (${option.valid}), got ${showValue(option.path, text)}: ${(e as Error).message}`,
      source,
    });
    return undefined;
  }
}

/** Sets `value` at `segments`, creating sections; an own property even for odd keys. */
export function setPath(target: Layer, segments: readonly string[], value: unknown): void {
  let cur = target;
  for (const s of segments.slice(0, -1)) {
    const next = cur[s];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      const fresh: Layer = {};
      Object.defineProperty(cur, s, { value: fresh, enumerable: true, writable: true, configurable: true });
      cur = fresh;
    } else cur = next as Layer;
  }
  Object.defineProperty(cur, segments[segments.length - 1]!, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The env layer. Only DRIFTWATCH_* variables count; plain REDIS_URL and KAFKA_BROKERS belong to the
 * test harness and are never configuration. Empty values count as unset. A DRIFTWATCH_* variable
 * that names no option (and is not reserved, see RESERVED_ENV) is a problem, with a suggestion.
 */
export function envLayer(env: Readonly<Record<string, string | undefined>>, provenance: Provenance, problems: ConfigProblem[]): Layer {
  const byName = new Map(configOptions().map((o) => [o.envVar, o]));
  const layer: Layer = {};
  // Sorted so that a whole section (DRIFTWATCH_KAFKA_SSL) is applied before its fields (…_SSL_CA).
  for (const name of Object.keys(env).sort()) {
    const text = env[name];
    if (!name.startsWith(ENV_PREFIX) || RESERVED_ENV.test(name) || text === undefined || text === '') continue;
    const option = byName.get(name);
    const source = `env ${name}`;
    if (!option) {
      const guess = didYouMean(name, [...byName.keys()]);
      problems.push({
        path: name,
        message: `not a configuration variable${guess ? `; did you mean ${guess}?` : ''} (rule: ${ENV_PREFIX}<SECTION>_<KEY>, see docs/configuration.md)`,
        source,
      });
      continue;
    }
    const value = coerce(option, text, source, problems);
    if (value === undefined) continue;
    setPath(layer, option.segments, value);
    provenance.set(option.path, source);
  }
  return layer;
}

/** The flags every config-reading command accepts (for node's util.parseArgs). */
export const configFlagOptions = {
  config: { type: 'string', short: 'c' },
  set: { type: 'string', multiple: true },
  brokers: { type: 'string' },
} as const;

/** Flag values as util.parseArgs returns them for configFlagOptions. */
export interface ConfigFlags {
  /** `path=value` assignments, e.g. `windows.size=500` (same coercion as env vars). */
  set?: readonly string[];
  /** Shorthand for `--set kafka.brokers=…` (comma-separated host:port). */
  brokers?: string;
}

/** The flags layer: `--brokers` first, then each `--set` in order (a later one wins). */
export function flagsLayer(flags: ConfigFlags, provenance: Provenance, problems: ConfigProblem[]): Layer {
  const options = configOptions();
  const layer: Layer = {};
  const assignments: Array<[string, string, string]> = [];
  if (flags.brokers !== undefined) assignments.push(['kafka.brokers', flags.brokers, '--brokers']);
  for (const a of flags.set ?? []) {
    const eq = a.indexOf('=');
    if (eq <= 0) {
      problems.push({ path: a, message: 'expected --set <option.path>=<value>, e.g. --set windows.size=500', source: `flag --set ${a}` });
      continue;
    }
    assignments.push([a.slice(0, eq).trim(), a.slice(eq + 1), `flag --set ${a.slice(0, eq).trim()}`]);
  }
  for (const [path, text, source] of assignments) {
    const option = options.find((o) => o.path === path);
    if (!option) {
      const guess = didYouMean(path, options.map((o) => o.path));
      problems.push({ path, message: `not a configuration option${guess ? `; did you mean ${guess}?` : ''}`, source });
      continue;
    }
    const value = coerce(option, text, source, problems);
    if (value === undefined) continue;
    setPath(layer, option.segments, value);
    provenance.set(option.path, source);
  }
  return layer;
}
