/**
 * Engine throughput and memory (issue 4 performance; one thread):
 * - events/s through PartitionPipeline alone (records decoded beforehand), beside the record
 *   decoder alone on the same records (the baseline: what every consumer pays anyway), and the two
 *   together, on simulated speech traffic (3 models, 4 versions, 6 segment values, 4 features);
 * - heap bytes per series with 10,000 series whose references and windows are full (the worst
 *   case: 5,000-value references, 1,000-value windows), against the ≤ 64 KB/series target.
 */
import { metricCatalog } from '../../src/engine/metric-catalog';
import { PartitionPipeline } from '../../src/engine/partition-pipeline';
import { CategoricalSeries, ContinuousSeries, RateSeries, type Series } from '../../src/engine/series';
import { createRecordDecoder, type DecodeResult } from '../../src/ingest/record-decoder';
import { loadConfig } from '../../src/config/load-config';
import type { SourceRecord } from '../../src/pipeline/records';
import { SimSourceRecords } from '../../src/simulate/sim-source-records';
import { SIM_FEATURES, SpeechTraffic } from '../../src/simulate/speech-traffic';
import type { BenchRow } from './bench-row';

const GROUP = 'engine';

function records(n: number): SourceRecord[] {
  const sim = new SpeechTraffic({ seed: 77 });
  const enc = new SimSourceRecords(1);
  return Array.from({ length: n }, () => enc.toSource(sim.next()));
}

function timeIt(f: () => void): number {
  const t0 = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** A full collection, and time for the sweeper to release freed ArrayBuffer backing stores. */
async function settle(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 300));
  gc?.();
}

export async function runEngineBench(): Promise<BenchRow[]> {
  const config = loadConfig({ env: {}, overrides: { features: SIM_FEATURES.map((f) => ({ ...f })) } });
  const n = 300_000;
  const recs = records(n);
  const decode = createRecordDecoder(config);
  let decoded: DecodeResult[] = [];
  // Best of three rounds each, alternating, so a busy neighbour does not bias one side.
  let decodeBest = Infinity;
  let engineBest = Infinity;
  let bothBest = Infinity;
  for (let round = 0; round < 3; round++) {
    decodeBest = Math.min(decodeBest, timeIt(() => (decoded = recs.map(decode))));
    let i = 0;
    const pre = (): DecodeResult => decoded[i++] as DecodeResult;
    engineBest = Math.min(
      engineBest,
      timeIt(() => {
        const p = new PartitionPipeline(config, pre, { now: () => 0 });
        for (let k = 0; k < n; k += 1000) p.push(recs.slice(k, k + 1000));
        p.finish();
      }),
    );
    bothBest = Math.min(
      bothBest,
      timeIt(() => {
        const p = new PartitionPipeline(config, decode, { now: () => 0 });
        for (let k = 0; k < n; k += 1000) p.push(recs.slice(k, k + 1000));
        p.finish();
      }),
    );
  }
  decoded = [];

  // Memory: 10,000 series filled to their worst case — in the metric mix of the catalog, and all
  // continuous (the largest kind).
  const catalog = metricCatalog(config.features);
  const refSize = config.reference.size;
  const win = config.windows.size;
  const slice = { id: 0, key: '', value: {}, field: '' };
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.external; // typed-array backing stores are external memory
  };
  const measure = async (continuousOnly: boolean): Promise<number> => {
    await settle();
    const before = used();
    const series: Series[] = [];
    for (let k = 0; k < 10_000; k++) {
      const mi = continuousOnly ? 0 : k % catalog.length;
      const def = catalog[mi]!;
      if (def.type === 'continuous') {
        const s = new ContinuousSeries(def, mi, slice, refSize, refSize, false);
        for (let j = 0; j < refSize; j++) s.add(j * 0.37, 0, 0, 0);
        for (let j = 0; j < win; j++) s.add(j * 0.41, 0, refSize, 0);
        s.refSorted();
        series.push(s);
      } else if (def.type === 'rate') {
        const s = new RateSeries(def, mi, slice, refSize, refSize, false);
        for (let j = 0; j < refSize + win; j++) s.add((j % 7 === 0 ? 1 : 0) as 0 | 1, 0, j, 0);
        series.push(s);
      } else {
        const s = new CategoricalSeries(def, mi, slice, refSize, refSize);
        for (let j = 0; j < refSize + win; j++) s.add(`c${j % 12}`, 0, j, 0);
        series.push(s);
      }
    }
    await settle();
    const perSeries = (used() - before) / series.length;
    series.length = 0;
    return perSeries;
  };
  const continuous = await measure(true);
  const mixed = await measure(false);
  const gcNote = (globalThis as { gc?: unknown }).gc === undefined ? '; run node with --expose-gc for a stable figure' : '';

  return [
    {
      group: GROUP,
      name: 'PartitionPipeline, pre-decoded records',
      unit: 'events/s',
      ours: n / engineBest,
      baseline: n / decodeBest,
      baselineLabel: 'record decoder alone (JSON)',
      target: '≥ 100 k/s per core',
      targetMet: n / engineBest >= 100_000,
      note: `${n} simulated records, 3 models, 4 versions, 364 series`,
    },
    {
      group: GROUP,
      name: 'decode + PartitionPipeline',
      unit: 'events/s',
      ours: n / bothBest,
      baseline: n / decodeBest,
      baselineLabel: 'record decoder alone (JSON)',
    },
    {
      group: GROUP,
      name: 'memory per series, 10,000 full series (catalog mix)',
      unit: 'KB/series',
      ours: mixed / 1024,
      baseline: null,
      baselineLabel: '—',
      target: '≤ 64 KB',
      targetMet: mixed <= 64 * 1024,
      note: `7 of 13 metrics continuous (5,000-value reference + 1,000-value window), rates and categories as counts${gcNote}`,
    },
    {
      group: GROUP,
      name: 'memory per series, 10,000 full continuous series',
      unit: 'KB/series',
      ours: continuous / 1024,
      baseline: null,
      baselineLabel: '—',
      target: '≤ 64 KB',
      targetMet: continuous <= 64 * 1024,
      note: `the worst case${gcNote}`,
    },
  ];
}
