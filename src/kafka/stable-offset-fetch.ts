/**
 * Committed offsets that include every completed transaction: OffsetFetch v7 with `require_stable`
 * (KIP-447), which Java consumers send and kafkajs 2.2 cannot (its OffsetFetch stops at v4).
 *
 * Why it matters: the broker's group coordinator applies a transaction's offsets to what OffsetFetch
 * returns only after the commit markers are written, on its own scheduler thread. Measured on the
 * harness broker, offsets of a transaction committed 30–230 ms before a plain OffsetFetch were
 * missing from its answer in 7 of 40 reads — also when a new producer had initialised the same
 * transactional id in between (5 of 40). A take-over that starts from such an answer processes
 * committed records again, with their outputs: duplicate alerts and DLQ entries. With
 * `require_stable` the coordinator answers UNSTABLE_OFFSET_COMMIT for a partition while a
 * transaction's offsets for it are pending; the reader waits and asks again.
 *
 * kafkajs has no public way to send a request it does not know, so this module uses three of its
 * internals, all present in the pinned kafkajs 2.2.4 (package.json): the Kafka instance's cluster
 * factory (so that brokers, TLS, SASL and the logger are exactly the service's), the group
 * coordinator broker's connection pool, and its protocol Encoder/Decoder (compact strings,
 * varints, tagged fields: the "flexible" encoding of v6+). `StableOffsetReader.connect()` checks
 * that the factory is there and fails with DRIFTWATCH_KAFKA_CLIENT_UNSUPPORTED otherwise, so a
 * kafkajs upgrade that removes it is noticed at start, not during a take-over. A coordinator older
 * than Kafka 2.5 (no v7) is asked with kafkajs' own OffsetFetch, with a warning.
 */
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DriftwatchError } from '../../detectors/errors';
import { Backoff } from './backoff';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals, see the file comment */
const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkajsEncoder;
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => KafkajsDecoder;
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };
/* eslint-enable @typescript-eslint/no-require-imports */

interface KafkajsEncoder {
  writeInt32(v: number): KafkajsEncoder;
  writeBoolean(v: boolean): KafkajsEncoder;
  writeUVarIntString(v: string): KafkajsEncoder;
  writeUVarIntBytes(v?: Buffer | null): KafkajsEncoder;
  writeUVarIntArray(v: KafkajsEncoder[]): KafkajsEncoder;
}

interface KafkajsDecoder {
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readUVarIntString(): string | null;
  readUVarIntArray<T>(reader: (d: KafkajsDecoder) => T): T[] | null;
  readTaggedFields(): unknown;
}

interface ProtocolRequest {
  request: { apiKey: number; apiVersion: number; apiName: string; encode(): Promise<KafkajsEncoder> };
  response: { decode(raw: Buffer): Promise<OffsetFetchAnswer>; parse(decoded: OffsetFetchAnswer): Promise<OffsetFetchAnswer> };
}

interface KafkajsBroker {
  versions: Record<number, { minVersion: number; maxVersion: number }> | null;
  connectionPool: { send(request: ProtocolRequest): Promise<OffsetFetchAnswer> };
  offsetFetch(args: { groupId: string; topics: { topic: string; partitions: { partition: number }[] }[] }): Promise<{ responses: CommittedTopic[] }>;
}

interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(args: { groupId: string }): Promise<KafkajsBroker>;
}

/** The partitions of one topic to read the committed offsets of. */
export interface TopicPartitions {
  topic: string;
  partitions: readonly number[];
}

/** Same shape as kafkajs' `admin.fetchOffsets` answer; offset -1 = nothing committed. */
export interface CommittedTopic {
  topic: string;
  partitions: { partition: number; offset: string; metadata: string | null }[];
}

interface OffsetFetchAnswer {
  errorCode: number;
  topics: { topic: string; partitions: { partition: number; offset: string; metadata: string | null; errorCode: number }[] }[];
}

const OFFSET_FETCH_API_KEY = 9;
const STABLE_VERSION = 7;
const UNSTABLE_OFFSET_COMMIT = 88;
/** COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR: waited out like pending offsets. */
const COORDINATOR_MOVING = new Set([14, 15, 16]);
/** How long pending offsets are waited for before the read fails (retryable): the longest a transaction can stay open is its timeout (60 s). */
const DEFAULT_MAX_WAIT_MS = 60_000;

