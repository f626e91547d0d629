/**
 * Throughput of the bounded-memory window summaries (single thread). The baseline of the KLL
 * insert is what the sketch replaces — keeping the exact window (append to a Float64Array, sort it
 * once when the window closes), amortised per item — and the baseline of the sketch KS test is the
 * exact `ksTest` on the raw samples; both are measured in the same run.
 */
import { KllSketch } from '../../detectors/kll-sketch';
import { RunningMoments } from '../../detectors/running-moments';
import { FixedHistogram } from '../../detectors/fixed-histogram';
import { FrequencyTable } from '../../detectors/frequency-table';
import { RingBuffer } from '../../detectors/ring-buffer';
import { ksFromSketches } from '../../detectors/sketch-distances';
import { ksTest } from '../../detectors/ks-test';
import type { BenchRow } from './bench-row';

const GROUP = 'sketches and windows';
const N = 1_000_000;

/** A bench row with the per-operation figures spelled out too. */
export interface SketchBenchRow extends BenchRow {
  /** Operations per second (= `ours`). */
  readonly opsPerSec: number;
  /** Nanoseconds per operation. */
  readonly nsPerOp: number;
}

/** Seeded uniform stream (mulberry32) mapped to a normal-ish shape (sum of 3 uniforms). */
function stream(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = u() + u() + u();
  return out;
}

/** Best of `reps` timings of `run` (after one warm-up), in operations per second. */
function opsPerSec(ops: number, run: () => void, reps = 5): number {
  run();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return ops / best;
}

function row(name: string, ours: number, baseline: number | null, baselineLabel: string, extra: Partial<BenchRow> = {}): SketchBenchRow {
  return { group: GROUP, name, unit: 'ops/s', ours, baseline, baselineLabel, opsPerSec: ours, nsPerOp: 1e9 / ours, ...extra };
}

/**
 * Runs the sketch benchmarks and returns one row per measured operation.
 *
 * @example
 * ```ts
 * for (const r of runSketchBench()) console.log(r.name, r.nsPerOp.toFixed(1), 'ns/op');
 * // KllSketch update (k=200) 64.6 ns/op   (one line per row; figures depend on the machine)
 * ```
 */
export function runSketchBench(): SketchBenchRow[] {
  const xs = stream(N, 1);
  const rows: SketchBenchRow[] = [];
  let sink = 0;

  const kll = opsPerSec(N, () => {
    const s = new KllSketch({ k: 200, seed: 1 });
    for (let i = 0; i < N; i++) s.update(xs[i] as number);
    sink += s.retained;
  });
  const exact = opsPerSec(N, () => {
    const buf = new Float64Array(N);
    for (let i = 0; i < N; i++) buf[i] = xs[i] as number;
    buf.sort();
    sink += buf[0] as number;
  });
  const nsKll = 1e9 / kll;
  rows.push(
    row('KllSketch update (k=200)', kll, exact, 'exact window: append + sort at close', {
      target: '≤ 100 ns/op',
      targetMet: nsKll <= 100,
      note: `${nsKll.toFixed(1)} ns/op amortised over 1e6 inserts; ~5 KB of state vs 8 MB`,
    }),
  );

  const parts = [0, 1, 2, 3].map((p) => {
    const s = new KllSketch({ seed: p + 1 });
    for (let i = p * 250_000; i < (p + 1) * 250_000; i++) s.update(xs[i] as number);
    return s;
  });
  const snaps = parts.map((p) => p.toJSON());
  const merges = opsPerSec(300, () => {
    for (let r = 0; r < 100; r++) {
      const m = KllSketch.fromJSON(snaps[0]);
      m.merge(parts[1] as KllSketch).merge(parts[2] as KllSketch).merge(parts[3] as KllSketch);
      sink += m.count;
    }
  });
  rows.push(row('KllSketch merge (k=200, 250k-item sketches)', merges, null, '—', { note: 'per merge; one fromJSON restore per 3 merges included' }));

  const a = xs.subarray(0, 100_000);
  const b = stream(100_000, 2);
  const sa = new KllSketch({ seed: 1 });
  const sb = new KllSketch({ seed: 2 });
  a.forEach((x) => sa.update(x));
  b.forEach((x) => sb.update(x));
  const ksSketch = opsPerSec(200, () => {
    for (let r = 0; r < 200; r++) {
      sa.update(0.5); // invalidates the cached sorted view, so every test rebuilds it
      sink += ksFromSketches(sa, sb).statistic;
    }
  });
  const ksExact = opsPerSec(5, () => {
    for (let r = 0; r < 5; r++) sink += ksTest(a, b, { method: 'asymp' }).statistic;
  }, 3);
  rows.push(
    row('ksFromSketches (1e5 per side)', ksSketch, ksExact, 'exact ksTest on the 1e5 samples', {
      note: 'both include the kstwo p-value (~1.9 ms at n_eff = 5e4); the sketch D itself takes ~50 µs',
    }),
  );

  const moments = opsPerSec(N, () => {
    const m = new RunningMoments();
    for (let i = 0; i < N; i++) m.update(xs[i] as number);
    sink += m.count;
  });
  rows.push(row('RunningMoments update', moments, null, '—'));

  const hist = opsPerSec(N, () => {
    const h = FixedHistogram.equalWidth(0, 3, 20);
    for (let i = 0; i < N; i++) h.update(xs[i] as number);
    sink += h.overflow;
  });
  rows.push(row('FixedHistogram update (20 equal-width bins)', hist, null, '—'));

  const cats = Array.from({ length: 50 }, (_, i) => `cat-${i}`);
  const freq = opsPerSec(N, () => {
    const t = new FrequencyTable();
    for (let i = 0; i < N; i++) t.update(cats[Math.floor((xs[i] as number) * 16.6)] as string);
    sink += t.size;
  });
  rows.push(row('FrequencyTable update (50 categories)', freq, null, '—'));

  const ring = opsPerSec(N, () => {
    const r = new RingBuffer(4096);
    for (let i = 0; i < N; i++) r.push(xs[i] as number);
    sink += r.size;
  });
  rows.push(row('RingBuffer push (capacity 4096)', ring, null, '—'));

  if (sink === Number.MIN_VALUE) console.log(sink); // keeps the work observable to the optimiser
  return rows;
}
