import type { z } from 'zod';
import { DriftwatchError } from '../../detectors/errors';
import { describeSchema, keysAt, schemaAt } from './config-options';
import { isSecretPath, REDACTED, redactUrl } from './redact-config';

/** One thing wrong with the configuration, in words the operator can act on. */
export interface ConfigProblem {
  /** Dotted option path (`features[0].name` for list items), or the env var / flag at fault. */
  path: string;
  message: string;
  /** Where the value came from: `file <path>`, `env <NAME>`, `flag --set …`. */
  source?: string;
}

/** Where each option path got its value (later layers overwrite earlier ones). */
export type Provenance = Map<string, string>;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += (out ? '.' : '') + String(key);
  }
  return out;
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, key)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Shows a value in a message: secrets never, long values shortened, URL passwords masked. */
export function showValue(path: string, value: unknown): string {
  if (isSecretPath(path)) return REDACTED;
  let text = typeof value === 'string' ? JSON.stringify(redactUrl(value)) : JSON.stringify(value) ?? String(value);
  if (typeof value === 'number' && !Number.isFinite(value)) text = String(value);
  return text.length > 80 ? text.slice(0, 77) + '...' : text;
}

/**
 * The layer that set a path: the path itself or a section set whole above it; for a missing field,
 * whoever set its siblings (a lone DRIFTWATCH_KAFKA_SASL_PASSWORD explains a missing username).
 */
function sourceOf(provenance: Provenance, path: readonly PropertyKey[]): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const s = provenance.get(dotted(path.slice(0, n)));
    if (s) return s;
  }
  for (const n of [path.length, path.length - 1]) {
    if (n <= 0) continue;
    const prefix = dotted(path.slice(0, n)) + '.';
    for (const [p, s] of provenance) if (p.startsWith(prefix)) return s;
  }
  return undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to a misspelt name, if it is close enough to be a typo. */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/** Translates zod issues into one readable problem per field. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], input: unknown, provenance: Provenance): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAt(path);
      for (const key of issue.keys) {
        const full = [...path, key];
        const guess = didYouMean(key, valid);
        const where = path.length ? ` in ${formatPath(path)}` : '';
        out.push({
          path: formatPath(full),
          message:
            `unknown option${where}` +
            (guess ? `; did you mean ${formatPath([...path, guess])}?` : '.') +
            ` Valid options${where}: ${valid.join(', ')}`,
          source: sourceOf(provenance, full),
        });
      }
      continue;
    }
    const name = formatPath(path);
    const schema = schemaAt(path);
    const expected = schema ? describeSchema(schema) : undefined;
    const value = valueAt(input, path);
    let message: string;
    if (issue.code === 'custom') message = issue.message;
    else if (value === undefined) message = `is required${expected ? ` (${expected})` : ''}`;
    else {
      message = `expected ${expected ?? issue.message}, got ${showValue(dotted(path), value)}`;
    }
    out.push({ path: name, message, source: sourceOf(provenance, path) });
  }
  return out;
}

/** The DRIFTWATCH_CONFIG_INVALID error listing every problem, one per line. */
export function configInvalid(problems: readonly ConfigProblem[]): DriftwatchError {
  const lines = problems.map((p) => `  - ${p.path}: ${p.message}${p.source ? ` [from ${p.source}]` : ''}`);
  const head = `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):`;
  return new DriftwatchError('DRIFTWATCH_CONFIG_INVALID', [head, ...lines].join('\n'), {
    details: { problems: problems.map((p) => ({ ...p })) },
  });
}
