/**
 * Shared helpers of the engine tests: the default config plus the simulator's features, and a
 * runner that feeds simulated traffic through one PartitionPipeline in batches.
 */
import type { DriftAlert } from '../../src/alerts/alert-types';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { loadConfig, type DeepPartial } from '../../src/config/load-config';
import { PartitionPipeline, type PipelineOutput } from '../../src/engine/partition-pipeline';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import type { SourceRecord } from '../../src/pipeline/records';
import { SimSourceRecords } from '../../src/simulate/sim-source-records';
import { SIM_FEATURES, SpeechTraffic, type SpeechTrafficOptions } from '../../src/simulate/speech-traffic';

/** Defaults (no env), with the simulator's features monitored. */
export function engineConfig(overrides: DeepPartial<DriftwatchConfig> = {}): Readonly<DriftwatchConfig> {
  return loadConfig({ env: {}, overrides: { features: SIM_FEATURES.map((f) => ({ ...f })), ...overrides } });
}

export interface SimRun {
  alerts: DriftAlert[];
  totals: PipelineOutput['counters'];
  records: number;
  pipeline: PartitionPipeline;
  sim: SpeechTraffic;
  elapsedMs: number;
  /** Requests of each model at the time each alert was emitted (same order as alerts). */
  requestsAtAlert: number[];
}

export function simRecords(options: SpeechTrafficOptions, n: number): SourceRecord[] {
  const sim = new SpeechTraffic(options);
  const enc = new SimSourceRecords(1);
  const out: SourceRecord[] = new Array<SourceRecord>(n);
  for (let i = 0; i < n; i++) out[i] = enc.toSource(sim.next());
  return out;
}

/**
 * Feeds simulated records through one pipeline, `batch` records per push: n records, or until
 * `stop(sim)` says so (checked between batches).
 */
export function runSim(options: SpeechTrafficOptions, n: number | ((sim: SpeechTraffic) => boolean), config = engineConfig(), batch = 500): SimRun {
  const sim = new SpeechTraffic(options);
  const enc = new SimSourceRecords(1);
  const pipeline = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 0 });
  const alerts: DriftAlert[] = [];
  const requestsAtAlert: number[] = [];
  const totals: PipelineOutput['counters'] = { consumed: 0, rejected: 0, late: 0, orphans: 0, limitHits: {} };
  const add = (o: PipelineOutput): void => {
    for (const a of o.alerts) {
      alerts.push(a);
      requestsAtAlert.push(sim.requestsOf(a.model_id));
    }
    totals.consumed += o.counters.consumed;
    totals.rejected += o.counters.rejected;
    totals.late += o.counters.late;
    totals.orphans += o.counters.orphans;
  };
  const t0 = process.hrtime.bigint();
  let buf: SourceRecord[] = [];
  let count = 0;
  for (;;) {
    if (typeof n === 'number' ? count >= n : buf.length === 0 && n(sim)) break;
    buf.push(enc.toSource(sim.next()));
    count++;
    if (buf.length === batch) {
      add(pipeline.push(buf));
      buf = [];
    }
  }
  add(pipeline.push(buf));
  add(pipeline.finish());
  const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { alerts, totals, records: count, pipeline, sim, elapsedMs, requestsAtAlert };
}
