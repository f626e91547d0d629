import { DriftwatchError } from '../../detectors/errors';
import { configSchema } from '../config/config-schema';

/**
 * Limits on what one record may contain (issue 5 §4: bad input never stops the stream). Every limit
 * is checked while decoding, before any work that grows with the offending value, and a record over a
 * limit is rejected with `DRIFTWATCH_LIMIT_EXCEEDED` naming the limit (DecodeResult.limit, counted as
 * `driftwatch_limit_hits_total{limit}`). The values come from `config.limits.*`; the defaults live in
 * ONE place, the config schema (src/config/config-schema.ts), and are documented in docs/events.md.
 */
export interface InputLimits {
  /** Raw message value size in bytes (JSON text, Avro body incl. Confluent header). */
  readonly maxMessageBytes: number;
  /** Length of any string driftwatch reads (UTF-16 code units), except image data. */
  readonly maxStringLength: number;
  /** Keys in `input.features` (and fields in `segment`, entries of an Avro map). */
  readonly maxFeatures: number;
  /** Elements of any array driftwatch reads (e.g. a list `prediction`). */
  readonly maxArrayLength: number;
  /** Nesting depth of the values driftwatch reads; the record itself is depth 1. */
  readonly maxDepth: number;
  /** Decoded size of `input.image.data` in bytes. */
  readonly maxImageBytes: number;
  /**
   * Pixels (width × height) of an image decoded for brightness: a guard against decompression bombs
   * and against images that cost a worker too long (jpeg-js needs 0.4–1.1 s for 4 MP on the development
   * machine; a highly compressible 16 MP JPEG fits in a 1 MiB message).
   */
  readonly maxImagePixels: number;
}

/** The name of an input limit (= its key under `config.limits`), as DLQ rejections and metrics name it. */
export type InputLimitName = keyof InputLimits;

/**
 * The schema's defaults (what `config.limits` is when nothing is configured). Kept as an export for
 * code that decodes without a config (alert decoding, image tests); it is derived, not a second copy.
 */
export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = Object.freeze(configSchema.shape.limits.parse(undefined));

/** Every limit name, in the schema's order. */
export const INPUT_LIMIT_NAMES: readonly InputLimitName[] = Object.freeze(Object.keys(DEFAULT_INPUT_LIMITS) as InputLimitName[]);

/**
 * Event-time bounds. Alerts are a function of the events only (DESIGN §2.2), so the plausibility check
 * on `ts` must not read the wall clock: a fixed window [2000-01-01, 2200-01-01) is used instead of
 * "now ± slack". A ts outside it is rejected with `DRIFTWATCH_TS_OUT_OF_RANGE`.
 */
export const MIN_EVENT_TS = Date.UTC(2000, 0, 1); // 946684800000
export const MAX_EVENT_TS = Date.UTC(2200, 0, 1); // 7258118400000 (exclusive)

/**
 * `config.limits` (possibly partial, e.g. a hand-built test config) with `overrides` on top, the schema
 * defaults for anything absent; anything that is not a positive integer is refused.
 */
export function resolveInputLimits(...layers: (Partial<InputLimits> | undefined)[]): Readonly<InputLimits> {
  if (layers.every((l) => l === undefined)) return DEFAULT_INPUT_LIMITS;
  const merged: Record<string, number> = { ...DEFAULT_INPUT_LIMITS };
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const key of INPUT_LIMIT_NAMES) {
      const v = (layer as Record<string, unknown>)[key];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
        throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `input limit ${key} must be a positive integer, got ${String(v)}`);
      }
      merged[key] = v;
    }
  }
  return Object.freeze(merged as unknown as InputLimits);
}
