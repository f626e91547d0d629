/**
 * The engine of one partition index p: partition p of the inputs, outputs and feedback topics.
 * (skeleton: the full implementation follows in this file's next commit.)
 */
import type { DlqEntry, DriftAlert, RetrainTrigger } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import type { InferenceEvent } from '../pipeline/events';
import type { SourceRecord } from '../pipeline/records';

/** What the DECODE engineer's `createRecordDecoder(config)` returns (src/ingest/record-decoder.ts). */
export type DecodeResult = { ok: true; event: InferenceEvent } | { ok: false; code: string; message: string };
export type RecordDecoder = (record: SourceRecord) => DecodeResult;

export interface PipelineCounters {
  consumed: number;
  rejected: number;
  late: number;
  orphans: number;
}

export interface PipelineOutput {
  alerts: DriftAlert[];
  dlq: DlqEntry[];
  retrain: RetrainTrigger[];
  counters: PipelineCounters;
}

export interface PartitionPipelineOptions {
  /** Wall clock for `emitted_at` only (default Date.now). */
  now?: () => number;
}

export class PartitionPipeline {
  constructor(
    readonly config: Readonly<DriftwatchConfig>,
    readonly decode: RecordDecoder,
    readonly options: PartitionPipelineOptions = {},
  ) {}

  push(records: readonly SourceRecord[]): PipelineOutput {
    return { alerts: [], dlq: [], retrain: [], counters: { consumed: records.length, rejected: 0, late: 0, orphans: 0 } };
  }

  finish(): PipelineOutput {
    return { alerts: [], dlq: [], retrain: [], counters: { consumed: 0, rejected: 0, late: 0, orphans: 0 } };
  }
}
