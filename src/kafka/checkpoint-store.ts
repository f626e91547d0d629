/**
 * State checkpoints on the compacted checkpoint topic (issue 5 §1, the storage side).
 *
 * Writing is done by the partition's transactional producer (src/kafka/ingest-consumer.ts): the
 * chunks of `checkpointMessages(p, payload)` go to checkpoint-topic partition p in the same
 * transaction as the alerts, and the pointer to them (`encodeCheckpointPointer`) rides in the
 * offset-commit metadata of that transaction's `sendOffsets`. So the pointer becomes visible exactly
 * when the chunks do (one commit), and an aborted attempt leaves neither: there is no separate
 * "latest checkpoint" index to keep consistent.
 *
 * Reading (`CheckpointReader`) goes through a read_committed consumer, so records of aborted
 * transactions are never returned; the chunk count, length and sha256 recorded in the pointer detect
 * anything else (a recreated topic, a partly compacted checkpoint, mixed chunks).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage, Message, PartitionOffset } from 'kafkajs';
import type { Logger } from 'pino';
import { DriftwatchError } from '../../detectors/errors';
import type { DriftwatchConfig } from '../config/config-types';

export interface CheckpointPointer {
  v: 1;
  /** Offset of chunk 0 on checkpoint-topic partition `partition`. */
  offset: number;
  chunks: number;
  /** Payload length in bytes. */
  bytes: number;
  /** Hex sha256 of the payload (integrity: detects mixed or missing chunks). */
  sha256: string;
  /** Source topic → next offset the snapshot includes (what to resume from). */
  covered: Record<string, number>;
  /** Wall-clock ms when written (logs and metrics only: never used to order checkpoints). */
  at: number;
}

/** Default chunk size: well below every broker's default 1 MiB record limit. */
export const CHECKPOINT_CHUNK_BYTES = 512 * 1024;

/**
 * Kafka's `offset.metadata.max.bytes` default. The broker rejects a larger commit (the whole
 * transaction's TxnOffsetCommit would fail), so the encoder refuses first with a clear code.
 */
export const CHECKPOINT_POINTER_MAX_BYTES = 4096;

/** Header names on every chunk record. */
export const CHUNK_HEADER = 'driftwatch-checkpoint-chunk';
export const SHA256_HEADER = 'driftwatch-checkpoint-sha256';

/** Marks offset metadata as ours: anything else (another tool's metadata, an empty string) decodes to null. */
const POINTER_TAG = 'driftwatch-checkpoint';

export function checkpointSha256(payload: Uint8Array): string {
  return createHash('sha256').update(payload).digest('hex');
}

/** Number of chunks `checkpointMessages` makes of `bytes` bytes: an empty payload is still one (empty) record, so chunk 0 always exists at the pointer's offset. */
export function checkpointChunkCount(bytes: number, maxChunkBytes = CHECKPOINT_CHUNK_BYTES): number {
  return Math.max(1, Math.ceil(bytes / maxChunkBytes));
}

/**
 * kafkajs Messages for one checkpoint of partition index `partition`: chunks of ≤ maxChunkBytes,
 * key `${partition}/${i}` (compaction keeps only the newest chunk i of each partition, so the topic
 * holds about one checkpoint per partition), explicit partition = `partition`, headers with the
 * chunk `i/n` and the payload's sha256 (so a chunk can never be taken for one of another checkpoint).
 * Send them in order, in one transaction of the partition's producer: in one `send` call (one record
 * batch — the topic's max.message.bytes must hold the whole checkpoint) or one call per chunk
 * (batches of one chunk each); either way they get consecutive offsets (only p's producer writes
 * partition p), the first being the pointer's. The reader also accepts gaps of invisible records
 * (an aborted transaction's) between chunks.
 */
