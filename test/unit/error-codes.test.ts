import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Keeps docs/error-codes.md and the code in sync (DESIGN.md §5, "coded errors").
const root = join(__dirname, '..', '..');
// A code is a quoted string literal; DRIFTWATCH_* names in prose or process.env are env variables.
const CODE = /['"`](DRIFTWATCH_[A-Z0-9_]*[A-Z0-9])['"`]/g;

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function codesIn(text: string): Set<string> {
  return new Set([...text.matchAll(CODE)].map((m) => m[1]!));
}

// Environment variables that source code names in quotes are configuration, not codes.
const NOT_CODES = /^DRIFTWATCH_(TEST_[A-Z_]+|KAFKA_LIBS)$/;

describe('error codes', () => {
  const used = new Set<string>();
  for (const dir of ['src', 'detectors', 'workers']) {
    for (const file of sourceFiles(join(root, dir))) {
      for (const code of codesIn(readFileSync(file, 'utf8'))) if (!NOT_CODES.test(code)) used.add(code);
    }
  }
  const table = readFileSync(join(root, 'docs', 'error-codes.md'), 'utf8');
  const documented = new Set<string>();
  for (const line of table.split('\n')) {
    const m = /^\|\s*`(DRIFTWATCH_[A-Z0-9_]+)`/.exec(line);
    if (m?.[1]) documented.add(m[1]);
  }

  it('documents every code the source raises', () => {
    expect([...used].filter((c) => !documented.has(c)).sort()).toEqual([]);
  });

  it('raises every code it documents', () => {
    expect([...documented].filter((c) => !used.has(c)).sort()).toEqual([]);
  });
});
