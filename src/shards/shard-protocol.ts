/**
 * The typed messages between the main thread (src/shards/shard-pool.ts) and a shard worker
 * (workers/shard-worker.ts). Records never cross as objects: a push carries ONE ArrayBuffer built by
 * src/shards/batch-codec.ts and transferred (moved, not copied). Results are small (alerts are rare,
 * counters are numbers) and go back by structured clone.
 *
 * Every request carries an `id`; the worker answers each request with exactly one `result` or
 * `failed` message with the same id, in request order (a worker handles its messages one at a time).
 * Results are per partition index, because each partition's outputs, offsets and checkpoint are
 * committed in that partition's own Kafka transaction (src/kafka/partition-transactions.ts).
 */
import type { DlqEntry, DriftAlert, RetrainTrigger } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import type { PipelineCounters } from '../engine/partition-pipeline';
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

/**
 * A checkpoint to restore a partition from, and the offsets whose outputs are already committed.
 * Records up to `committed` (exclusive) are pushed again after the restore, their outputs dropped.
 */
export interface RestoreRequest {
  partition: number;
  /** gzip'd JSON of PartitionPipeline.snapshot(); null = no checkpoint: start empty. */
  snapshot: ArrayBuffer | null;
  /** Source topic → next offset committed by the group (outputs before it were produced already). */
  committed: Record<string, number>;
}

/** Main thread → worker. */
export type ShardRequest =
  /**
   * The batches of ONE partition index from one fetch round (one per topic-partition, each packed by
   * encodeBatch; the buffers are transferred). The worker pushes them into the pipeline in one call.
   * With `checkpoint`, the answer carries the pipeline's snapshot after the push.
   */
  | { type: 'push'; id: number; buffers: ArrayBuffer[]; checkpoint?: boolean }
  /**
   * Partition indexes this shard now owns, with their start gates: the worker holds a partition's
   * records until each stream in `waitFor` has delivered its first batch, then pushes them together
   * (see workers/shard-worker.ts). A partition restored from a checkpoint needs no gate.
   */
  | { type: 'assign'; id: number; partitions: AssignedPartition[] }
  /** Replaces a partition's state by its checkpoint (or empty state); answered with `restored`. */
  | { type: 'restore'; id: number; restore: RestoreRequest }
  /** Snapshots of these partitions' pipelines (for revocation and shutdown). */
  | { type: 'checkpoint'; id: number; partitions: number[] }
  /** Drops these partitions' state (revoked, or fenced by a new owner): nothing is released. */
  | { type: 'drop'; id: number; partitions: number[] }
  /** Opens the start gates whose wait time is over (the main thread sends it when one may be due). */
  | { type: 'tick'; id: number }
  /** Exit the thread after answering. */
  | { type: 'shutdown'; id: number }
  /** Fault injection (tests, issue 5's crash tests): the worker throws outside any handler and dies. */
  | { type: 'crash'; id: number };

/** What one request produced for one partition index. */
export interface PartitionResult {
  partition: number;
  alerts: DriftAlert[];
  dlq: DlqEntry[];
  retrain: RetrainTrigger[];
  counters: PipelineCounters;
  /**
   * Source topic → next offset of the records this partition's pipeline has taken in (held records
   * of a start gate are not taken in yet): what may be committed with these outputs.
   */
  covered: Record<string, number>;
  /**
   * Snapshot of the pipeline after the request (push with `checkpoint`, `checkpoint`): gzip'd JSON,
   * and the worker time it took (serialising and compressing), which paces the next one.
   */
  checkpoint?: { bytes: ArrayBuffer; ms: number };
  /**
   * After a push: events waiting in the merge, and the role whose topic-partition the consumer
   * should not fetch for now (null: fetch all), see src/shards/fetch-alignment.ts.
   */
  merge?: { buffered: number; holdBack: TopicRole | null };
  /** Answer to `restore`: from the checkpoint, or why it could not be used (the state is then empty). */
  restored?: { ok: true; bytes: number; ms: number } | { ok: false; code: string; message: string };
}

/** What one request produced. */
export interface ShardResult {
  parts: PartitionResult[];
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
  return { parts: [], durationMs: 0 };
}

/** Appends `b`'s partition results to `a` (same order as produced) and returns `a`. */
export function mergeResults(a: ShardResult, b: ShardResult): ShardResult {
  a.parts.push(...b.parts);
  a.durationMs += b.durationMs;
  return a;
}
