/**
 * Taking partition indexes over (at assignment, after a shard crash, after being fenced): for each
 * p, initialise p's transactional producer FIRST (that fences a previous owner and aborts its
 * open transaction), then read the group's committed offsets of p's source topic-partitions with
 * the checkpoint pointer in their metadata, read that checkpoint and hand it to p's shard to
 * restore. The offsets are read with `require_stable` (stable-offset-fetch.ts): a transaction that
 * has completed is applied to the group's offsets a little later, and a take-over that read them
 * before that would process committed records again, outputs and all.
 * The answer says where each topic-partition resumes:
 * - from a checkpoint: at the offsets it covers; the records between there and the committed
 *   offsets are pushed again with their outputs dropped (they were committed already);
 * - without one (a new partition, or a checkpoint that cannot be read or used): empty state from
 *   the committed offsets, or from the beginning of the topic when nothing was committed.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { AlertEncoder } from './alert-encoding';
import type { DriftwatchConfig } from '../config/config-types';
import type { ShardPool } from '../shards/shard-pool';
import { Backoff } from './backoff';
import { CheckpointReader, decodeCheckpointPointer, type CheckpointPointer } from './checkpoint-store';
import { PartitionTransactions } from './partition-transactions';
import type { StableOffsetReader } from './stable-offset-fetch';

export interface RecoveredPartition {
  partition: number;
  tx: PartitionTransactions;
  /** Source topic → offset to fetch from. */
  resume: Record<string, number>;
  /** Source topic → committed offset (never commit below it). */
  committed: Record<string, number>;
  /** True when the state came from a checkpoint (no start gate then). */
  restored: boolean;
  /** Shard time the restore took (null: not restored), the first estimate of what a checkpoint of it costs. */
  restoreMs: number | null;
  /** Source topics with records at or after `resume` (the start gate waits for their first batches). */
  backlog: string[];
}

export interface RecoveryContext {
  kafka: Kafka;
  admin: Admin;
  offsets: StableOffsetReader;
  config: Readonly<DriftwatchConfig>;
  pool: ShardPool;
  reader: CheckpointReader;
  logger: Logger;
  encodeAlert: AlertEncoder;
  sourceTopics: readonly string[];
  owns: (partition: number) => boolean;
}

