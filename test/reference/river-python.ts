/**
 * Finds a Python interpreter with River installed, for the quality harness and the benchmarks that
 * print River's figures beside ours. Lookup order: env RIVER_PYTHON, /opt/golden-venv/bin/python,
 * <repo>/.venv-golden/bin/python. Returns null when none can `import river`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: the nearest ancestor of this file holding package.json (works from dist/ too). */
export function repoRoot(): string {
  let dir = resolve(__dirname);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'detectors'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(__dirname, '..', '..');
    dir = up;
  }
}

/** The first candidate interpreter that imports river, with River's version; null when there is none. */
export function findRiverPython(): { python: string; riverVersion: string } | null {
  const candidates = [process.env.RIVER_PYTHON, '/opt/golden-venv/bin/python', join(repoRoot(), '.venv-golden', 'bin', 'python')];
  for (const python of candidates) {
    if (python === undefined || python === '') continue;
    const r = spawnSync(python, ['-c', 'import river; print(river.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python, riverVersion: r.stdout.trim() };
  }
  return null;
}

/** Runs `python script args…` asynchronously (so TypeScript work can overlap); resolves with stdout. */
export function runPython(python: string, script: string, args: readonly string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${script} exited with ${String(code)}: ${err.slice(-2000)}`));
    });
  });
}
