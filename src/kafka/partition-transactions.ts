/**
 * The outputs of one partition index p, committed atomically: alerts, DLQ entries, retraining
 * triggers (the outbox topic), the checkpoint of p's state (when due) and the consumer group's
 * offsets of p's source topic-partitions go into ONE Kafka transaction. A `read_committed` consumer
 * of the alert topic therefore sees an alert iff the offsets of the records that produced it were
 * committed with it: after a crash the records past the committed offsets are processed again and
 * their alerts produced again, the earlier ones never (issue 5 §2).
 *
 * Fencing: the transactional id is stable per partition index (`<groupId>.p<p>`), so the member that
 * takes p over initialises the same id, which aborts the previous owner's open transaction and
 * makes any later attempt of the previous owner fail (the pre-KIP-447 scheme; kafkajs has no
 * group-metadata fencing). A fenced instance drops p's state; the new owner restores it from the
 * checkpoint.
 *
 * The checkpoint pointer (where p's latest checkpoint lies and which offsets it covers) travels in
 * the offset-commit metadata of every commit, so the committed offsets and the checkpoint they
 * refer to can never disagree.
 *
 * A transaction that fails for any other reason (broker down, timeouts) is aborted and retried with
 * the same content until it succeeds, p is lost, or the publisher closes: outputs are never dropped,
 * and a slow or unavailable broker backs the stream up (the shard's partitions pause) instead.
 */
import type { Kafka, Message, Producer, RecordMetadata, Transaction } from 'kafkajs';
import type { Logger } from 'pino';
import { DriftwatchError } from '../../detectors/errors';
import type { DlqEntry, DriftAlert, RetrainTrigger } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import { outboxMessage } from '../retrain/retrain-outbox';
import type { AlertEncoder } from './alert-encoding';
import { Backoff } from './backoff';
import { checkpointMessages, checkpointPointer, encodeCheckpointPointer, type CheckpointPointer } from './checkpoint-store';

/** What one transaction of partition index p carries. */
export interface PartitionCommit {
  alerts: readonly DriftAlert[];
  dlq: readonly DlqEntry[];
  retrain: readonly RetrainTrigger[];
  /** Source topic → next offset to commit (the records p's pipeline has taken in). */
  covered: Readonly<Record<string, number>>;
  /** gzip'd snapshot of p's pipeline covering exactly `covered`, when a checkpoint is due. */
  checkpoint?: Uint8Array;
}

/** Bytes of message values per produce request (the broker's default limit per record batch is 1 MB). */
const CHUNK_BYTES = 256 * 1024;
/** kafkajs error types meaning another producer with our transactional id took over. */
const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

export function transactionalIdOf(config: Readonly<DriftwatchConfig>, partition: number): string {
  return `${config.kafka.groupId}.p${partition}`;
}

export function isFencedError(e: unknown): boolean {
  for (let cur = e as { type?: unknown; cause?: unknown; originalError?: unknown; message?: unknown } | undefined, depth = 0; cur && depth < 4; depth++) {
    if (typeof cur.type === 'string' && FENCED.has(cur.type)) return true;
    if (typeof cur.message === 'string' && /fence|producer epoch|old epoch/i.test(cur.message)) return true;
    cur = (cur.originalError ?? cur.cause) as typeof cur;
  }
  return false;
}

/**
 * CONCURRENT_TRANSACTIONS: the coordinator refused a transactional control request (add partitions
 * or offsets, end) because it still completes the previous transaction. Nothing was written, so
 * the producer's sequence numbers are intact and it can simply start again. Other errors (a
 * produce that timed out, for one) may leave them unknown: the producer is replaced then.
 */
export function isRefusedForNow(e: unknown): boolean {
  return (e as { type?: unknown }).type === 'CONCURRENT_TRANSACTIONS';
}

export interface PartitionTransactionsOptions {
  logger: Logger;
  encodeAlert: AlertEncoder;
  /** Whether this member still owns p; a lost partition is never retried (it would fence the new owner). */
  owns: () => boolean;
  /** First retry delay of a failed transaction; doubles up to 5 s. Default 200 ms. */
  retryDelayMs?: number;
}