export async function recoverPartitions(ctx: RecoveryContext, partitions: readonly number[]): Promise<RecoveredPartition[]> {
  const started = Date.now();
  const txs = await Promise.all(
    partitions.map(async (partition) => {
      const tx = new PartitionTransactions(ctx.kafka, ctx.config, partition, {
        logger: ctx.logger,
        encodeAlert: ctx.encodeAlert,
        owns: () => ctx.owns(partition),
      });
      // Initialising fails while the broker is unreachable: retried while the partition is ours.
      await retrying(ctx, [partition], "initialising the partition's transactional producer", () => tx.init());
      return tx;
    }),
  );
  const topics = [...ctx.sourceTopics];
  // A broker that just started answers NOT_COORDINATOR until the offsets topic is loaded; a broker
  // that is down answers nothing: both are waited out (the partitions stay held meanwhile).
  const [offsets, ends] = await retrying(ctx, partitions, 'reading the committed offsets', () =>
    Promise.all([ctx.offsets.fetch(ctx.config.kafka.groupId, topics.map((topic) => ({ topic, partitions }))), Promise.all(topics.map((t) => ctx.admin.fetchTopicOffsets(t)))]),
  );
  const committedOf = (topic: string, partition: number): { offset: number; metadata: string | null } | undefined => {
    const entry = offsets.find((o) => o.topic === topic)?.partitions.find((p) => p.partition === partition);
    if (entry === undefined || Number(entry.offset) < 0) return undefined;
    return { offset: Number(entry.offset), metadata: entry.metadata ?? null };
  };
  const lowHigh = (topic: string, partition: number): { low: number; high: number } => {
    const e = ends[topics.indexOf(topic)]?.find((x) => x.partition === partition);
    return { low: Number(e?.low ?? 0), high: Number(e?.high ?? 0) };
  };

  const pointers = new Map<number, CheckpointPointer>();
  const committed = new Map<number, Record<string, number>>();
  for (const partition of partitions) {
    const c: Record<string, number> = {};
    let pointer: CheckpointPointer | null = null;
    for (const topic of topics) {
      const entry = committedOf(topic, partition);
      if (entry === undefined) continue;
      c[topic] = entry.offset;
      pointer ??= decodeCheckpointPointer(entry.metadata);
    }
    committed.set(partition, c);
    if (pointer !== null) pointers.set(partition, pointer);
  }

  const payloads = await readCheckpoints(ctx, pointers);

  const recovered: RecoveredPartition[] = [];
  for (const [i, partition] of partitions.entries()) {
    const tx = txs[i]!;
    const c = committed.get(partition)!;
    const pointer = pointers.get(partition);
    const payload = payloads.get(partition);
    let restored = false;
    let restoreMs: number | null = null;
    if (pointer !== undefined && payload !== undefined) {
      const answer = await ctx.pool.send(ctx.pool.shardOf(partition), {
        type: 'restore',
        restore: { partition, snapshot: toArrayBuffer(payload), committed: c },
      });
      const outcome = answer.parts.find((p) => p.partition === partition)?.restored;
      if (outcome?.ok) {
        restored = true;
        restoreMs = outcome.ms;
        tx.pointer = pointer;
        ctx.logger.info({ partition, bytes: outcome.bytes, restoreMs: Math.round(outcome.ms), covered: pointer.covered, committed: c }, 'partition state restored from its checkpoint');
      } else {
        ctx.logger.error({ partition, code: outcome && !outcome.ok ? outcome.code : undefined, reason: outcome && !outcome.ok ? outcome.message : 'no answer' }, 'a checkpoint could not be restored; the partition starts with empty state');
      }
    }
    if (!restored) await ctx.pool.send(ctx.pool.shardOf(partition), { type: 'restore', restore: { partition, snapshot: null, committed: {} } });
    tx.lastCheckpointAt = Date.now();
    const resume: Record<string, number> = {};
    const backlog: string[] = [];
    for (const topic of topics) {
      const { low, high } = lowHigh(topic, partition);
      const from = restored ? (pointer!.covered[topic] ?? low) : (c[topic] ?? low);
      resume[topic] = Math.max(from, low);
      if (high > resume[topic]) backlog.push(topic);
    }
    recovered.push({ partition, tx, resume, committed: c, restored, restoreMs, backlog });
  }
  ctx.logger.info({ partitions, ms: Date.now() - started, restored: recovered.filter((r) => r.restored).map((r) => r.partition) }, 'partitions taken over');
  return recovered;
}

/**
 * Reads the checkpoints, one outcome per partition. A read that failed without telling anything
 * (timeout, broker unreachable: `retryable`) is retried while the partition is ours — starting
 * empty would throw away state that is still there. Only a checkpoint known to be gone (compacted,
 * deleted, aborted) or damaged makes its partition start empty: alerts stay exactly-once, but
 * windows and references are rebuilt from new data.
 */
async function readCheckpoints(ctx: RecoveryContext, pointers: ReadonlyMap<number, CheckpointPointer>): Promise<Map<number, Buffer>> {
  const payloads = new Map<number, Buffer>();
  let pending = [...pointers];
  const backoff = new Backoff(500);
  while (pending.length > 0) {
    const outcomes = await ctx.reader.readEach(pending.map(([partition, pointer]) => ({ partition, pointer })));
    const retry: typeof pending = [];
    for (const [partition, pointer] of pending) {
      const outcome = outcomes.get(partition);
      if (outcome?.ok) {
        payloads.set(partition, outcome.payload);
      } else if (outcome !== undefined && outcome.error.retryable && ctx.owns(partition)) {
        retry.push([partition, pointer]);
      } else if (outcome !== undefined) {
        ctx.logger.error({ code: outcome.error.code, err: outcome.error, partition }, 'the checkpoint cannot be read; the partition starts with empty state');
      }
    }
    if (retry.length > 0) {
      ctx.logger.warn({ partitions: retry.map(([p]) => p), retryInMs: backoff.nextMs }, 'reading checkpoints failed for now; retrying');
      await backoff.wait();
    }
    pending = retry;
  }
  return payloads;
}

async function retrying<T>(ctx: RecoveryContext, partitions: readonly number[], what: string, fn: () => Promise<T>): Promise<T> {
  const backoff = new Backoff(200);
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!partitions.some((p) => ctx.owns(p))) throw e;
      ctx.logger.warn({ err: e, partitions, retryInMs: backoff.nextMs }, `${what} failed; retrying`);
      await backoff.wait();
    }
  }
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
