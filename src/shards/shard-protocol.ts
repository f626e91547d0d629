/**
 * The typed messages between the main thread (src/shards/shard-pool.ts) and a shard worker
 * (workers/shard-worker.ts). Records never cross as objects: a push carries ONE ArrayBuffer built by
 * src/shards/batch-codec.ts and transferred (moved, not copied). Results are small (alerts are rare,
 * counters are numbers) and go back by structured clone.
 *
 * Every request carries an `id`; the worker answers each request with exactly one `result` or
 * `failed` message with the same id, in request order (a worker handles its messages one at a time).
 */
import type { DlqEntry, DriftAlert, RetrainTrigger } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import type { TopicRole } from '../pipeline/records';

/** What the worker receives as `workerData`. */
export interface ShardWorkerData {
  shard: number;
  config: DriftwatchConfig;
}

export interface AssignedPartition {
  partition: number;
  /** Streams whose first batch the start gate waits for (empty = no gate). */
  waitFor: TopicRole[];
  /**
   * Set when none of the partition's streams had records waiting at assignment (live traffic only):
   * the gate then also opens at the first push this long after it started holding records, so a
   * configured topic that stays silent (e.g. no feedback at all) delays the start by at most this.
   */
  maxWaitMs?: number;
}

/** Main thread → worker. */
export type ShardRequest =
  /**
   * The batches of ONE partition index from one fetch round (one per topic-partition, each packed by
   * encodeBatch; the buffers are transferred). The worker pushes them into the pipeline in one call.
   */
  | { type: 'push'; id: number; buffers: ArrayBuffer[] }
  /**
   * Partition indexes this shard now owns, with their start gates: the worker holds a partition's
   * records until each stream in `waitFor` has delivered its first batch, then pushes them together
   * (see workers/shard-worker.ts).
   */
  | { type: 'assign'; id: number; partitions: AssignedPartition[] }
  /** Partition indexes this shard loses: each pipeline is finished (buffered events released) and dropped. */
  | { type: 'revoke'; id: number; partitions: number[] }
  /** Opens the start gates whose wait time is over (the main thread sends it when one may be due). */
  | { type: 'tick'; id: number }
  /** End of input for every partition (graceful shutdown): finish all pipelines, keep nothing. */
  | { type: 'finish'; id: number }
  /** Exit the thread after answering. */
  | { type: 'shutdown'; id: number }
  /** Fault injection (tests, issue 5's crash tests): the worker throws outside any handler and dies. */
  | { type: 'crash'; id: number };

export interface ShardCounters {
  consumed: number;
  rejected: number;
  late: number;
  orphans: number;
}

/** The highest offset of a topic-partition the worker has taken in (pushed into its pipeline). */
export interface ProcessedOffset {
  topic: string;
  partition: number;
  offset: number;
}

/** What one request produced. */
export interface ShardResult {
  alerts: DriftAlert[];
  dlq: DlqEntry[];
  retrain: RetrainTrigger[];
  counters: ShardCounters;
  processed: ProcessedOffset[];
  /** Time the worker spent on the request, for the per-shard batch-latency metric. */
  durationMs: number;
}

/** Worker → main thread. */
export type ShardResponse =
  | { type: 'ready'; shard: number }
  | { type: 'result'; id: number; result: ShardResult }
  /** A request the worker could not carry out (a bug, not bad input: bad input becomes DLQ entries). */
  | { type: 'failed'; id: number; error: { code: string; message: string; stack?: string } };

export function emptyResult(): ShardResult {
  return { alerts: [], dlq: [], retrain: [], counters: { consumed: 0, rejected: 0, late: 0, orphans: 0 }, processed: [], durationMs: 0 };
}

/** Appends `b` to `a` (same order as produced) and returns `a`. */
export function mergeResults(a: ShardResult, b: ShardResult): ShardResult {
  a.alerts.push(...b.alerts);
  a.dlq.push(...b.dlq);
  a.retrain.push(...b.retrain);
  a.counters.consumed += b.counters.consumed;
  a.counters.rejected += b.counters.rejected;
  a.counters.late += b.counters.late;
  a.counters.orphans += b.counters.orphans;
  a.processed.push(...b.processed);
  a.durationMs += b.durationMs;
  return a;
}
