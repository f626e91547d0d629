/**
 * Quality harness (`npm run quality`): detection delay, missed detections and false alarms of every
 * sequential detector on Bernoulli error streams, beside River 0.26.1's figures on the very same
 * streams (generated here with a seeded CPython-compatible generator, written to a temporary file,
 * and read by test/quality/river_quality.py).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PythonRandom } from '../../detectors/python-random';
import { sequentialDetectors, type DetectorEntry } from '../reference/detector-registry';
import { findRiverPython, repoRoot, runPython } from '../reference/river-python';

const LENGTH = 20_000;
const CHANGE = 10_000;
const GRADUAL_WIDTH = 500;
const SEEDS = Number(process.env.QUALITY_SEEDS ?? 30);
/** KSWIN runs a scipy KS test per update in River (~0.4 ms): fewer seeds keep the run in minutes. */
const KSWIN_SEEDS = Math.min(SEEDS, Number(process.env.QUALITY_KSWIN_SEEDS ?? 3));

interface Scenario {
  readonly name: string;
  readonly p0: number;
  readonly p1: number;
  readonly kind: 'abrupt' | 'gradual' | 'stationary';
}

const SCENARIOS: readonly Scenario[] = [
  { name: '0.2→0.3 abrupt', p0: 0.2, p1: 0.3, kind: 'abrupt' },
  { name: '0.2→0.4 abrupt', p0: 0.2, p1: 0.4, kind: 'abrupt' },
  { name: '0.2→0.8 abrupt', p0: 0.2, p1: 0.8, kind: 'abrupt' },
  { name: '0.2→0.3 gradual', p0: 0.2, p1: 0.3, kind: 'gradual' },
  { name: '0.2→0.4 gradual', p0: 0.2, p1: 0.4, kind: 'gradual' },
  { name: '0.2→0.8 gradual', p0: 0.2, p1: 0.8, kind: 'gradual' },
  { name: 'stationary 0.2', p0: 0.2, p1: 0.2, kind: 'stationary' },
];

/** Error probability at sample t: gradual drifts move linearly from p0 to p1 over GRADUAL_WIDTH samples. */
function probability(s: Scenario, t: number): number {
  if (s.kind === 'stationary' || t < CHANGE) return s.p0;
  if (s.kind === 'abrupt' || t >= CHANGE + GRADUAL_WIDTH) return s.p1;
  return s.p0 + ((s.p1 - s.p0) * (t - CHANGE)) / GRADUAL_WIDTH;
}

function makeStreams(): Uint8Array {
  const all = new Uint8Array(SCENARIOS.length * SEEDS * LENGTH);
  SCENARIOS.forEach((s, si) => {
    for (let seed = 0; seed < SEEDS; seed++) {
      const rng = new PythonRandom(1000 * si + seed + 1);
      const base = (si * SEEDS + seed) * LENGTH;
      for (let t = 0; t < LENGTH; t++) all[base + t] = rng.random() < probability(s, t) ? 1 : 0;
    }
  });
  return all;
}

function seedsFor(d: { name: string }): number {
  return d.name === 'KSWIN' ? KSWIN_SEEDS : SEEDS;
}

function streamIndices(d: { name: string }): number[] {
  const out: number[] = [];
  for (let si = 0; si < SCENARIOS.length; si++) for (let seed = 0; seed < seedsFor(d); seed++) out.push(si * SEEDS + seed);
  return out;
}

function runOurs(d: DetectorEntry, streams: Uint8Array): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const idx of streamIndices(d)) {
    const det = d.make();
    const found: number[] = [];
    const base = idx * LENGTH;
    for (let t = 0; t < LENGTH; t++) if (det.update(streams[base + t] as number).driftDetected) found.push(t);
    out.set(idx, found);
  }
  return out;
}

interface Metrics {
  readonly runs: number;
  readonly medianDelay: number | null;
  readonly missRate: number | null;
  readonly falseAlarmsPer100k: number;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function metrics(s: Scenario, runs: number[][]): Metrics {
  const delays: number[] = [];
  let misses = 0;
  let falseAlarms = 0;
  let inControl = 0;
  for (const found of runs) {
    if (s.kind === 'stationary') {
      falseAlarms += found.length;
      inControl += LENGTH;
      continue;
    }
    falseAlarms += found.filter((t) => t < CHANGE).length;
    inControl += CHANGE;
    const first = found.find((t) => t >= CHANGE);
    if (first === undefined) misses += 1;
    else delays.push(first - CHANGE);
  }
  return {
    runs: runs.length,
    medianDelay: s.kind === 'stationary' ? null : median(delays),
    missRate: s.kind === 'stationary' ? null : misses / runs.length,
    falseAlarmsPer100k: (falseAlarms / inControl) * 100_000,
  };
}

function byScenario(d: { name: string }, runs: Map<number, number[]>, si: number): number[][] {
  const out: number[][] = [];
  for (let seed = 0; seed < seedsFor(d); seed++) out.push(runs.get(si * SEEDS + seed) ?? []);
  return out;
}

const fmt = (v: number | null, digits = 0): string => (v === null ? '—' : v.toFixed(digits));

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
}

