import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads test/golden/fixtures/<name>.json, restoring "NaN"/"Infinity"/"-Infinity" strings as numbers. */
export function loadGolden<T = unknown>(name: string): T {
  const text = readFileSync(join(__dirname, 'fixtures', `${name}.json`), 'utf8');
  return JSON.parse(text, (_key, value: unknown) => {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    return value;
  }) as T;
}

/** Relative closeness with an absolute floor for values at or near zero. */
export function relClose(actual: number, expected: number, rel: number, abs = 0): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  const diff = Math.abs(actual - expected);
  return diff <= abs || diff <= rel * Math.abs(expected);
}
