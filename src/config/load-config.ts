import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DriftwatchError } from '../../detectors/errors';
import { type ConfigProblem, configInvalid, problemsFromIssues, type Provenance } from './config-errors';
import { configSchema } from './config-schema';
import { type ConfigFlags, envLayer, flagsLayer, type Layer } from './config-sources';
import type { DriftwatchConfig } from './config-types';

export { redactConfig, redactUrl, REDACTED } from './redact-config';
export { configFlagOptions, type ConfigFlags } from './config-sources';
export type { DriftwatchConfig } from './config-types';

/** Any depth of optional fields, for programmatic overrides (tests, the demo). */
export type DeepPartial<T> = T extends readonly (infer _U)[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export interface LoadConfigOptions {
  /** Config file, YAML (`.yaml`/`.yml`) or JSON (`.json`), chosen by extension. */
  file?: string;
  /**
   * Environment to read DRIFTWATCH_* variables from; default `process.env`. Pass `{}` to ignore the
   * environment (tests, replays that must not depend on the shell).
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Command-line flags (`--set path=value`, `--brokers`). */
  flags?: ConfigFlags;
  /** Programmatic values applied last (above flags), e.g. the test broker list. */
  overrides?: DeepPartial<DriftwatchConfig>;
  /** Folder that relative paths from env, flags and overrides are resolved against; default cwd. */
  cwd?: string;
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(v: unknown): v is Layer {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Merges `src` into `dst` (objects deeply, everything else replaced); records where each leaf came from. */
function mergeLayer(dst: Layer, src: Layer, provenance: Provenance | undefined, source: string, prefix: string[] = []): void {
  for (const key of Object.keys(src)) {
    const value = src[key];
    const path = [...prefix, key];
    const current = Object.prototype.hasOwnProperty.call(dst, key) ? dst[key] : undefined;
    if (value === null) {
      // An empty YAML key (`redis:` with everything below commented out) means "this layer sets
      // nothing here", so the default applies. It stays an own key so an unknown name is reported.
      if (!Object.prototype.hasOwnProperty.call(dst, key)) define(dst, key, undefined);
      continue;
    }
    if (isPlainObject(value) && !UNSAFE_KEYS.has(key)) {
      const target: Layer = isPlainObject(current) ? current : {};
      define(dst, key, target);
      mergeLayer(target, value, provenance, source, path);
    } else {
      // defineProperty keeps "__proto__" an own key, so the strict schema reports it as unknown
      // instead of it silently changing a prototype.
      define(dst, key, value);
      provenance?.set(path.join('.'), source);
    }
  }
}

function define(obj: Layer, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Reads a YAML or JSON config file into a plain object. */
export function readConfigFile(file: string): Layer {
  const ext = extname(file).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml' && ext !== '.json') {
    throw new DriftwatchError(
      'DRIFTWATCH_CONFIG_FILE_UNREADABLE',
      `config file ${file}: unsupported extension "${ext}"; use .yaml, .yml or .json`,
      { details: { file } },
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DriftwatchError('DRIFTWATCH_CONFIG_FILE_UNREADABLE', `config file ${file} cannot be read: ${(e as Error).message}`, {
      cause: e,
      details: { file },
    });
  }
  let parsed: unknown;
  try {
    parsed = ext === '.json' ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true, prettyErrors: true });
  } catch (e) {
    throw new DriftwatchError(
      'DRIFTWATCH_CONFIG_FILE_UNREADABLE',
      `config file ${file} is not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
      { cause: e, details: { file } },
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isPlainObject(parsed)) {
    throw configInvalid([{ path: '(file)', message: 'the config file must hold a mapping of options at its top level', source: `file ${file}` }]);
  }
  return parsed;
}

/** Removes own keys whose value is undefined, so an absent option is absent (`'ssl' in kafka` is false). */
function dropUndefined(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) delete (value as Record<string, unknown>)[k];
    else dropUndefined(v);
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Resolves file paths inside the config against the folder of the layer that set them. */
function resolvePaths(config: DriftwatchConfig, provenance: Provenance, fileDir: string | undefined, cwd: string): void {
  const base = (path: string): string => {
    const source = provenance.get(path) ?? '';
    return source.startsWith('file ') && fileDir !== undefined ? fileDir : cwd;
  };
  for (const id of Object.keys(config.kafka.schemaIds)) {
    const p = config.kafka.schemaIds[id]!;
    if (!isAbsolute(p)) {
      const path = `kafka.schemaIds.${id}`;
      const dir = provenance.has(path) ? base(path) : base('kafka.schemaIds');
      config.kafka.schemaIds[id] = resolve(dir, p);
    }
  }
  const profile = config.reference.profilePath;
  if (profile !== undefined && !isAbsolute(profile)) config.reference.profilePath = resolve(base('reference.profilePath'), profile);
  // TLS material is PEM text (contains -----BEGIN) or a file path, like every other path here.
  for (const [section, tls] of [['kafka.ssl', config.kafka.ssl], ['redis.tls', config.redis.tls]] as const) {
    if (typeof tls !== 'object') continue;
    for (const key of ['ca', 'cert', 'key'] as const) {
      const value = tls[key];
      if (value !== undefined && !value.includes('-----BEGIN') && !isAbsolute(value)) tls[key] = resolve(base(`${section}.${key}`), value);
    }
  }
}

/**
 * The effective configuration: defaults < file < DRIFTWATCH_* env vars < flags < overrides,
 * validated once and deeply frozen.
 *
 * @throws DriftwatchError DRIFTWATCH_CONFIG_INVALID listing every problem (field path, the value and
 * where it came from, the valid values), or DRIFTWATCH_CONFIG_FILE_UNREADABLE.
 *
 * @example
 * ```ts
 * const config = loadConfig({ file: 'driftwatch.yaml', flags: { set: ['windows.size=500'] } });
 * console.log(config.windows.size); // 500
 * ```
 */
export function loadConfig(options: LoadConfigOptions = {}): Readonly<DriftwatchConfig> {
  const cwd = options.cwd ?? process.cwd();
  const provenance: Provenance = new Map();
  const problems: ConfigProblem[] = [];
  const merged: Layer = {};
  let fileDir: string | undefined;
  if (options.file !== undefined) {
    const file = resolve(cwd, options.file);
    fileDir = dirname(file);
    mergeLayer(merged, readConfigFile(file), provenance, `file ${options.file}`);
  }
  mergeLayer(merged, envLayer(options.env ?? process.env, provenance, problems), undefined, '');
  if (options.flags) mergeLayer(merged, flagsLayer(options.flags, provenance, problems), undefined, '');
  if (options.overrides) mergeLayer(merged, options.overrides as Layer, provenance, 'overrides');

  const result = configSchema.safeParse(merged);
  if (!result.success) problems.push(...problemsFromIssues(result.error.issues, merged, provenance));
  if (problems.length > 0 || !result.success) throw configInvalid(problems);
  const config = result.data as DriftwatchConfig;
  dropUndefined(config);
  resolvePaths(config, provenance, fileDir, cwd);
  return deepFreeze(config);
}

/** The defaults alone (no file, no environment), frozen. */
export function defaultConfig(): Readonly<DriftwatchConfig> {
  return loadConfig({ env: {} });
}
