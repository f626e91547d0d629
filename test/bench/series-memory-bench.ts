/**
 * Resident memory per active series (issue 4, Performance): a PartitionPipeline — what a shard
 * worker holds per partition — fed simulated speech traffic for enough models that it tracks
 * ≥ 10,000 (model, version, slice, metric) series, each with a full reference (5,000 values) and a
 * full window (the defaults), i.e. the steady state. Resident set size after a full GC, minus the
 * RSS measured in the same process just before the pipeline was built, divided by the series
 * count the pipeline reports. Target ≤ 64 KB/series.
 *
 * `BENCH_SERIES=2000` tracks fewer series; `BENCH_SERIES_FILL=6000` feeds fewer requests per model
 * (references then only partly full: a smaller, not a worst-case, figure).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadConfig } from '../../src/config/load-config';
import { PartitionPipeline } from '../../src/engine/partition-pipeline';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import type { SourceRecord } from '../../src/pipeline/records';
import { SimSourceRecords } from '../../src/simulate/sim-source-records';
import { SIM_FEATURES, SpeechTraffic, type SimModel } from '../../src/simulate/speech-traffic';
import type { BenchRow } from './bench-row';
import { benchSize, sleep } from './bench-broker';

const GROUP = 'service';
const THIRDS = (values: string[]): Array<{ value: string; share: number }> => values.map((value) => ({ value, share: 1 }));

function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function settledRss(gc: () => void): Promise<{ rss: number; heap: number }> {
  gc();
  await sleep(300);
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external };
}

/** Feeds `requestsPerModel` requests of every model through `pipeline` in chunks (small chunks: little transient garbage to inflate the RSS). */
function feed(pipeline: PartitionPipeline, models: SimModel[], requestsPerModel: number): number {
  const sim = new SpeechTraffic({ seed: 21, models, devices: THIRDS(['android', 'ios', 'web']), regions: THIRDS(['eu', 'us', 'apac']), requestsPerSecond: 2_000 });
  const enc = new SimSourceRecords(1);
  const lastModel = models[models.length - 1] as SimModel;
  let fed = 0;
  let chunk: SourceRecord[] = [];
  // The slowest model is checked once per chunk (checking every model per record would dominate).
  let slowest = lastModel;
  for (;;) {
    chunk.push(enc.toSource(sim.next()));
    if (chunk.length < 2_000) continue;
    pipeline.push(chunk);
    fed += chunk.length;
    chunk = [];
    if (sim.requestsOf(slowest.id) < requestsPerModel) continue;
    slowest = models.reduce((a, b) => (sim.requestsOf(b.id) < sim.requestsOf(a.id) ? b : a));
    if (sim.requestsOf(slowest.id) >= requestsPerModel) break;
  }
  pipeline.push(chunk);
  return fed + chunk.length;
}

export async function runSeriesMemoryBench(): Promise<BenchRow[]> {
  const target = benchSize('SERIES', 10_000);
  // models.maxModels (100 per partition by default) is raised to the bench's model count: beyond it
  // models fold into one `__other__` model and the series would not be the ones counted.
  const config = loadConfig({ env: {}, overrides: { features: SIM_FEATURES.map((f) => ({ ...f })), models: { maxModels: 1_000 }, log: { level: 'silent' } } });
  // Each slice (one device or region value) sees a third of its model's traffic.
  const fill = benchSize('SERIES_FILL', 3 * (config.reference.size + config.windows.size));
  const gc = collector();
  const decode = createRecordDecoder(config);
  const modelsOf = (n: number): SimModel[] => Array.from({ length: n }, (_, i) => ({ id: `mem-${String(i).padStart(4, '0')}`, versions: [{ version: 'v1', share: 1 }] }));

  // Pilot: series per model with this traffic (metrics × slices).
  const pilot = new PartitionPipeline(config, decode);
  feed(pilot, modelsOf(1), 3_000);
  pilot.finish(); // releases what the merge still holds behind the watermark
  const perModel = pilot.stats().series;
  const models = modelsOf(Math.ceil(target / perModel));

  const before = await settledRss(gc);
  const pipeline = new PartitionPipeline(config, decode);
  const t0 = Date.now();
  const records = feed(pipeline, models, fill);
  const after = await settledRss(gc);
  const series = pipeline.stats().series;
  const rssPerSeries = (after.rss - before.rss) / series / 1024;
  const heapPerSeries = (after.heap - before.heap) / series / 1024;
  const note = `${series.toLocaleString('en')} series (${models.length} models × ${perModel}), ${records.toLocaleString('en')} records fed in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${fill} requests/model; RSS ${(before.rss / 2 ** 20).toFixed(0)} → ${(after.rss / 2 ** 20).toFixed(0)} MiB`;
  return [
    // The target is per series *with at least `target` of them*: fewer would flatter the figure.
    { group: GROUP, name: `resident memory per active series (${series.toLocaleString('en')} series)`, unit: 'KB/series (lower is better)', ours: rssPerSeries, baseline: null, baselineLabel: 'RSS before the pipeline, same run (subtracted)', target: `≤ 64 KB with ≥ ${target.toLocaleString('en')} series`, targetMet: rssPerSeries <= 64 && series >= target, note },
    { group: GROUP, name: 'JS heap + buffers per active series (same run)', unit: 'KB/series (lower is better)', ours: heapPerSeries, baseline: null, baselineLabel: 'heap before the pipeline, same run (subtracted)', note: 'the part of the RSS the series themselves hold' },
  ];
}
