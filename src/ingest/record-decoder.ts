import type { DriftwatchConfig } from '../config/config-types';
import type { InferenceEvent } from '../pipeline/events';
import type { SourceRecord } from '../pipeline/records';
import { DecodeReject } from './decode-reject';
import { extractEvent } from './event-extractor';
import { resolveInputLimits, type InputLimits } from './input-limits';

/**
 * Raw record → validated event (DESIGN §2.1). A decoder never throws for bad input: every record that
 * cannot be decoded or validated yields `{ ok: false, code, message }` with a specific
 * `DRIFTWATCH_*` code (docs/error-codes.md), which the pipeline turns into a DLQ entry.
 */
export type DecodeResult = { ok: true; event: InferenceEvent } | { ok: false; code: string; message: string };

export type RecordDecoder = (record: SourceRecord) => DecodeResult;

export interface RecordDecoderOptions {
  /** Overrides of the input limits (src/ingest/input-limits.ts); defaults otherwise. */
  limits?: Partial<InputLimits>;
}

// `fatal` makes invalid UTF-8 an error instead of U+FFFD replacement characters.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Builds a decoder for `config.kafka.format`. First version: JSON only (Avro follows). */
export function createRecordDecoder(config: Readonly<DriftwatchConfig>, options: RecordDecoderOptions = {}): RecordDecoder {
  const limits = resolveInputLimits(options.limits);
  void config;
  return (record: SourceRecord): DecodeResult => {
    try {
      const value = record.value;
      if (value.length === 0) return fail('DRIFTWATCH_EMPTY_MESSAGE', 'the message value is empty');
      if (value.length > limits.maxMessageBytes) {
        return fail('DRIFTWATCH_LIMIT_EXCEEDED', `message of ${value.length} bytes exceeds maxMessageBytes (${limits.maxMessageBytes})`);
      }
      let text: string;
      try {
        text = UTF8.decode(value);
      } catch {
        return fail('DRIFTWATCH_NOT_UTF8', 'the message value is not valid UTF-8');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        return fail('DRIFTWATCH_INVALID_JSON', `the message value is not JSON: ${(e as Error).message}`);
      }
      return { ok: true, event: extractEvent(record.role, parsed, limits) };
    } catch (e) {
      if (e instanceof DecodeReject) return { ok: false, code: e.code, message: e.message };
      return fail('DRIFTWATCH_DECODE_FAILED', `unexpected decoder failure: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
}

function fail(code: string, message: string): DecodeResult {
  return { ok: false, code, message };
}
