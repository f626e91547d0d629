/**
 * Throughput of every sequential detector (single thread, updates per second) beside River 0.26.1
 * measured in the same run on the same 0/1 error stream by test/bench/river_bench.py.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriftDetector } from '../../detectors/drift-detector';
import { PythonRandom } from '../../detectors/python-random';
import { sequentialDetectors } from '../reference/detector-registry';
import { findRiverPython, repoRoot, runPython } from '../reference/river-python';
import type { BenchRow } from './bench-row';

const STREAM_LENGTH = 2_000_000;
const GROUP = 'sequential detectors';

/** Detectors whose update is O(1) amortised: the ≥ 20 M updates/s target applies to them. */
const CONSTANT_TIME = new Set(['DDM', 'EDDM', 'HDDM_A', 'HDDM_W', 'PageHinkley', 'CUSUM']);

/** Updates per measurement: KSWIN runs a KS test per update, so it gets far fewer. */
function sizes(name: string): { ours: number; river: number } {
  if (name === 'KSWIN') return { ours: 20_000, river: 2_000 };
  return { ours: STREAM_LENGTH, river: 200_000 };
}

/** 0/1 errors, p switching between 0.2 and 0.5 every 50,000 samples so detectors also drift and reset. */
function makeStream(): Uint8Array {
  const rng = new PythonRandom(2026);
  const xs = new Uint8Array(STREAM_LENGTH);
  for (let i = 0; i < STREAM_LENGTH; i++) xs[i] = rng.random() < (Math.floor(i / 50_000) % 2 === 0 ? 0.2 : 0.5) ? 1 : 0;
  return xs;
}

type Loop = (det: DriftDetector, xs: Uint8Array, n: number) => number;

/**
 * A fresh loop function per detector (compiled from source), so each gets its own inline caches and
 * V8 sees a monomorphic `update` call: the figure is the detector's speed, not the harness's.
 */
function freshLoop(): Loop {
  return new Function(
    'det',
    'xs',
    'n',
    'let drifts = 0; for (let i = 0; i < n; i++) { if (det.update(xs[i]).driftDetected) drifts++; } return drifts;',
  ) as Loop;
}

function measure(make: () => DriftDetector, xs: Uint8Array, n: number): number {
  const loop = freshLoop();
  loop(make(), xs, Math.min(n, 50_000)); // warm-up: let the JIT optimise before timing
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const det = make();
    const t0 = process.hrtime.bigint();
    loop(det, xs, n);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return n / best;
}

/** Runs the detector benchmark and returns one row per detector (ours, River, target). */
export async function runDetectorBench(): Promise<BenchRow[]> {
  const xs = makeStream();
  const detectors = sequentialDetectors();
  const river = findRiverPython();
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-bench-'));
  try {
    let riverOut: Record<string, { updatesPerSecond: number }> = {};
    if (river !== null) {
      const streamFile = join(dir, 'stream.u8');
      writeFileSync(streamFile, xs);
      const manifest = {
        streamFile,
        detectors: detectors
          .filter((d) => d.river !== null)
          .map((d) => ({ name: d.name, cls: d.river?.cls, kwargs: d.river?.kwargs, n: sizes(d.name).river, repeats: 3 })),
      };
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
      // Run River first, not concurrently, so the two measurements do not compete for a core.
      await runPython(river.python, join(repoRoot(), 'test', 'bench', 'river_bench.py'), [
        join(dir, 'manifest.json'),
        join(dir, 'river.json'),
      ]);
      riverOut = JSON.parse(readFileSync(join(dir, 'river.json'), 'utf8')) as typeof riverOut;
    }
    const label = river === null ? 'River: not available' : `River ${river.riverVersion}`;
    return detectors.map((d): BenchRow => {
      const n = sizes(d.name).ours;
      const ours = measure(d.make, xs, n);
      const baseline = riverOut[d.name]?.updatesPerSecond ?? null;
      let target: string | undefined;
      let targetMet: boolean | undefined;
      if (d.name === 'ADWIN') {
        target = '≥ 10× River';
        targetMet = baseline === null ? undefined : ours >= 10 * baseline;
      } else if (CONSTANT_TIME.has(d.name)) {
        target = '≥ 20 M/s';
        targetMet = ours >= 20e6;
      }
      return {
        group: GROUP,
        name: `${d.name} update`,
        unit: 'updates/s',
        ours,
        baseline,
        baselineLabel: d.river === null ? 'n/a (River has none)' : label,
        target,
        targetMet,
        note: `${n.toLocaleString('en-US')} updates (River ${sizes(d.name).river.toLocaleString('en-US')})`,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
