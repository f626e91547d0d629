/**
 * Time of one `ksTest` call on two samples of 10,000 (target < 5 ms, issue #3), beside
 * `scipy.stats.ks_2samp` on samples of the same sizes timed in the same run (when a Python with
 * scipy is found; the golden venv has it). Includes the sort, as scipy's figure does.
 */
import { join } from 'node:path';
import { ksTest, type KsMethod } from '../../detectors/ks-test';
import type { BenchRow } from './bench-row';
import { findRiverPython, repoRoot, runPython } from '../reference/river-python';

const GROUP = 'two-sample tests';

/** Box–Muller normals from a seeded mulberry32, so every run times the same samples. */
function normals(n: number, mean: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/** Best-of-`reps` seconds per call, after one warm-up call. */
function secondsPerCall(call: () => void, reps: number): number {
  call();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    call();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return best;
}

export async function runTwoSampleBench(): Promise<BenchRow[]> {
  const a = normals(10_000, 0, 1);
  const b = normals(10_000, 0.05, 2);
  const c = normals(9_999, 0.05, 3);
  const cases: Array<{ name: string; x: Float64Array; y: Float64Array; method: KsMethod; reps: number; target?: boolean }> = [
    { name: 'ks 10k x 10k auto', x: a, y: b, method: 'auto', reps: 30, target: true },
    { name: 'ks 10k x 10k asymp', x: a, y: b, method: 'asymp', reps: 30, target: true },
    { name: 'ks 10k x 9,999 exact', x: a, y: c, method: 'exact', reps: 5 },
  ];
  const py = findRiverPython();
  const scipyTimes: Record<string, number> = py === null
    ? {}
    : (JSON.parse(await runPython(py.python, join(repoRoot(), 'test', 'bench', 'scipy_two_sample_bench.py'), [])) as Record<string, number>);
  return cases.map((k) => {
    const seconds = secondsPerCall(() => ksTest(k.x, k.y, { method: k.method }), k.reps);
    const base = scipyTimes[k.name];
    return {
      group: GROUP,
      name: k.name,
      unit: 'calls/s',
      ours: 1 / seconds,
      baseline: base === undefined ? null : 1 / base,
      baselineLabel: py === null ? 'scipy: not available' : 'scipy ks_2samp',
      ...(k.target ? { target: '< 5 ms per call', targetMet: seconds < 0.005 } : {}),
      note: `${(seconds * 1e3).toFixed(2)} ms per call${base === undefined ? '' : ` (scipy ${(base * 1e3).toFixed(2)} ms)`}`,
    };
  });
}
