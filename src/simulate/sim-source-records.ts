/**
 * Turns simulator records into Kafka-like SourceRecords: partition = hash(key) mod partitions (a
 * stable FNV-1a hash, so a model always lands on the same partition of every topic, as the
 * co-partitioning contract requires) and offsets counted per topic-partition in production order.
 * Values are JSON text unless an encoder is given (e.g. the DECODE engineer's `encodeEvent` for Avro).
 */
import type { SourceRecord, TopicRole } from '../pipeline/records';
import type { SimRecord } from './speech-traffic';

export type ValueEncoder = (value: Record<string, unknown>, role: TopicRole) => Uint8Array;

const UTF8 = new TextEncoder();

const imul = Math.imul;

/** FNV-1a 32-bit of a string's UTF-16 code units. */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class SimSourceRecords {
  private readonly offsets = new Map<string, number>();

  constructor(
    readonly partitions = 1,
    private readonly encode: ValueEncoder = (v) => UTF8.encode(JSON.stringify(v)),
  ) {}

  partitionOf(key: string): number {
    return keyHash(key) % this.partitions;
  }

  toSource(r: SimRecord): SourceRecord {
    const partition = this.partitionOf(r.key);
    const tp = `${r.topic}\u001f${partition}`;
    const offset = this.offsets.get(tp) ?? 0;
    this.offsets.set(tp, offset + 1);
    return { role: r.role, topic: r.topic, partition, offset, key: UTF8.encode(r.key), value: this.encode(r.value, r.role) };
  }
}
