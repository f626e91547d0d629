/**
 * Parsing of `driftwatch replay` / `driftwatch baseline` event files (DESIGN.md §2.4): one Kafka
 * record per line, `{"topic": "inference.inputs", "key": "asr-en", "partition": 0, "offset": 17,
 * "value": {...}}`, where `value` is the event object or a string holding the raw message as UTF-8
 * text, and `value_b64` (instead of `value`) carries raw bytes in base64 (Avro, or not UTF-8).
 * `partition` defaults to 0 and `offset` to the next offset of that topic-partition in line order
 * (one more than the previous line's). Lines that are not such records become DLQ entries
 * (topic "" and partition −1 when the line does not say, offset = the 1-based line number), so a
 * bad line never stops a replay. Blank lines are skipped.
 */
import type { DlqEntry } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import type { SourceRecord, TopicRole } from '../pipeline/records';

export type ParsedLine = { ok: true; record: SourceRecord } | { ok: false; dlq: DlqEntry };

const UTF8 = new TextEncoder();
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class ReplayLineParser {
  private readonly roles = new Map<string, TopicRole>();
  private readonly nextOffset = new Map<string, number>();

  constructor(config: Readonly<DriftwatchConfig>) {
    const t = config.kafka.topics;
    this.roles.set(t.inputs, 'inputs');
    this.roles.set(t.outputs, 'outputs');
    this.roles.set(t.feedback, 'feedback');
  }

  /** Parses one line (without its newline); `lineNumber` is 1-based. Null for a blank line. */
  parse(line: string, lineNumber: number): ParsedLine | null {
    if (line.trim() === '') return null;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      return this.bad(line, lineNumber, 'DRIFTWATCH_REPLAY_BAD_LINE', `line ${lineNumber} is not JSON: ${(e as Error).message}`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      return this.bad(line, lineNumber, 'DRIFTWATCH_REPLAY_BAD_LINE', `line ${lineNumber} is not a JSON object`);
    }
    const o = obj as Record<string, unknown>;
    const topic = typeof o.topic === 'string' ? o.topic : null;
    if (topic === null) return this.bad(line, lineNumber, 'DRIFTWATCH_REPLAY_BAD_LINE', `line ${lineNumber} has no "topic" string`);
    const partition = o.partition === undefined || o.partition === null ? 0 : o.partition;
    if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0) {
      return this.bad(line, lineNumber, 'DRIFTWATCH_REPLAY_BAD_LINE', `line ${lineNumber}: "partition" must be an integer ≥ 0`, topic);
    }
    const role = this.roles.get(topic);
    if (role === undefined) {
      return this.bad(line, lineNumber, 'DRIFTWATCH_REPLAY_UNKNOWN_TOPIC', `line ${lineNumber}: topic "${topic}" is none of the configured inputs/outputs/feedback topics`, topic, partition);
    }
    const tp = `${topic}\u001f${partition}`;
    let offset: number;
    if (o.offset === undefined || o.offset === null) offset = this.nextOffset.get(tp) ?? 0;
    else if (typeof o.offset === 'number' && Number.isSafeInteger(o.offset) && o.offset >= 0) offset = o.offset;
    else return this.bad(line, lineNumber, 'DRIFTWATCH_REPLAY_BAD_LINE', `line ${lineNumber}: "offset" must be an integer ≥ 0`, topic, partition);
    let key: Uint8Array | null = null;
    if (typeof o.key === 'string') key = UTF8.encode(o.key);
    else if (o.key !== undefined && o.key !== null) {
      return this.bad(line, lineNumber, 'DRIFTWATCH_REPLAY_BAD_LINE', `line ${lineNumber}: "key" must be a string or null`, topic, partition, offset);
    }
    let value: Uint8Array;
    if (typeof o.value_b64 === 'string') {
      if (!B64.test(o.value_b64)) {
        return this.bad(line, lineNumber, 'DRIFTWATCH_REPLAY_BAD_LINE', `line ${lineNumber}: "value_b64" is not base64`, topic, partition, offset);
      }
      value = new Uint8Array(Buffer.from(o.value_b64, 'base64'));
    } else if (typeof o.value === 'string') value = UTF8.encode(o.value);
    else if (o.value !== undefined) value = UTF8.encode(JSON.stringify(o.value));
    else return this.bad(line, lineNumber, 'DRIFTWATCH_REPLAY_BAD_LINE', `line ${lineNumber} has neither "value" nor "value_b64"`, topic, partition, offset);
    this.nextOffset.set(tp, offset + 1);
    return { ok: true, record: { role, topic, partition, offset, key, value } };
  }

  private bad(line: string, lineNumber: number, code: string, message: string, topic = '', partition = -1, offset = lineNumber): ParsedLine {
    return {
      ok: false,
      dlq: { topic, partition, offset, error_code: code, error_message: message, value_b64: Buffer.from(line, 'utf8').toString('base64'), key: null },
    };
  }
}