export function checkpointMessages(partition: number, payload: Uint8Array, maxChunkBytes = CHECKPOINT_CHUNK_BYTES): Message[] {
  if (!Number.isSafeInteger(partition) || partition < 0) {
    throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `checkpoint partition must be a non-negative integer, got ${partition}`);
  }
  if (!Number.isSafeInteger(maxChunkBytes) || maxChunkBytes < 1) {
    throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `maxChunkBytes must be a positive integer, got ${maxChunkBytes}`);
  }
  const buffer = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const sha256 = checkpointSha256(buffer);
  const n = checkpointChunkCount(buffer.length, maxChunkBytes);
  const messages: Message[] = [];
  for (let i = 0; i < n; i++) {
    messages.push({
      partition,
      key: `${partition}/${i}`,
      // A copy: kafkajs may hold the value until the request is sent, and the caller may reuse its buffer.
      value: Buffer.from(buffer.subarray(i * maxChunkBytes, Math.min(buffer.length, (i + 1) * maxChunkBytes))),
      headers: { [CHUNK_HEADER]: `${i}/${n}`, [SHA256_HEADER]: sha256 },
    });
  }
  return messages;
}

/** The pointer to a checkpoint whose chunk 0 was written at `offset` (the baseOffset `send` returned). */
export function checkpointPointer(
  offset: number,
  payload: Uint8Array,
  covered: Readonly<Record<string, number>>,
  options: { maxChunkBytes?: number; at?: number } = {},
): CheckpointPointer {
  return {
    v: 1,
    offset,
    chunks: checkpointChunkCount(payload.byteLength, options.maxChunkBytes),
    bytes: payload.byteLength,
    sha256: checkpointSha256(payload),
    covered: Object.fromEntries(Object.entries(covered)),
    at: options.at ?? Date.now(),
  };
}

/** Offset-commit metadata text (≤ 4096 UTF-8 bytes, Kafka's `offset.metadata.max.bytes` default). */
export function encodeCheckpointPointer(pointer: CheckpointPointer): string {
  const problem = pointerProblem(pointer);
  if (problem !== null) throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `not a valid checkpoint pointer: ${problem}`);
  const text = JSON.stringify({
    [POINTER_TAG]: pointer.v,
    offset: pointer.offset,
    chunks: pointer.chunks,
    bytes: pointer.bytes,
    sha256: pointer.sha256,
    covered: pointer.covered,
    at: pointer.at,
  });
  const size = Buffer.byteLength(text, 'utf8');
  if (size > CHECKPOINT_POINTER_MAX_BYTES) {
    throw new DriftwatchError(
      'DRIFTWATCH_CHECKPOINT_POINTER_TOO_LARGE',
      `the checkpoint pointer takes ${size} bytes of offset metadata, over Kafka's default offset.metadata.max.bytes of ${CHECKPOINT_POINTER_MAX_BYTES} (topic names too long?)`,
      { details: { bytes: size, limit: CHECKPOINT_POINTER_MAX_BYTES, topics: Object.keys(pointer.covered) } },
    );
  }
  return text;
}

/**
 * The pointer in offset-commit metadata (read by `StableOffsetReader`); null when the metadata is
 * absent, empty or not ours. Never throws: a group's offsets may have been committed by other tools
 * (`kafka-consumer-groups --reset-offsets` writes empty metadata), and that just means "no checkpoint".
 */
