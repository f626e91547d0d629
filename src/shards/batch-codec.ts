/**
 * Packs one kafkajs batch (one topic-partition) into ONE ArrayBuffer so that it can be transferred
 * to a shard worker (moved, zero-copy) instead of structured-cloning thousands of small objects.
 * The worker unpacks it into SourceRecords whose key/value are views into the same buffer.
 *
 * Layout (little-endian; the float array starts 8-byte aligned so it can be read as a typed array):
 *   0  u32 magic 'DWB1'
 *   4  u8  role (0 inputs, 1 outputs, 2 feedback), 3 bytes padding
 *   8  u32 partition
 *  12  u32 record count n
 *  16  u32 topic byte length
 *  20  u32 padding
 *  24  f64[n]  offsets
 *      i32[n]  key byte lengths (-1 = null key)
 *      u32[n]  value byte lengths
 *      topic bytes (UTF-8), then key and value bytes of each record in order
 */
import { DriftwatchError } from '../../detectors/errors';
import type { SourceRecord, TopicRole } from '../pipeline/records';

const MAGIC = 0x31425744; // 'DWB1' read as little-endian u32
const HEADER_BYTES = 24;
const ROLES: readonly TopicRole[] = ['inputs', 'outputs', 'feedback'];

/** The subset of a kafkajs message the codec needs (kafkajs gives offsets as decimal strings). */
export interface BatchMessage {
  offset: string | number;
  key: Uint8Array | null;
  value: Uint8Array | null;
}

export interface DecodedBatch {
  role: TopicRole;
  topic: string;
  partition: number;
  records: SourceRecord[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Packs the messages of one topic-partition batch; a null value (tombstone) becomes empty bytes. */
export function encodeBatch(role: TopicRole, topic: string, partition: number, messages: readonly BatchMessage[]): ArrayBuffer {
  const n = messages.length;
  const topicBytes = encoder.encode(topic);
  let dataBytes = topicBytes.length;
  for (const m of messages) dataBytes += (m.key?.length ?? 0) + (m.value?.length ?? 0);
  const buffer = new ArrayBuffer(HEADER_BYTES + 16 * n + dataBytes);
  const view = new DataView(buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint8(4, ROLES.indexOf(role));
  view.setUint32(8, partition, true);
  view.setUint32(12, n, true);
  view.setUint32(16, topicBytes.length, true);
  const offsets = new Float64Array(buffer, HEADER_BYTES, n);
  const keyLengths = new Int32Array(buffer, HEADER_BYTES + 8 * n, n);
  const valueLengths = new Uint32Array(buffer, HEADER_BYTES + 12 * n, n);
  const bytes = new Uint8Array(buffer);
  let at = HEADER_BYTES + 16 * n;
  bytes.set(topicBytes, at);
  at += topicBytes.length;
  for (let i = 0; i < n; i++) {
    const m = messages[i]!;
    offsets[i] = Number(m.offset);
    if (m.key === null) {
      keyLengths[i] = -1;
    } else {
      keyLengths[i] = m.key.length;
      bytes.set(m.key, at);
      at += m.key.length;
    }
    const value = m.value ?? new Uint8Array(0);
    valueLengths[i] = value.length;
    bytes.set(value, at);
    at += value.length;
  }
  return buffer;
}

/** Unpacks a buffer built by encodeBatch; keys and values are views into `buffer` (no copies). */
export function decodeBatch(buffer: ArrayBuffer): DecodedBatch {
  const view = new DataView(buffer);
  if (buffer.byteLength < HEADER_BYTES || view.getUint32(0, true) !== MAGIC) {
    throw new DriftwatchError('DRIFTWATCH_SHARD_BATCH_CORRUPT', 'shard batch buffer does not start with the batch-codec header', {
      details: { byteLength: buffer.byteLength },
    });
  }
  const role = ROLES[view.getUint8(4)];
  const partition = view.getUint32(8, true);
  const n = view.getUint32(12, true);
  const topicLength = view.getUint32(16, true);
  if (role === undefined || HEADER_BYTES + 16 * n + topicLength > buffer.byteLength) {
    throw new DriftwatchError('DRIFTWATCH_SHARD_BATCH_CORRUPT', 'shard batch buffer header is inconsistent with its length', {
      details: { byteLength: buffer.byteLength, count: n, topicLength },
    });
  }
  const offsets = new Float64Array(buffer, HEADER_BYTES, n);
  const keyLengths = new Int32Array(buffer, HEADER_BYTES + 8 * n, n);
  const valueLengths = new Uint32Array(buffer, HEADER_BYTES + 12 * n, n);
  let at = HEADER_BYTES + 16 * n;
  const topic = decoder.decode(new Uint8Array(buffer, at, topicLength));
  at += topicLength;
  const records: SourceRecord[] = new Array<SourceRecord>(n);
  const bytes = new Uint8Array(buffer);
  // Keys repeat (a model id per record): a key with the bytes of the previous one shares its view,
  // one typed-array object less per record on the worker's hot path (the contents are identical).
  let prevKey: Uint8Array | null = null;
  let prevAt = 0;
  for (let i = 0; i < n; i++) {
    const keyLength = keyLengths[i]!;
    let key: Uint8Array | null = null;
    if (keyLength >= 0) {
      if (prevKey !== null && prevKey.length === keyLength && sameRange(bytes, prevAt, at, keyLength)) {
        key = prevKey;
      } else {
        key = new Uint8Array(buffer, at, keyLength);
        prevKey = key;
        prevAt = at;
      }
      at += keyLength;
    }
    const valueLength = valueLengths[i]!;
    const value = new Uint8Array(buffer, at, valueLength);
    at += valueLength;
    records[i] = { role, topic, partition, offset: offsets[i]!, key, value };
  }
  if (at !== buffer.byteLength) {
    throw new DriftwatchError('DRIFTWATCH_SHARD_BATCH_CORRUPT', 'shard batch buffer lengths do not add up to its size', {
      details: { byteLength: buffer.byteLength, expected: at },
    });
  }
  return { role, topic, partition, records };
}

/** bytes[a, a + length) equals bytes[b, b + length). */
function sameRange(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (bytes[a + k] !== bytes[b + k]) return false;
  return true;
}
