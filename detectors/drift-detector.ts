/**
 * The contract every sequential drift detector in `detectors/` follows (ADWIN, DDM, EDDM, HDDM_A,
 * HDDM_W, PageHinkley, CUSUM, KSWIN), plus the small validation helpers they share.
 *
 * Semantics follow River 0.26.1 (`river.base.DriftDetector`): `update(x)` feeds one observation;
 * after it, `driftDetected` / `warningDetected` describe that observation; a detector that flagged
 * a drift resets itself at the start of the next `update` (so the flag is visible for exactly one
 * step, and the caller never has to call `reset()` itself).
 */
import { DriftwatchError } from './errors';

/**
 * A sequential (one value at a time) drift detector with a JSON-safe state snapshot.
 *
 * `S` is the snapshot type returned by `toJSON()`; each class also has a static
 * `fromJSON(json: unknown)` that validates a snapshot and restores a detector whose future outputs
 * are bit-identical to those of the detector that produced it.
 *
 * @example
 * ```ts
 * import { ADWIN, type DriftDetector } from 'driftwatch/detectors';
 * const d: DriftDetector = new ADWIN();
 * for (let i = 0; i < 2000; i++) if (d.update(i < 1000 ? 0 : 1).driftDetected) console.log(i);
 * // prints the index (or indices) at which ADWIN saw the change
 * ```
 */
export interface DriftDetector<S = unknown> {
  /** Feeds one observation; returns `this` so calls chain (`d.update(x).driftDetected`). */
  update(x: number): this;
  /** True when the last `update` detected a drift. */
  readonly driftDetected: boolean;
  /** True when the last `update` raised a warning (always false for detectors without one). */
  readonly warningDetected: boolean;
  /** Returns the detector to the state of a freshly constructed one with the same options. */
  reset(): void;
  /** A plain, JSON-safe snapshot of the full state (options included), tagged with type and version. */
  toJSON(): S;
}

/**
 * Fields every detector snapshot carries, so a stored snapshot says what it is and which layout
 * it uses (restoring an unknown version is refused instead of guessed).
 *
 * @example
 * ```ts
 * const s: DetectorSnapshotHeader = new DDM().toJSON();
 * console.log(s.type, s.version); // DDM 1
 * ```
 */
export interface DetectorSnapshotHeader {
  /** The detector class name, e.g. `"ADWIN"`. */
  readonly type: string;
  /** Layout version of the snapshot for that type. */
  readonly version: number;
}

/**
 * Throws `DRIFTWATCH_INVALID_INPUT` unless `x` is a finite number. Detectors call it at the top of
 * `update` so NaN or ±Infinity never enters (and silently poisons) their running sums.
 *
 * @example
 * ```ts
 * try { assertFiniteInput(NaN, 'ADWIN'); } catch (e) { console.log((e as DriftwatchError).code); }
 * // DRIFTWATCH_INVALID_INPUT
 * ```
 */
export function assertFiniteInput(x: number, detector: string): void {
  // typeof check guards JavaScript callers that pass strings or booleans through `any`.
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new DriftwatchError(
      'DRIFTWATCH_INVALID_INPUT',
      `${detector}.update expects a finite number, got ${String(x)}`,
      { details: { detector, value: String(x) } },
    );
  }
}

/** Bounds for {@link checkNumberOption}. Omitted bounds are unbounded. */
export interface NumberRange {
  /** Smallest allowed value (inclusive unless `minExclusive`). */
  readonly min?: number;
  /** Largest allowed value (inclusive unless `maxExclusive`). */
  readonly max?: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
  /** Require an integer (a safe integer). */
  readonly integer?: boolean;
}

function describeRange(r: NumberRange): string {
  const lo = r.min === undefined ? '(-∞' : `${r.minExclusive === true ? '(' : '['}${r.min}`;
  const hi = r.max === undefined ? '∞)' : `${r.max}${r.maxExclusive === true ? ')' : ']'}`;
  return `${r.integer === true ? 'an integer' : 'a finite number'} in ${lo}, ${hi}`;
}

/**
 * Validates one numeric constructor option and returns it, or throws `DRIFTWATCH_INVALID_PARAMETER`
 * with a message that names the valid range.
 *
 * @example
 * ```ts
 * try { checkNumberOption('ADWIN', 'delta', 2, { min: 0, max: 1, minExclusive: true, maxExclusive: true }); }
 * catch (e) { console.log((e as Error).message); }
 * // ADWIN option delta must be a finite number in (0, 1), got 2
 * ```
 */
export function checkNumberOption(detector: string, name: string, value: unknown, range: NumberRange): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (range.integer !== true || Number.isSafeInteger(value)) &&
    (range.min === undefined || (range.minExclusive === true ? value > range.min : value >= range.min)) &&
    (range.max === undefined || (range.maxExclusive === true ? value < range.max : value <= range.max));
  if (!ok) {
    const valid = describeRange(range);
    throw new DriftwatchError(
      'DRIFTWATCH_INVALID_PARAMETER',
      `${detector} option ${name} must be ${valid}, got ${String(value)}`,
      { details: { detector, option: name, value: String(value), valid } },
    );
  }
  return value;
}

/**
 * Validates a boolean constructor option, throwing `DRIFTWATCH_INVALID_PARAMETER` otherwise.
 *
 * @example
 * ```ts
 * console.log(checkBooleanOption('HDDM_A', 'twoSidedTest', true)); // true
 * ```
 */
