// Shared helpers for the River-parity tests of ADWIN, DDM, EDDM, HDDM_A and HDDM_W: loading the
// fixtures written by test/golden/gen_sequential_a.py and running a detector over a case's stream.
import { loadGolden } from '../golden/load-golden';
import type { DriftDetector } from '../../detectors/drift-detector';

export interface GoldenCase {
  name: string;
  params: Record<string, number | boolean>;
  stream: { bits: string } | { values: number[] };
  drifts: number[];
  warnings: [number, number][];
  checkpoints: ({ i: number } & Record<string, number>)[];
}

export interface GoldenFile {
  river: string;
  detector: string;
  cases: GoldenCase[];
}

export function loadCases(name: string): GoldenFile {
  return loadGolden<GoldenFile>(name);
}

/** The stream of a case as a Float64Array (bits decoded to 0/1). */
export function streamOf(c: GoldenCase): Float64Array {
  if ('bits' in c.stream) {
    const s = c.stream.bits;
    const out = new Float64Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) - 48;
    return out;
  }
  return Float64Array.from(c.stream.values);
}

/** Inclusive [start, end] runs -> sorted indices. */
export function expandRuns(runs: [number, number][]): number[] {
  const out: number[] = [];
  for (const [a, b] of runs) for (let i = a; i <= b; i++) out.push(i);
  return out;
}

export interface RunResult {
  drifts: number[];
  warnings: number[];
  /** Per-step output bits: 2 = drift, 1 = warning (for bit-identical comparisons). */
  flags: Uint8Array;
}

/** Feeds xs[from..] into d and records drift/warning indices (absolute positions). */
export function run(d: DriftDetector, xs: Float64Array, from = 0, to = xs.length): RunResult {
  const drifts: number[] = [];
  const warnings: number[] = [];
  const flags = new Uint8Array(to - from);
  for (let i = from; i < to; i++) {
    d.update(xs[i] as number);
    let f = 0;
    if (d.driftDetected) {
      drifts.push(i);
      f |= 2;
    }
    if (d.warningDetected) {
      warnings.push(i);
      f |= 1;
    }
    flags[i - from] = f;
  }
  return { drifts, warnings, flags };
}

/**
 * Positions at which to snapshot a stream: a few fixed fractions plus the step right after the
 * first drift (the step whose next update must self-reset) and the drift step itself.
 */
export function snapshotPoints(n: number, drifts: number[]): number[] {
  const pts = new Set<number>([0, Math.floor(n / 3), Math.floor(n / 2), n - 1]);
  const first = drifts[0];
  if (first !== undefined) {
    pts.add(first);
    if (first + 1 < n) pts.add(first + 1);
  }
  return [...pts].filter((p) => p >= 0 && p < n).sort((a, b) => a - b);
}
