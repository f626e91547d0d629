/**
 * Building blocks of the engine's state snapshots (checkpoints): JSON-safe encodings that restore
 * bit-identically, and readers that validate a parsed snapshot and throw
 * `DRIFTWATCH_CHECKPOINT_INVALID` (never anything else) when it is malformed.
 *
 * Why special encodings: JSON has no -0, NaN or ±Infinity (JSON.stringify writes null or 0), and a
 * restored pipeline must continue bit-identically, so numbers that JSON cannot carry are written as
 * strings; numeric arrays go as base64 of their IEEE-754 bytes (exact, and about 3× smaller and
 * much faster than decimal text for a reference of 5,000 doubles).
 */
import { DriftwatchError } from '../../detectors/errors';

/** A number JSON can carry exactly, or one of the strings "-0", "NaN", "Infinity", "-Infinity". */
export type SnapNumber = number | string;

export function invalidSnapshot(path: string, why: string): DriftwatchError {
  return new DriftwatchError('DRIFTWATCH_CHECKPOINT_INVALID', `pipeline snapshot ${path}: ${why}`, { details: { path } });
}

export function encNum(x: number): SnapNumber {
  if (Number.isFinite(x)) return x === 0 && 1 / x < 0 ? '-0' : x;
  return String(x); // NaN, Infinity, -Infinity
}

export function decNum(v: unknown, path: string): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw invalidSnapshot(path, 'not a finite number');
    return v;
  }
  switch (v) {
    case '-0':
      return -0;
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    default:
      throw invalidSnapshot(path, 'not a number');
  }
}

// Typed arrays use the platform's byte order: checkpoints store little-endian bytes and swap on a
// big-endian platform (none that Node runs on in practice), so a checkpoint is portable.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swap64(b: Buffer): Buffer {
  return Buffer.from(b).swap64();
}

/** Integers up to this size are written as JSON numbers (at most 7 characters: shorter than base64's 10.7). */
const SMALL_INT = 999_999;

/**
 * The first n values of a Float64Array: as a JSON array when they are all small integers (lengths,
 * counts, integer latencies: a few characters each), else as base64 of their bytes (exact for any
 * double, incl. -0 and NaN: 10.7 characters each, and much faster to write and read than decimal).
 */
export function encF64(values: Float64Array, n = values.length): string | number[] {
  const ints: number[] = [];
  let i = 0;
  for (; i < n; i++) {
    const x = values[i] as number;
    // x | 0 === x: an int32 (excludes NaN, ±Infinity, fractions); 1 / x excludes -0.
    if ((x | 0) !== x || x > SMALL_INT || x < -SMALL_INT || (x === 0 && 1 / x < 0)) break;
    ints.push(x);
  }
  if (i === n) return ints;
  const bytes = Buffer.from(values.buffer, values.byteOffset, n * 8);
  return (LITTLE_ENDIAN ? bytes : swap64(bytes)).toString('base64');
}

/** Decodes {@link encF64} into a new array of at least `capacity` elements; returns [array, length]. */
export function decF64(v: unknown, path: string, capacity = 0): [Float64Array, number] {
  if (Array.isArray(v)) {
    const out = new Float64Array(Math.max(capacity, v.length));
    for (let i = 0; i < v.length; i++) {
      const x = v[i] as unknown;
      if (typeof x !== 'number' || !Number.isFinite(x)) throw invalidSnapshot(`${path}[${i}]`, 'not a finite number');
      out[i] = x;
    }
    return [out, v.length];
  }
  const bytes = decBytes(v, path);
  if (bytes.length % 8 !== 0) throw invalidSnapshot(path, 'byte length is not a multiple of 8');
  const n = bytes.length / 8;
  const out = new Float64Array(Math.max(capacity, n));
  new Uint8Array(out.buffer).set(LITTLE_ENDIAN ? bytes : swap64(bytes));
  return [out, n];
}

export function encBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function decBytes(v: unknown, path: string): Buffer {
  if (typeof v !== 'string' || v.length % 4 !== 0) throw invalidSnapshot(path, 'not base64');
  const bytes = Buffer.from(v, 'base64');
  // Node skips characters outside the alphabet: then fewer bytes come out than the length implies
  // (cheaper than a regular expression over megabytes of references).
  const pad = v.endsWith('==') ? 2 : v.endsWith('=') ? 1 : 0;
  if (bytes.length !== (v.length / 4) * 3 - pad) throw invalidSnapshot(path, 'not base64');
  return bytes;
}

// ---- readers of a parsed snapshot ---------------------------------------------------------------

export type Rec = Record<string, unknown>;

export function readObject(v: unknown, path: string): Rec {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw invalidSnapshot(path, 'not an object');
  return v as Rec;
}

export function readArray(v: unknown, path: string, length?: number): unknown[] {
  if (!Array.isArray(v)) throw invalidSnapshot(path, 'not an array');
  if (length !== undefined && v.length !== length) throw invalidSnapshot(path, `expected ${length} elements`);
  return v;
}

export function readString(v: unknown, path: string): string {
  if (typeof v !== 'string') throw invalidSnapshot(path, 'not a string');
  return v;
}

export function readNullableString(v: unknown, path: string): string | null {
  return v === null ? null : readString(v, path);
}

export function readBoolean(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw invalidSnapshot(path, 'not a boolean');
  return v;
}

/** A finite number (plain JSON number). */
export function readFinite(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidSnapshot(path, 'not a finite number');
  return v;
}

export function readNullableFinite(v: unknown, path: string): number | null {
  return v === null ? null : readFinite(v, path);
}

/** An integer in [min, max]. */
export function readInt(v: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalidSnapshot(path, `not an integer in [${min}, ${max}]`);
  return v;
}

/** An array of integers in [min, max]. */
export function readIntArray(v: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number[] {
  const a = readArray(v, path);
  for (let i = 0; i < a.length; i++) readInt(a[i], `${path}[${i}]`, min, max);
  return a as number[];
}

/** A Map<string, number> as a flat [key, count, key, count, …] list (keeps insertion order). */
export function encCounts(m: ReadonlyMap<string, number>): (string | number)[] {
  const out: (string | number)[] = [];
  for (const [k, n] of m) out.push(k, n);
  return out;
}

export function decCounts(v: unknown, path: string): Map<string, number> {
  const a = readArray(v, path);
  if (a.length % 2 !== 0) throw invalidSnapshot(path, 'odd length');
  const m = new Map<string, number>();
  for (let i = 0; i < a.length; i += 2) {
    const k = readString(a[i], `${path}[${i}]`);
    if (m.has(k)) throw invalidSnapshot(path, 'duplicate key');
    m.set(k, readInt(a[i + 1], `${path}[${i + 1}]`));
  }
  return m;
}

/** Runs a restore step; anything but a checkpoint error becomes `DRIFTWATCH_CHECKPOINT_INVALID`. */
export function guarded<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DriftwatchError && (e.code === 'DRIFTWATCH_CHECKPOINT_INVALID' || e.code === 'DRIFTWATCH_CHECKPOINT_INCOMPATIBLE')) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new DriftwatchError('DRIFTWATCH_CHECKPOINT_INVALID', `pipeline snapshot ${path}: ${why}`, { cause: e, details: { path } });
  }
}
