/**
 * What crosses from Kafka (or a replay file) into the pipeline: one record, raw bytes and its
 * coordinates. The same type feeds the live service and `driftwatch replay`, so both run the exact
 * same decoding and detection code.
 */

/** The role a topic plays; topic names are configurable, roles are not. */
export type TopicRole = 'inputs' | 'outputs' | 'feedback';

/** Fixed rank of each role, used to break event-time ties deterministically (inputs first). */
export const ROLE_RANK: Readonly<Record<TopicRole, number>> = { inputs: 0, outputs: 1, feedback: 2 };

export interface SourceRecord {
  role: TopicRole;
  /** The Kafka topic name the record came from (for DLQ entries and alert `sources`). */
  topic: string;
  partition: number;
  /** Kafka offset. Offsets stay below 2^53 in any realistic topic, so a number is exact. */
  offset: number;
  /** Message key (the model id by contract), or null. */
  key: Uint8Array | null;
  /** Raw message value: JSON text, Avro binary or Confluent-framed Avro. */
  value: Uint8Array;
}