export function checkBooleanOption(detector: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new DriftwatchError(
      'DRIFTWATCH_INVALID_PARAMETER',
      `${detector} option ${name} must be a boolean (true or false), got ${String(value)}`,
      { details: { detector, option: name, value: String(value), valid: 'boolean' } },
    );
  }
  return value;
}

/**
 * The error thrown by every `fromJSON` when a snapshot is malformed, of another type or of an
 * unknown version (`DRIFTWATCH_INVALID_SNAPSHOT`).
 *
 * @example
 * ```ts
 * console.log(snapshotError('DDM', 'missing field n').code); // DRIFTWATCH_INVALID_SNAPSHOT
 * ```
 */
export function snapshotError(detector: string, problem: string): DriftwatchError {
  return new DriftwatchError('DRIFTWATCH_INVALID_SNAPSHOT', `${detector}.fromJSON: ${problem}`, {
    details: { detector, problem },
  });
}

/**
 * Checks that `json` is an object whose `type` and `version` match, and returns it as a record so
 * the caller can read its fields with {@link snapshotNumber} / {@link snapshotBoolean}.
 *
 * @example
 * ```ts
 * const rec = readSnapshotHeader({ type: 'DDM', version: 1, n: 3 }, 'DDM', 1);
 * console.log(snapshotNumber(rec, 'DDM', 'n')); // 3
 * ```
 */
export function readSnapshotHeader(json: unknown, detector: string, version: number): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw snapshotError(detector, 'snapshot must be a plain object');
  }
  const rec = json as Record<string, unknown>;
  if (rec.type !== detector) throw snapshotError(detector, `type must be "${detector}", got ${String(rec.type)}`);
  if (rec.version !== version) {
    throw snapshotError(detector, `version must be ${version}, got ${String(rec.version)}`);
  }
  return rec;
}

/**
 * The `options` object of a snapshot (every detector stores its constructor options there and
 * restores by constructing anew from them, which re-validates them).
 *
 * @example
 * ```ts
 * console.log(snapshotOptions({ options: { warmStart: 30 } }, 'DDM').warmStart); // 30
 * ```
 */
export function snapshotOptions(rec: Record<string, unknown>, detector: string): Record<string, unknown> {
  const options = rec.options;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw snapshotError(detector, 'field options must be an object');
  }
  return options as Record<string, unknown>;
}

/**
 * Reads a numeric field from a snapshot. Non-finite values are allowed only when `allowInfinite`
 * (some detectors legitimately start a minimum at +∞); NaN is always refused.
 *
 * @example
 * ```ts
 * console.log(snapshotNumber({ a: 1.5 }, 'DDM', 'a')); // 1.5
 * ```
 */
export function snapshotNumber(
  rec: Record<string, unknown>,
  detector: string,
  field: string,
  allowInfinite = false,
): number {
  const v = rec[field];
  if (typeof v !== 'number' || Number.isNaN(v) || (!allowInfinite && !Number.isFinite(v))) {
    throw snapshotError(detector, `field ${field} must be a ${allowInfinite ? 'non-NaN' : 'finite'} number`);
  }
  return v;
}

/**
 * Reads a boolean field from a snapshot.
 *
 * @example
 * ```ts
 * console.log(snapshotBoolean({ drift: false }, 'DDM', 'drift')); // false
 * ```
 */
export function snapshotBoolean(rec: Record<string, unknown>, detector: string, field: string): boolean {
  const v = rec[field];
  if (typeof v !== 'boolean') throw snapshotError(detector, `field ${field} must be a boolean`);
  return v;
}

/**
 * Encodes a number for a JSON snapshot: finite numbers stay numbers, ±Infinity and NaN become the
 * strings `"Infinity"` / `"-Infinity"` / `"NaN"` (JSON has neither; `JSON.stringify` would write
 * `null`). A running sum can overflow to ±Infinity (and then NaN) even though every input was
 * finite, and a snapshot must still restore that state exactly. {@link decodeNumber} reverses it.
 *
 * @example
 * ```ts
 * console.log(encodeNumber(Infinity)); // Infinity (the string)
 * ```
 */
export function encodeNumber(v: number): number | string {
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Number.isNaN(v)) return 'NaN';
  return v;
}

/**
 * Decodes a value written by {@link encodeNumber}; throws `DRIFTWATCH_INVALID_SNAPSHOT` on
 * anything else (a raw NaN or `null` included).
 *
 * @example
 * ```ts
 * console.log(decodeNumber({ m: 'Infinity' }, 'DDM', 'm')); // Infinity
 * ```
 */
export function decodeNumber(rec: Record<string, unknown>, detector: string, field: string): number {
  return decodeValue(rec[field], detector, field);
}

/**
 * Like {@link decodeNumber} for a value already taken out of its record (array elements).
 *
 * @example
 * ```ts
 * console.log(decodeValue('NaN', 'ADWIN', 'variances[0]')); // NaN
 * ```
 */
export function decodeValue(v: unknown, detector: string, field: string): number {
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (v === 'NaN') return Number.NaN;
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw snapshotError(detector, `field ${field} must be a number, "Infinity", "-Infinity" or "NaN"`);
  }
  return v;
}