export function decodeCheckpointPointer(metadata: string | null | undefined): CheckpointPointer | null {
  if (typeof metadata !== 'string' || metadata.length === 0 || metadata.length > 4 * CHECKPOINT_POINTER_MAX_BYTES) return null;
  if (!metadata.startsWith(`{"${POINTER_TAG}":`)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const o = parsed as Record<string, unknown>;
  if (o[POINTER_TAG] !== 1) return null;
  const covered = o.covered;
  if (typeof covered !== 'object' || covered === null || Array.isArray(covered)) return null;
  const pointer: CheckpointPointer = {
    v: 1,
    offset: o.offset as number,
    chunks: o.chunks as number,
    bytes: o.bytes as number,
    sha256: o.sha256 as string,
    // fromEntries defines own properties: a topic named `__proto__` (a legal Kafka name) stays data.
    covered: Object.fromEntries(Object.entries(covered as Record<string, unknown>)) as Record<string, number>,
    at: o.at as number,
  };
  return pointerProblem(pointer) === null ? pointer : null;
}

/**
 * The partition entry for `transaction.sendOffsets` carrying the pointer as metadata. kafkajs
 * passes `metadata` through to TxnOffsetCommit but its `PartitionOffset` type does not declare it,
 * hence this helper (the object literal would not type-check at the call site).
 */
export function checkpointOffsetEntry(partition: number, nextOffset: string | number, pointer: CheckpointPointer): PartitionOffset {
  const entry: PartitionOffset & { metadata: string } = { partition, offset: String(nextOffset), metadata: encodeCheckpointPointer(pointer) };
  return entry;
}

function isNonNegativeInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function pointerProblem(p: CheckpointPointer): string | null {
  if (p.v !== 1) return 'v must be 1';
  if (!isNonNegativeInteger(p.offset)) return 'offset must be a non-negative integer';
  if (!isNonNegativeInteger(p.chunks) || p.chunks < 1) return 'chunks must be a positive integer';
  if (!isNonNegativeInteger(p.bytes)) return 'bytes must be a non-negative integer';
  if (p.chunks > Math.max(1, p.bytes)) return 'more chunks than bytes';
  if (typeof p.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(p.sha256)) return 'sha256 must be 64 lower-case hex digits';
  if (typeof p.covered !== 'object' || p.covered === null) return 'covered must be an object';
  for (const [topic, offset] of Object.entries(p.covered)) {
    if (topic.length === 0 || !isNonNegativeInteger(offset)) return `covered[${JSON.stringify(topic)}] must be a non-negative integer offset`;
  }
  if (typeof p.at !== 'number' || !Number.isFinite(p.at)) return 'at must be a finite number';
  return null;
}

export interface CheckpointReadRequest {
  partition: number;
  pointer: CheckpointPointer;
}

/** Per-partition progress of one read. */
interface PartitionRead {
  partition: number;
  pointer: CheckpointPointer;
  chunks: Buffer[];
  /** Highest offset already looked at (records are fetched again after a seek: they are skipped). */
  position: number;
  result?: Buffer;
  error?: DriftwatchError;
}

/** Per partition: the payload, or why there is none (a DRIFTWATCH_CHECKPOINT_MISSING or _CORRUPT error). */
export type CheckpointReadResult = { ok: true; payload: Buffer } | { ok: false; error: DriftwatchError };

/** Reads checkpoints with a throwaway read_committed consumer (kafkajs has no manual assignment). */
export class CheckpointReader {
  constructor(
    private readonly kafka: Kafka,
    private readonly config: Readonly<DriftwatchConfig>,
    private readonly logger: Logger,
  ) {}

  /**
   * Reads the payloads of several partitions' checkpoints in one consumer session (read_committed);
   * verifies chunk count, length and sha256. Rejects with DriftwatchError
   * 'DRIFTWATCH_CHECKPOINT_MISSING' (records gone, or not found within timeoutMs, default 30 s) or
   * 'DRIFTWATCH_CHECKPOINT_CORRUPT' — the first failing partition fails the whole read; use
   * `readEach` to keep the partitions that could be read.
   *
   * `error.retryable` tells the two kinds of MISSING apart: true = nothing is known (timeout, broker
   * unreachable, consumer crashed) and the caller should try again rather than start from empty
   * state; false = the records are definitely not there (compacted away, deleted, aborted, no such
   * partition): starting fresh from the committed offsets is all that is left. The checkpoint of a
   * pointer read from committed offsets is itself committed, so "not visible yet" only lasts while
   * the commit markers are being written; a timeout long after that is a broker problem.
   */
  async read(requests: readonly CheckpointReadRequest[], options: { timeoutMs?: number } = {}): Promise<Map<number, Buffer>> {
    const outcomes = await this.readEach(requests, options);
    const result = new Map<number, Buffer>();
    for (const [partition, outcome] of outcomes) {
      if (!outcome.ok) throw outcome.error;
      result.set(partition, outcome.payload);
    }
    return result;
  }

  /**
   * Like `read`, but every partition gets its own outcome: one partition's checkpoint being gone
   * does not cost the others theirs. Never rejects for a partition's problem (only for invalid
   * requests: a partition twice, a malformed pointer — DRIFTWATCH_INVALID_PARAMETER).
   */
  async readEach(requests: readonly CheckpointReadRequest[], options: { timeoutMs?: number } = {}): Promise<Map<number, CheckpointReadResult>> {
    const reads = new Map<number, PartitionRead>();
    for (const { partition, pointer } of requests) {
      if (reads.has(partition)) throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `checkpoint partition ${partition} requested twice`);
      const problem = pointerProblem(pointer);
      if (problem !== null) throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `not a valid checkpoint pointer for partition ${partition}: ${problem}`);
      reads.set(partition, { partition, pointer, chunks: [], position: pointer.offset - 1 });
    }
    if (reads.size > 0) await this.session(reads, options.timeoutMs ?? 30_000);
    const outcomes = new Map<number, CheckpointReadResult>();
    for (const read of reads.values()) {
      // session() leaves every read with a result or an error.
      outcomes.set(read.partition, read.result !== undefined ? { ok: true, payload: read.result } : { ok: false, error: read.error! });
    }
    return outcomes;
  }

  private async session(reads: Map<number, PartitionRead>, timeoutMs: number): Promise<void> {
    const topic = this.config.kafka.topics.checkpoints;
    const started = Date.now();
    const pending = (): PartitionRead[] => [...reads.values()].filter((r) => r.result === undefined && r.error === undefined);
    let partitions: number[];
    let admission: NodeJS.Timeout | undefined;
    try {
      // Bounded by the same timeout: against an unreachable broker kafkajs' own retries take longer.
      partitions = await Promise.race([
        this.checkPresent(topic, reads),
        new Promise<never>((_, reject) => {
          admission = setTimeout(() => reject(new Error(`the broker did not answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (e) {
      for (const read of reads.values()) read.error ??= unavailable(topic, e);
      return;
    } finally {
      clearTimeout(admission);
    }
    if (pending().length === 0) return;

    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    let over = false;
    /** Records the outcome of one partition: its payload or why there is none. */
    const settle = (read: PartitionRead, outcome: Buffer | DriftwatchError): void => {
      if (over || read.result !== undefined || read.error !== undefined) return;
      if (outcome instanceof DriftwatchError) read.error = outcome;
      else read.result = outcome;
      if (pending().length === 0) {
        over = true;
        done();
      }
    };
    const failAll = (error: DriftwatchError): void => {
      for (const read of pending()) settle(read, error);
    };

    const consumer = this.kafka.consumer({
      // A fresh group each time: never shares offsets or assignments with anybody, commits nothing
      // (autoCommit off), so the broker drops it once it is empty.
      groupId: `${this.config.kafka.groupId}.checkpoint-reader.${randomUUID()}`,
      allowAutoTopicCreation: false,
      readUncommitted: false,
      maxWaitTimeInMs: 100,
      // A checkpoint sent in one request is one record batch. The broker returns a first batch even
      // when it is larger than these limits (KIP-74), so they only bound how much one fetch buffers
      // (restore runs next to the live partitions); 16 MiB fetches a typical checkpoint in one go.
      maxBytesPerPartition: 16 * 1024 * 1024,
      maxBytes: 64 * 1024 * 1024,
      retry: { retries: 5 },
    });
    const timer = setTimeout(() => {
      for (const read of pending()) {
        settle(
          read,
          new DriftwatchError(
            'DRIFTWATCH_CHECKPOINT_MISSING',
            `checkpoint of partition ${read.partition} at ${topic}@${read.pointer.offset}: not found within ${timeoutMs} ms (${read.chunks.length} of ${read.pointer.chunks} chunks read)`,
            { retryable: true, details: { topic, partition: read.partition, offset: read.pointer.offset, chunks: read.pointer.chunks, timeoutMs } },
          ),
        );
      }
    }, Math.max(0, started + timeoutMs - Date.now()));
    const removeListeners = [
      consumer.on(consumer.events.CRASH, (event) => failAll(unavailable(topic, event.payload.error))),
      // Batches whose records were ALL filtered out (aborted transactions, transaction markers) never
      // reach eachBatch; this event still says how far the fetch got.
      consumer.on(consumer.events.START_BATCH_PROCESS, (event) => {
        const { topic: t, partition, batchSize, lastOffset, highWatermark } = event.payload;
        const read = reads.get(partition);
        if (t !== topic || batchSize !== 0 || read === undefined || over) return;
        this.advance(read, [], Number(lastOffset), Number(highWatermark), settle);
      }),
    ];
    const run = async (): Promise<void> => {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const read = reads.get(batch.partition);
          if (batch.topic !== topic || read === undefined || over) return;
          this.advance(read, batch.messages, Number(batch.lastOffset()), Number(batch.highWatermark), settle);
        },
      });
      // run() resolves after the group join; the seeks apply before the first fetch of each partition.
      const wanted = pending();
      for (const read of wanted) consumer.seek({ topic, partition: read.partition, offset: String(read.pointer.offset) });
      const others = partitions.filter((p) => !wanted.some((r) => r.partition === p));
      if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
    };
    try {
      // The timeout also bounds a connect or group join that hangs (broker down): the session is
      // raced, not awaited, and its late failure lands in failAll(), which is a no-op by then.
      run().catch((e: unknown) => failAll(unavailable(topic, e)));
      await finished;
    } finally {
      clearTimeout(timer);
      for (const remove of removeListeners) remove();
      over = true;
      await consumer.disconnect().catch((e: unknown) => this.logger.warn({ err: e }, 'checkpoint reader: disconnect failed'));
    }
    const read = [...reads.values()].filter((r) => r.result !== undefined);
    this.logger.debug(
      {
        topic,
        read: read.map((r) => r.partition),
        failed: [...reads.values()].filter((r) => r.error !== undefined).map((r) => ({ partition: r.partition, code: r.error!.code })),
        bytes: read.reduce((sum, r) => sum + r.result!.length, 0),
        ms: Date.now() - started,
      },
      'checkpoints read',
    );
  }

  /**
   * Partition ids of the checkpoint topic; settles at once the reads whose partition does not exist
   * or whose pointer lies below the partition's log start (records deleted).
   */
  private async checkPresent(topic: string, reads: Map<number, PartitionRead>): Promise<number[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      const low = new Map(offsets.map((o) => [o.partition, Number(o.low)]));
      for (const read of reads.values()) {
        const start = low.get(read.partition);
        if (start === undefined) read.error = missing(topic, read, `the topic has no partition ${read.partition}`);
        else if (read.pointer.offset < start) read.error = missing(topic, read, `the partition starts at offset ${start} now (records deleted)`);
      }
      return [...low.keys()];
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Consumes the visible records of one fetched batch (offset order) and the offset the fetch got
   * to. Chunk i is the next visible record after chunk i-1: chunk 0 must sit exactly at the
   * pointer's offset; a later chunk that is not where expected means the checkpoint was partly
   * compacted away (a newer one superseded it) or the pointer belongs to another topic incarnation.
   */
  private advance(
    read: PartitionRead,
    messages: readonly KafkaMessage[],
    lastOffset: number,
    highWatermark: number,
    settle: (read: PartitionRead, outcome: Buffer | DriftwatchError) => void,
  ): void {
    if (read.result !== undefined || read.error !== undefined) return;
    const { pointer, partition } = read;
    const topic = this.config.kafka.topics.checkpoints;
    for (const m of messages) {
      const offset = Number(m.offset);
      if (offset <= read.position) continue; // before the pointer, or fetched again after the seek
      const i = read.chunks.length;
      const expectedOffset = pointer.offset + i;
      const gap = offset > (i === 0 ? pointer.offset : read.position + 1);
      read.position = offset;
      const problem = chunkProblem(m, partition, i, pointer);
      if (problem !== null) {
        if (i === 0 && offset > pointer.offset) {
          return settle(read, missing(topic, read, `no visible record at offset ${pointer.offset} (compacted, deleted or aborted); the next is at ${offset}`));
        }
        if (gap) return settle(read, missing(topic, read, `chunk ${i} is gone (expected at offset ${expectedOffset}, next visible record at ${offset}: ${problem})`));
        return settle(read, corrupt(topic, read, `the record at offset ${offset} is not chunk ${i} of this checkpoint: ${problem}`));
      }
      read.chunks.push(m.value ?? Buffer.alloc(0));
      if (read.chunks.length === pointer.chunks) {
        const payload = Buffer.concat(read.chunks);
        read.chunks = [];
        if (payload.length !== pointer.bytes) return settle(read, corrupt(topic, read, `payload has ${payload.length} bytes, the pointer says ${pointer.bytes}`));
        const sha = checkpointSha256(payload);
        if (sha !== pointer.sha256) return settle(read, corrupt(topic, read, `payload sha256 ${sha} differs from the pointer's ${pointer.sha256}`));
        return settle(read, payload);
      }
    }
    // The fetch reached the end of the partition (every record up to the high watermark seen,
    // aborted ones filtered out) without the checkpoint being complete: it is not there. A fetch
    // that stops at the last stable offset (a transaction still open) ends below the high
    // watermark and keeps us waiting, which is right while a commit's markers are being written.
    if (lastOffset >= highWatermark - 1 && lastOffset >= pointer.offset) {
      read.position = Math.max(read.position, lastOffset);
      settle(read, missing(topic, read, `reached the end of the partition (offset ${highWatermark}) with ${read.chunks.length} of ${pointer.chunks} chunks visible`));
    }
  }
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

function chunkProblem(m: KafkaMessage, partition: number, i: number, pointer: CheckpointPointer): string | null {
  const key = m.key?.toString();
  if (key !== `${partition}/${i}`) return `key ${JSON.stringify(key)}, expected "${partition}/${i}"`;
  const sha = header(m.headers, SHA256_HEADER);
  if (sha !== pointer.sha256) return `${SHA256_HEADER} ${JSON.stringify(sha)}, expected ${pointer.sha256}`;
  const chunk = header(m.headers, CHUNK_HEADER);
  if (chunk !== `${i}/${pointer.chunks}`) return `${CHUNK_HEADER} ${JSON.stringify(chunk)}, expected "${i}/${pointer.chunks}"`;
  return null;
}

function missing(topic: string, read: PartitionRead, why: string): DriftwatchError {
  return new DriftwatchError('DRIFTWATCH_CHECKPOINT_MISSING', `checkpoint of partition ${read.partition} at ${topic}@${read.pointer.offset}: ${why}`, {
    details: { topic, partition: read.partition, offset: read.pointer.offset, chunks: read.pointer.chunks },
  });
}

/** The broker could not be asked (down, unauthorised, ...): nothing is known about the checkpoint, try again. */
function unavailable(topic: string, cause: unknown): DriftwatchError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new DriftwatchError('DRIFTWATCH_CHECKPOINT_MISSING', `reading checkpoints from ${topic} failed: ${message}`, { retryable: true, cause, details: { topic } });
}

function corrupt(topic: string, read: PartitionRead, why: string): DriftwatchError {
  return new DriftwatchError('DRIFTWATCH_CHECKPOINT_CORRUPT', `checkpoint of partition ${read.partition} at ${topic}@${read.pointer.offset}: ${why}`, {
    details: { topic, partition: read.partition, offset: read.pointer.offset, chunks: read.pointer.chunks },
  });
}
