/**
 * `npm run bench`: runs every benchmark module and prints one table, ours beside the baseline
 * measured in the same run, with ratios. Add a module = one line in BENCHES.
 */
import type { BenchRow } from './bench-row';
import { runDecodeBench } from './decode-bench';
import { runEngineBench } from './engine-bench';
import { runDetectorBench } from './detectors-bench';
import { runSketchBench } from './sketch-bench';
import { runTwoSampleBench } from './two-sample-bench';
import { runServiceThroughputBench } from './service-throughput-bench';
import { runAlertLatencyBench } from './alert-latency-bench';
import { runSeriesMemoryBench } from './series-memory-bench';

const BENCHES: ReadonlyArray<{ readonly name: string; readonly run: () => Promise<BenchRow[]> | BenchRow[] }> = [
  { name: 'sequential detectors', run: runDetectorBench },
  { name: 'sketches and windows', run: runSketchBench },
  { name: 'two-sample tests', run: runTwoSampleBench },
  { name: 'record decoding', run: runDecodeBench },
  { name: 'engine (PartitionPipeline)', run: runEngineBench },
  { name: 'service throughput (local broker)', run: runServiceThroughputBench },
  { name: 'service alert latency (local broker)', run: runAlertLatencyBench },
  { name: 'service memory per series', run: runSeriesMemoryBench },
];

function human(v: number | null): string {
  if (v === null) return '—';
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k`;
  return v.toFixed(1);
}

function printRows(rows: readonly BenchRow[]): void {
  const header = ['benchmark', 'ours', 'baseline', 'ratio', 'unit', 'target', 'met', 'baseline is', 'note'];
  const table = rows.map((r) => [
    r.name,
    human(r.ours),
    human(r.baseline),
    r.baseline === null ? '—' : `${(r.ours / r.baseline).toFixed(1)}×`,
    r.unit,
    r.target ?? '',
    r.targetMet === undefined ? '' : r.targetMet ? 'yes' : 'NO',
    r.baselineLabel,
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => (row[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 1 && i <= 3 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
}

async function main(): Promise<void> {
  console.log(`driftwatch benchmarks — single thread, node ${process.version}; baselines measured in the same run`);
  for (const b of BENCHES) {
    console.log(`\n## ${b.name}`);
    printRows(await b.run());
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
