/**
 * A growable Float64Array with an optional cap: exact samples for windows and references. It
 * starts small and doubles, so the many small slice series cost little, and a full whole-model
 * reference of 5,000 values costs 40 KB (inside the 64 KB per series budget of issue 4).
 */
export class SampleBuffer {
  values: Float64Array;
  length = 0;

  /**
   * @param initial - first capacity.
   * @param limit - growth stops doubling here (a reference never holds more than reference.size
   *   values, so its array is exactly that large instead of the next power of two).
   */
  constructor(
    initial = 64,
    private readonly limit = Infinity,
  ) {
    this.values = new Float64Array(Math.min(initial, limit));
  }

  push(x: number): void {
    if (this.length === this.values.length) {
      const cap = this.values.length * 2;
      const next = new Float64Array(cap > this.limit && this.limit > this.length ? this.limit : cap);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.length++] = x;
  }

  /** A buffer holding `values[0..length)` (a snapshot's restore; `values` is taken over, not copied). */
  static restore(values: Float64Array, length: number, limit = Infinity): SampleBuffer {
    const b = new SampleBuffer(0, limit);
    // An empty array would never grow (push doubles the capacity): keep the usual first capacity.
    b.values = values.length > 0 ? values : new Float64Array(Math.min(16, limit));
    b.length = length;
    return b;
  }

  /** Sorts the live values in place (for a reference whose order does not matter). */
  sortInPlace(): Float64Array {
    const live = this.values.subarray(0, this.length);
    live.sort();
    return live;
  }

  clear(): void {
    this.length = 0;
    // Give memory back when a burst made the buffer much larger than usual.
    if (this.values.length > 4096) this.values = new Float64Array(64);
  }

  /** A sorted copy of the live values. */
  sortedCopy(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

/**
 * The last `capacity` values (a trailing reference). Oldest values are overwritten.
 */
export class TrailingSample {
  readonly values: Float64Array;
  length = 0;
  private next = 0;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity);
  }

  push(x: number): void {
    this.values[this.next] = x;
    this.next = (this.next + 1) % this.capacity;
    if (this.length < this.capacity) this.length++;
  }

  sortedCopy(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }

  /** Where the next value goes (the oldest value once the ring is full). */
  get nextIndex(): number {
    return this.next;
  }

  /** A ring with `values[0..length)` filled and the next value going to `next` (a snapshot's restore). */
  static restore(capacity: number, values: Float64Array, length: number, next: number): TrailingSample {
    const t = new TrailingSample(capacity);
    t.values.set(values.subarray(0, length));
    t.length = length;
    t.next = next;
    return t;
  }
}