export class PartitionTransactions {
  /** The latest committed checkpoint of p (null until one is written or read back). */
  pointer: CheckpointPointer | null = null;
  /** Set when another producer took over p's transactional id. */
  fenced = false;
  /** Wall-clock ms of the last committed transaction and of the last checkpoint. */
  lastCommitAt = 0;
  lastCheckpointAt = 0;
  private producer: Producer | null = null;
  private closed = false;
  private readonly transactionalId: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: Readonly<DriftwatchConfig>,
    readonly partition: number,
    private readonly options: PartitionTransactionsOptions,
  ) {
    this.transactionalId = transactionalIdOf(config, partition);
  }

  /**
   * Connects p's transactional producer: initialising the transactional id fences a previous owner
   * and completes (aborts) its open transaction, so offsets read after this are stable.
   */
  async init(): Promise<void> {
    const producer = this.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      transactionTimeout: 60_000,
    });
    await producer.connect();
    this.producer = producer;
  }

  /** Commits one transaction; retries until it succeeds. Rejects with DRIFTWATCH_PARTITION_FENCED or _LOST. */
  async commit(out: PartitionCommit): Promise<void> {
    const backoff = new Backoff(this.options.retryDelayMs ?? 200);
    // CONCURRENT_TRANSACTIONS usually clears within milliseconds: its own, short first wait.
    const refusedBackoff = new Backoff(20);
    const messages = this.outputMessages(out);
    for (let attempt = 0; ; attempt++) {
      // A partition that is not ours any more gets one attempt (a revocation's flush): if the new
      // owner has initialised its transactional id already, that attempt is fenced, which is right too.
      if (this.closed || this.fenced || (attempt > 0 && !this.options.owns())) throw this.lostError();
      if (this.producer === null) {
        if (!this.options.owns()) throw this.lostError(); // re-initialising would fence the new owner
        try {
          await this.init();
        } catch (e) {
          if (isFencedError(e)) this.fenced = true;
          this.options.logger.warn({ err: e, partition: this.partition, retryInMs: backoff.nextMs }, 'transactional producer could not start; retrying');
          await backoff.wait();
          continue;
        }
      }
      const producer = this.producer!;
      let transaction: Transaction | null = null;
      try {
        transaction = await producer.transaction();
        const pointer = await this.send(transaction, messages, out);
        await transaction.sendOffsets({
          consumerGroupId: this.config.kafka.groupId,
          topics: Object.entries(out.covered).map(([topic, next]) => ({
            topic,
            partitions: [{ partition: this.partition, offset: String(next), ...(pointer ? { metadata: encodeCheckpointPointer(pointer) } : {}) }],
          })),
        });
        await transaction.commit();
        this.pointer = pointer;
        this.lastCommitAt = Date.now();
        if (out.checkpoint) this.lastCheckpointAt = this.lastCommitAt;
        return;
      } catch (e) {
        const aborted = transaction === null || (await transaction.abort().then(() => true, () => false));
        if (isFencedError(e)) {
          this.fenced = true;
          this.options.logger.warn({ partition: this.partition }, 'another instance took this partition over (producer fenced); its state is dropped here');
          throw this.lostError();
        }
        if (aborted && isRefusedForNow(e)) {
          // kafkajs retries CONCURRENT_TRANSACTIONS for sends, not for sendOffsets. The transaction
          // was aborted cleanly, so the same producer starts it again.
          this.options.logger.warn({ err: e, partition: this.partition, retryInMs: refusedBackoff.nextMs }, 'a partition transaction was refused for now; retrying it');
          await refusedBackoff.wait();
          continue;
        }
        this.options.logger.error(
          { code: 'DRIFTWATCH_TRANSACTION_FAILED', err: e, partition: this.partition, retryInMs: backoff.nextMs },
          'committing a partition transaction failed; retrying (outputs and offsets stay uncommitted meanwhile)',
        );
        // A producer whose transaction state is unknown is replaced: re-initialising the same id
        // aborts whatever the broker still holds open for it.
        await this.producer?.disconnect().catch(() => undefined);
        this.producer = null;
        await backoff.wait();
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
  }

  private lostError(): DriftwatchError {
    const code = this.fenced ? 'DRIFTWATCH_PARTITION_FENCED' : 'DRIFTWATCH_PARTITION_LOST';
    return new DriftwatchError(code, `partition ${this.partition} is no longer owned by this instance; its uncommitted outputs are left to the new owner`, {
      details: { partition: this.partition },
    });
  }

  /** Sends outputs (in requests well below the broker's batch limit) and the checkpoint; returns the new pointer. */
  private async send(transaction: Transaction, messages: readonly { topic: string; message: Message; bytes: number }[], out: PartitionCommit): Promise<CheckpointPointer | null> {
    let chunk: { topic: string; message: Message }[] = [];
    let chunkBytes = 0;
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of chunk) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
      await transaction.sendBatch({ topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })), acks: -1 });
      chunk = [];
      chunkBytes = 0;
    };
    for (const item of messages) {
      if (chunk.length > 0 && chunkBytes + item.bytes > CHUNK_BYTES) await flush();
      chunk.push(item);
      chunkBytes += item.bytes + 64;
    }
    await flush();
    if (out.checkpoint === undefined) return this.pointer;
    // One request per chunk: a request's records for one partition form one record batch, which
    // the topic's max.message.bytes bounds. Only p's producer writes to checkpoint partition p, so
    // the chunks of one transaction get consecutive offsets.
    const topic = this.config.kafka.topics.checkpoints;
    const chunks = checkpointMessages(this.partition, out.checkpoint);
    let first: RecordMetadata | undefined;
    for (const message of chunks) {
      const [meta] = await transaction.send({ topic, messages: [message], acks: -1 });
      first ??= meta;
    }
    if (first === undefined) throw new DriftwatchError('DRIFTWATCH_TRANSACTION_FAILED', 'the checkpoint produced no record');
    return checkpointPointer(Number(first.baseOffset), out.checkpoint, out.covered);
  }

  /** Alerts (key = model_id), DLQ entries (key = the record's key) and outbox records, with their sizes. */
  private outputMessages(out: PartitionCommit): { topic: string; message: Message; bytes: number }[] {
    const { topics } = this.config.kafka;
    const items: { topic: string; message: Message; bytes: number }[] = [];
    for (const a of out.alerts) {
      try {
        const value = this.options.encodeAlert(a);
        items.push({ topic: topics.alerts, message: { key: a.model_id, value, headers: { 'driftwatch-alert-id': a.alert_id } }, bytes: value.length });
      } catch (e) {
        // Encoding is deterministic: retrying cannot help, and holding the stream for it would
        // stop every other alert. Logged with the whole alert so that nothing is lost from view.
        this.options.logger.error({ code: 'DRIFTWATCH_ALERT_ENCODE_FAILED', err: e, alert: a }, 'an alert could not be encoded in the configured alert format; it is logged here instead');
      }
    }
    for (const d of out.dlq) {
      const fitted = dlqEntryThatFits(d);
      const value = JSON.stringify(fitted);
      items.push({ topic: topics.dlq, message: { key: fitted.key, value, headers: { 'driftwatch-error-code': d.error_code } }, bytes: value.length });
    }
    for (const t of out.retrain) {
      const message = outboxMessage(t);
      items.push({ topic: topics.retrainOutbox, message, bytes: Buffer.byteLength(String(message.value ?? '')) });
    }
    return items;
  }
}

