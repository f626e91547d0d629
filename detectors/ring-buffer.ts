/**
 * The exact last N values of a stream, in a preallocated Float64Array.
 *
 * Why: small windows (a few thousand events) are cheaper and more accurate to test exactly — the
 * KS test's exact p-value needs the raw samples — than through a sketch. A ring buffer gives a
 * sliding count window with O(1) insert, no allocation, and the evicted value handed back so the
 * caller can maintain its own running aggregates. It is not mergeable: "the last N" of two
 * partitions has no meaning without event times (merge the sketches or counters instead).
 */
import { DriftwatchError } from './errors';
import { assertFiniteInput, checkNumberOption, readSnapshotHeader, snapshotError, snapshotNumber } from './drift-detector';

const NAME = 'RingBuffer';

/** The JSON snapshot written by {@link RingBuffer.toJSON}. */
export interface RingBufferSnapshot {
  readonly type: 'RingBuffer';
  readonly version: 1;
  readonly capacity: number;
  /** Values currently held, oldest first. */
  readonly values: number[];
  /** Values pushed since construction (or reset), evicted ones included. */
  readonly pushed: number;
}

/**
 * Fixed-capacity FIFO of finite numbers (NaN and ±Infinity throw `DRIFTWATCH_INVALID_INPUT`; −0 is
 * kept as +0 so snapshots round-trip exactly).
 *
 * @example
 * ```ts
 * const r = new RingBuffer(3);
 * [1, 2, 3, 4].forEach((x) => r.push(x));
 * console.log(Array.from(r.toArray()), r.size, r.pushed); // [ 2, 3, 4 ] 3 4
 * ```
 */
export class RingBuffer {
  /** Maximum number of values held. */
  readonly capacity: number;
  private readonly buf: Float64Array;
  /** Index of the oldest value. */
  private head = 0;
  private len = 0;
  private pushedCount = 0;

  /** @param capacity the window length, an integer in [1, 1e8]. */
  constructor(capacity: number) {
    this.capacity = checkNumberOption(NAME, 'capacity', capacity, { min: 1, max: 1e8, integer: true });
    this.buf = new Float64Array(this.capacity);
  }

  /** Number of values held (≤ capacity). */
  get size(): number {
    return this.len;
  }

  /** True when the buffer holds `capacity` values (the next push evicts the oldest). */
  get full(): boolean {
    return this.len === this.capacity;
  }

  /** Values pushed since construction or reset, evicted ones included. */
  get pushed(): number {
    return this.pushedCount;
  }

  /**
   * Appends `x`; returns the value it evicted, or undefined while the buffer was not full.
   *
   * @example
   * ```ts
   * const r = new RingBuffer(1);
   * r.push(5);
   * console.log(r.push(6)); // 5
   * ```
   */
  push(x: number): number | undefined {
    if (!Number.isFinite(x)) assertFiniteInput(x, NAME);
    const v = x + 0;
    this.pushedCount++;
    if (this.len < this.capacity) {
      this.buf[(this.head + this.len) % this.capacity] = v;
      this.len++;
      return undefined;
    }
    const evicted = this.buf[this.head] as number;
    this.buf[this.head] = v;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    return evicted;
  }

  /** The i-th value, 0 = oldest, size − 1 = newest (`DRIFTWATCH_INVALID_PARAMETER` out of range). */
  get(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.len) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `${NAME}.get index must be an integer in [0, ${this.len - 1}], got ${String(i)}`);
    }
    return this.buf[(this.head + i) % this.capacity] as number;
  }

  /** A copy of the values, oldest first. */
  toArray(): Float64Array {
    const out = new Float64Array(this.len);
    const firstPart = Math.min(this.len, this.capacity - this.head);
    out.set(this.buf.subarray(this.head, this.head + firstPart), 0);
    if (firstPart < this.len) out.set(this.buf.subarray(0, this.len - firstPart), firstPart);
    return out;
  }

  /** Empties the buffer (capacity is kept). */
  reset(): void {
    this.head = 0;
    this.len = 0;
    this.pushedCount = 0;
  }

  /** A JSON-safe snapshot, values oldest first; {@link RingBuffer.fromJSON} restores it. */
  toJSON(): RingBufferSnapshot {
    return { type: NAME, version: 1, capacity: this.capacity, values: Array.from(this.toArray()), pushed: this.pushedCount };
  }

  /**
   * Restores a buffer whose values, evictions and snapshots are identical to the original's from
   * then on (the internal rotation may differ; it is not observable).
   *
   * @example
   * ```ts
   * const r = new RingBuffer(2);
   * r.push(1); r.push(2); r.push(3);
   * console.log(Array.from(RingBuffer.fromJSON(JSON.parse(JSON.stringify(r))).toArray())); // [ 2, 3 ]
   * ```
   */
  static fromJSON(json: unknown): RingBuffer {
    const rec = readSnapshotHeader(json, NAME, 1);
    const capacity = snapshotNumber(rec, NAME, 'capacity');
    if (!Number.isSafeInteger(capacity) || capacity < 1 || capacity > 1e8) throw snapshotError(NAME, 'capacity must be an integer in [1, 1e8]');
    const values = rec.values;
    if (!Array.isArray(values) || values.length > capacity) throw snapshotError(NAME, `values must be an array of at most ${capacity} numbers`);
    const pushed = snapshotNumber(rec, NAME, 'pushed');
    if (!Number.isSafeInteger(pushed) || pushed < values.length) throw snapshotError(NAME, 'pushed must be an integer ≥ the number of values');
    const r = new RingBuffer(capacity);
    values.forEach((v: unknown, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw snapshotError(NAME, `values[${i}] must be a finite number`);
      r.buf[i] = v;
    });
    r.len = values.length;
    r.pushedCount = pushed;
    return r;
  }
}
