import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder holding driftwatch's package.json, found by walking up from this file, so that the
 * same lookup works from `src/` under ts-jest and from `dist/src/` after a build.
 */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'driftwatch') {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('driftwatch package.json not found above ' + __dirname);
    dir = parent;
  }
}