async function main(): Promise<void> {
  const detectors = sequentialDetectors();
  const streams = makeStreams();
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-quality-'));
  const river = findRiverPython();
  let riverPromise: Promise<Record<string, { runs: Record<string, number[]>; seconds: number }>> | null = null;
  try {
    if (river !== null) {
      const streamsFile = join(dir, 'streams.u8');
      writeFileSync(streamsFile, streams);
      const manifest = {
        streamsFile,
        count: SCENARIOS.length * SEEDS,
        length: LENGTH,
        detectors: detectors
          .filter((d) => d.river !== null)
          .map((d) => ({ name: d.name, cls: d.river?.cls, kwargs: d.river?.kwargs, streams: streamIndices(d) })),
      };
      const manifestFile = join(dir, 'manifest.json');
      const outFile = join(dir, 'river.json');
      writeFileSync(manifestFile, JSON.stringify(manifest));
      // Started first so River's (slower) run overlaps ours.
      riverPromise = runPython(river.python, join(repoRoot(), 'test', 'quality', 'river_quality.py'), [manifestFile, outFile]).then(
        () => JSON.parse(readFileSync(outFile, 'utf8')) as Record<string, { runs: Record<string, number[]>; seconds: number }>,
      );
    }
    const ours = new Map<string, Map<number, number[]>>();
    for (const d of detectors) ours.set(d.name, runOurs(d, streams));
    const riverOut = riverPromise === null ? null : await riverPromise;

    console.log('driftwatch quality harness — sequential detectors on Bernoulli error streams (1 = error)');
    console.log(
      `streams: ${LENGTH} samples, drift at t0=${CHANGE} (gradual: p moves linearly from p0 to p1 over ${GRADUAL_WIDTH} samples), ` +
        `${SEEDS} seeds per scenario (KSWIN: ${KSWIN_SEEDS}, seed 42 for its sampler), detectors at their River defaults.`,
    );
    console.log('delay     = median over runs of (first detection at t ≥ t0) − t0, over the runs that detect the drift;');
    console.log('miss      = share of runs with no detection at t ≥ t0 (before the end of the stream);');
    console.log('FA/100k   = detections before t0 (or anywhere on stationary streams) per 100,000 in-control samples.');
    console.log(
      river === null
        ? 'River: not available (no python with river found in RIVER_PYTHON, /opt/golden-venv/bin/python, .venv-golden/bin/python)'
        : `River ${river.riverVersion} via ${river.python}; same streams, same metric code. "n/a" = River has no such detector.`,
    );
    console.log('');
    const widths = [12, 16, 6, 8, 6, 8, 9, 9, 5];
    console.log(pad(['detector', 'scenario', 'delay', 'River', 'miss', 'River', 'FA/100k', 'River', 'runs'], widths));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const d of detectors) {
      const mine = ours.get(d.name) as Map<number, number[]>;
      SCENARIOS.forEach((s, si) => {
        const m = metrics(s, byScenario(d, mine, si));
        let r: Metrics | null = null;
        let na = 'River: not available';
        if (riverOut !== null) {
          const rr = riverOut[d.name];
          if (rr === undefined) na = 'n/a';
          else r = metrics(s, byScenario(d, new Map(Object.entries(rr.runs).map(([k, v]) => [Number(k), v])), si));
        }
        const rc = (v: string): string => (r === null ? (na === 'n/a' ? 'n/a' : 'n/a*') : v);
        console.log(
          pad(
            [
              d.name,
              s.name,
              fmt(m.medianDelay),
              rc(fmt(r?.medianDelay ?? null)),
              fmt(m.missRate, 2),
              rc(fmt(r?.missRate ?? null, 2)),
              fmt(m.falseAlarmsPer100k, 1),
              rc(fmt(r?.falseAlarmsPer100k ?? null, 1)),
              String(m.runs),
            ],
            widths,
          ),
        );
      });
    }
    if (riverOut === null) console.log('\n* River: not available');
    else {
      const identical = detectors
        .filter((d) => riverOut[d.name] !== undefined)
        .filter((d) => {
          const mine = ours.get(d.name) as Map<number, number[]>;
          const theirs = riverOut[d.name]?.runs ?? {};
          return streamIndices(d).every((i) => JSON.stringify(mine.get(i)) === JSON.stringify(theirs[String(i)]));
        })
        .map((d) => d.name);
      console.log(`\ndetection indices identical to River on every stream: ${identical.join(', ') || 'none'}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