/**
 * A DLQ record must fit the broker's record-batch limit (1 MB by default), or the transaction could
 * never commit and the partition would stall: an entry whose JSON would exceed DLQ_MAX_BYTES keeps
 * only the first DLQ_KEEP_BYTES of the raw value (the record itself stays at its coordinates).
 */
const DLQ_MAX_BYTES = 900 * 1024;
const DLQ_KEEP_BYTES = 512 * 1024;
/**
 * The key is in a DLQ record twice (message key and the entry's `key`): a key of a few hundred kB
 * (a record may have one) would overflow the batch even with the value cut, so keys longer than this
 * are cut too, marked `key_truncated`. 1024 characters take at most 6 KiB of JSON each (escapes).
 */
const DLQ_MAX_KEY_CHARS = 1024;

export function dlqEntryThatFits(original: DlqEntry): DlqEntry {
  const entry: DlqEntry =
    original.key !== null && original.key.length > DLQ_MAX_KEY_CHARS ? { ...original, key: original.key.slice(0, DLQ_MAX_KEY_CHARS), key_truncated: true } : original;
  if (entry.value_b64.length + entry.error_message.length + 16 * 1024 <= DLQ_MAX_BYTES) return entry;
  const head = Buffer.from(entry.value_b64, 'base64').subarray(0, DLQ_KEEP_BYTES);
  return { ...entry, error_message: entry.error_message.slice(0, 4096), value_b64: head.toString('base64'), value_truncated: true };
}