export class StableOffsetReader {
  private cluster: KafkajsCluster | null = null;
  private warnedOldBroker = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly logger: Logger,
    private readonly maxWaitMs = DEFAULT_MAX_WAIT_MS,
  ) {}

  async connect(): Promise<void> {
    const factory = Object.getOwnPropertySymbols(this.kafka).find((s) => s.description === 'private:Kafka:createCluster');
    const create = factory === undefined ? undefined : (this.kafka as unknown as Record<symbol, unknown>)[factory];
    if (typeof create !== 'function') {
      throw new DriftwatchError('DRIFTWATCH_KAFKA_CLIENT_UNSUPPORTED', 'this kafkajs version has no cluster factory to read stable committed offsets with; driftwatch needs kafkajs 2.2.x');
    }
    const cluster = (create as (o: object) => KafkajsCluster)({ allowAutoTopicCreation: false });
    await cluster.connect();
    this.cluster = cluster;
  }

  async disconnect(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = null;
    await cluster?.disconnect();
  }

  /**
   * The group's committed offsets (with their metadata) of the given topic-partitions, waiting
   * while a transaction's offsets for any of them are pending and while the group coordinator is
   * loading or moving. Throws kafkajs errors (connection lost; the coordinator still not ready
   * after maxWaitMs) for the caller to retry, and a retryable DRIFTWATCH_OFFSETS_UNSTABLE when
   * offsets stay pending longer than maxWaitMs.
   */
  async fetch(groupId: string, topics: readonly TopicPartitions[]): Promise<CommittedTopic[]> {
    if (this.cluster === null) throw new DriftwatchError('DRIFTWATCH_OFFSET_READER_CLOSED', 'committed offsets cannot be read: the offset reader is not connected (not started yet, or stopped)');
    const backoff = new Backoff(10, 500);
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const coordinator = await this.cluster.findGroupCoordinator({ groupId });
      if ((coordinator.versions?.[OFFSET_FETCH_API_KEY]?.maxVersion ?? 0) < STABLE_VERSION) return this.fetchUnstable(coordinator, groupId, topics);
      const answer = await coordinator.connectionPool.send(offsetFetchV7(groupId, topics));
      if (COORDINATOR_MOVING.has(answer.errorCode) && Date.now() + backoff.nextMs <= deadline) {
        // Brief by nature (offsets topic loading, leadership moving); kafkajs' own fetchOffsets
        // retries these too. The coordinator is looked up again on the next round.
        this.logger.debug({ groupId, errorCode: answer.errorCode }, 'group coordinator not ready; asking again');
        await backoff.wait();
        continue;
      }
      if (answer.errorCode !== 0) throw createErrorFromCode(answer.errorCode);
      const unstable: string[] = [];
      for (const t of answer.topics) {
        for (const p of t.partitions) {
          if (p.errorCode === UNSTABLE_OFFSET_COMMIT) unstable.push(`${t.topic}/${p.partition}`);
          else if (p.errorCode !== 0) throw createErrorFromCode(p.errorCode);
        }
      }
      if (unstable.length === 0) {
        return answer.topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map(({ partition, offset, metadata }) => ({ partition, offset, metadata })) }));
      }
      if (Date.now() + backoff.nextMs > deadline) {
        throw new DriftwatchError('DRIFTWATCH_OFFSETS_UNSTABLE', `committed offsets of ${unstable.join(', ')} stayed pending (an open transaction) for ${this.maxWaitMs} ms`, {
          retryable: true,
          details: { groupId, partitions: unstable },
        });
      }
      this.logger.debug({ groupId, unstable }, 'committed offsets pending a transaction; reading again');
      await backoff.wait();
    }
  }

  private async fetchUnstable(coordinator: KafkajsBroker, groupId: string, topics: readonly TopicPartitions[]): Promise<CommittedTopic[]> {
    if (!this.warnedOldBroker) {
      this.warnedOldBroker = true;
      this.logger.warn({ groupId }, 'the group coordinator does not support OffsetFetch v7 (Kafka < 2.5): committed offsets are read without require_stable and may miss a transaction that just completed');
    }
    const { responses } = await coordinator.offsetFetch({ groupId, topics: topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((partition) => ({ partition })) })) });
    return responses.map((t) => ({ topic: t.topic, partitions: t.partitions.map(({ partition, offset, metadata }) => ({ partition, offset, metadata: metadata ?? null })) }));
  }
}

/**
 * OffsetFetch Request (Version: 7) => group_id [topics] require_stable TAG_BUFFER
 *   group_id => COMPACT_STRING; topics => name [partition_indexes] TAG_BUFFER
 * kafkajs writes request header v1; header v2 (flexible requests) only adds an empty tag buffer
 * after it, which is the first byte written here (kafkajs' own flexible requests do the same).
 * The response header v1 likewise adds a tag buffer that the decoder skips first.
 */
function offsetFetchV7(groupId: string, topics: readonly TopicPartitions[]): ProtocolRequest {
  return {
    request: {
      apiKey: OFFSET_FETCH_API_KEY,
      apiVersion: STABLE_VERSION,
      apiName: 'OffsetFetch',
      encode: async () =>
        new Encoder()
          .writeUVarIntBytes()
          .writeUVarIntString(groupId)
          .writeUVarIntArray(
            topics.map((t) =>
              new Encoder()
                .writeUVarIntString(t.topic)
                .writeUVarIntArray(t.partitions.map((p) => new Encoder().writeInt32(p)))
                .writeUVarIntBytes(),
            ),
          )
          .writeBoolean(true)
          .writeUVarIntBytes(),
    },
    response: { decode: async (raw) => decodeOffsetFetchV7(raw), parse: async (decoded) => decoded },
  };
}

/**
 * OffsetFetch Response (Version: 7) => throttle_time_ms [topics] error_code TAG_BUFFER
 *   topics => name [partitions] TAG_BUFFER
 *     partitions => partition_index committed_offset committed_leader_epoch metadata error_code TAG_BUFFER
 */
function decodeOffsetFetchV7(raw: Buffer): OffsetFetchAnswer {
  const d = new Decoder(raw);
  d.readTaggedFields(); // response header v1
  d.readInt32(); // throttle_time_ms
  const topics =
    d.readUVarIntArray((dt) => {
      const topic = dt.readUVarIntString() ?? '';
      const partitions =
        dt.readUVarIntArray((dp) => {
          const partition = dp.readInt32();
          const offset = dp.readInt64().toString();
          dp.readInt32(); // committed_leader_epoch
          const metadata = dp.readUVarIntString();
          const errorCode = dp.readInt16();
          dp.readTaggedFields();
          return { partition, offset, metadata, errorCode };
        }) ?? [];
      dt.readTaggedFields();
      return { topic, partitions };
    }) ?? [];
  const errorCode = d.readInt16();
  return { errorCode, topics };
}
