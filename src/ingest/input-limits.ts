import { DriftwatchError } from '../../detectors/errors';

/**
 * Limits on what one record may contain (issue 5 §4: bad input never stops the stream). Every limit
 * is checked while decoding, before any work that grows with the offending value, and a record over a
 * limit is rejected with `DRIFTWATCH_LIMIT_EXCEEDED` naming the limit. The defaults are documented in
 * docs/events.md; `createRecordDecoder(config, { limits })` overrides any of them.
 */
export interface InputLimits {
  /** Raw message value size in bytes (JSON text, Avro body incl. Confluent header). Default 1 MiB. */
  readonly maxMessageBytes: number;
  /** Length of any string driftwatch reads (UTF-16 code units), except image data. Default 64 KiB. */
  readonly maxStringLength: number;
  /** Keys in `input.features` (and fields in `segment`). Default 256. */
  readonly maxFeatures: number;
  /** Elements of any array driftwatch reads (e.g. a list `prediction`). Default 4096. */
  readonly maxArrayLength: number;
  /** Nesting depth of the values driftwatch reads; the record itself is depth 1. Default 16. */
  readonly maxDepth: number;
  /** Decoded size of `input.image.data` in bytes. Default 8 MiB. */
  readonly maxImageBytes: number;
  /**
   * Pixels (width × height) of an image decoded for brightness: a guard against decompression bombs
   * and against images that cost a worker too long (jpeg-js needs 0.4–1.1 s for 4 MP on the development
   * machine; a highly compressible 16 MP JPEG fits in a 1 MiB message). Default 4 Mi pixels (2048²).
   */
  readonly maxImagePixels: number;
}

export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = Object.freeze({
  maxMessageBytes: 1024 * 1024,
  maxStringLength: 64 * 1024,
  maxFeatures: 256,
  maxArrayLength: 4096,
  maxDepth: 16,
  maxImageBytes: 8 * 1024 * 1024,
  maxImagePixels: 4 * 1024 * 1024,
});

/**
 * Event-time bounds. Alerts are a function of the events only (DESIGN §2.2), so the plausibility check
 * on `ts` must not read the wall clock: a fixed window [2000-01-01, 2200-01-01) is used instead of
 * "now ± slack". A ts outside it is rejected with `DRIFTWATCH_TS_OUT_OF_RANGE`.
 */
export const MIN_EVENT_TS = Date.UTC(2000, 0, 1); // 946684800000
export const MAX_EVENT_TS = Date.UTC(2200, 0, 1); // 7258118400000 (exclusive)

/** Merges user overrides onto the defaults, rejecting anything that is not a positive integer. */
export function resolveInputLimits(overrides: Partial<InputLimits> | undefined): Readonly<InputLimits> {
  if (overrides === undefined) return DEFAULT_INPUT_LIMITS;
  const merged: Record<string, number> = { ...DEFAULT_INPUT_LIMITS };
  for (const key of Object.keys(DEFAULT_INPUT_LIMITS)) {
    const v = (overrides as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `input limit ${key} must be a positive integer, got ${String(v)}`);
    }
    merged[key] = v;
  }
  return Object.freeze(merged as unknown as InputLimits);
}
