/**
 * A bit-exact port of the parts of CPython's `random.Random` that River's KSWIN uses:
 * Mersenne Twister MT19937 seeded from an integer (`init_by_array`), `getrandbits`,
 * `_randbelow` (rejection sampling on `getrandbits`) and `Random.sample` (pool-based or
 * set-based selection, chosen by the same size rule as CPython 3.11).
 *
 * Why a port rather than any PRNG: KSWIN's detection indices depend on which reference points
 * it draws, so matching River index for index requires drawing exactly the same indices.
 */
import { DriftwatchError } from './errors';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** A JSON-safe copy of the generator state: the 624 words and the position in them. */
export interface PythonRandomState {
  /** The 624 32-bit words of MT19937, as unsigned integers. */
  readonly mt: number[];
  /** Index of the next word to temper (624 = regenerate before the next draw). */
  readonly index: number;
}

/**
 * CPython's `random.Random`, seeded with an integer, restricted to the operations KSWIN needs.
 *
 * @example
 * ```ts
 * const rng = new PythonRandom(42);
 * console.log(rng.sample(10, 3)); // same as Python: random.Random(42).sample(range(10), 3)
 * // [ 1, 0, 4 ]
 * ```
 */
export class PythonRandom {
  private readonly mt = new Uint32Array(N);
  private index = N + 1;

  /**
   * @param seed a safe integer (negative values use their absolute value, as CPython does);
   *   `undefined` seeds from `Math.random` because CPython then seeds from the OS entropy pool.
   */
  constructor(seed?: number) {
    if (seed === undefined) {
      const key = [0, 0, 0, 0].map(() => Math.floor(Math.random() * 0x100000000) >>> 0);
      this.initByArray(key);
      return;
    }
    if (!Number.isSafeInteger(seed)) {
      throw new DriftwatchError(
        'DRIFTWATCH_INVALID_PARAMETER',
        `seed must be a safe integer (|seed| <= 2^53 - 1), got ${String(seed)}`,
        { details: { parameter: 'seed', value: seed } },
      );
    }
    // CPython splits |seed| into little-endian 32-bit words; 0 becomes the single word [0].
    let n = Math.abs(seed);
    const key: number[] = [];
    do {
      key.push(n % 0x100000000);
      n = Math.floor(n / 0x100000000);
    } while (n > 0);
    this.initByArray(key);
  }

  /** Restores a generator from {@link PythonRandom.getState}. */
  static fromState(state: PythonRandomState): PythonRandom {
    const valid =
      state !== null &&
      typeof state === 'object' &&
      Array.isArray(state.mt) &&
      state.mt.length === N &&
      state.mt.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) &&
      Number.isInteger(state.index) &&
      state.index >= 0 &&
      state.index <= N;
    if (!valid) {
      throw new DriftwatchError(
        'DRIFTWATCH_INVALID_SNAPSHOT',
        'random state must hold mt: 624 unsigned 32-bit integers and index in [0, 624]',
      );
    }
    const rng = new PythonRandom(0);
    rng.mt.set(state.mt);
    rng.index = state.index;
    return rng;
  }

  /** A copy of the state that {@link PythonRandom.fromState} restores exactly. */
  getState(): PythonRandomState {
    return { mt: Array.from(this.mt), index: this.index };
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] as number;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.index = N;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1] as number;
      mt[i] = (((mt[i] as number) ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + (key[j] as number) + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1] as number;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] as number;
      mt[i] = (((mt[i] as number) ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1] as number;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.index = N;
  }

  /** One tempered 32-bit output of MT19937 (CPython's `genrand_uint32`). */
  nextUint32(): number {
    const mt = this.mt;
    if (this.index >= N) {
      let kk = 0;
      for (; kk < N - M; kk++) {
        const y = ((mt[kk] as number) & UPPER_MASK) | ((mt[kk + 1] as number) & LOWER_MASK);
        mt[kk] = (mt[kk + M] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = ((mt[kk] as number) & UPPER_MASK) | ((mt[kk + 1] as number) & LOWER_MASK);
        mt[kk] = (mt[kk + (M - N)] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      const y = ((mt[N - 1] as number) & UPPER_MASK) | ((mt[0] as number) & LOWER_MASK);
      mt[N - 1] = (mt[M - 1] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.index = 0;
    }
    let y = mt[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** CPython's `getrandbits(k)` for 0 <= k <= 32 (the only widths KSWIN's window sizes need). */
  getrandbits(k: number): number {
    if (!Number.isInteger(k) || k < 0 || k > 32) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `getrandbits supports k in [0, 32], got ${k}`, {
        details: { parameter: 'k', value: k },
      });
    }
    if (k === 0) return 0;
    return this.nextUint32() >>> (32 - k);
  }

  /** CPython's `random()`: 53 random bits as a double in [0, 1). */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** CPython's `_randbelow_with_getrandbits(n)`: uniform integer in [0, n), n in [1, 2^32). */
  randbelow(n: number): number {
    const k = 32 - Math.clz32(n); // n.bit_length()
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /**
   * CPython's `sample(range(n), k)`: k distinct integers from [0, n) in selection order.
   * Uses the pool method when an n-list is smaller than a k-set, else the set method, with the
   * same size rule as CPython so the same draws are consumed.
   */
  sample(n: number, k: number): number[] {
    if (!Number.isInteger(n) || !Number.isInteger(k) || k < 0 || k > n || n >= 0x100000000) {
      throw new DriftwatchError(
        'DRIFTWATCH_INVALID_PARAMETER',
        `sample needs integers 0 <= k <= n < 2^32, got n=${n}, k=${k}`,
        { details: { n, k } },
      );
    }
    const result = new Array<number>(k);
    let setsize = 21;
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
    if (n <= setsize) {
      const pool = new Array<number>(n);
      for (let i = 0; i < n; i++) pool[i] = i;
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i);
        result[i] = pool[j] as number;
        pool[j] = pool[n - i - 1] as number;
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n);
        while (selected.has(j)) j = this.randbelow(n);
        selected.add(j);
        result[i] = j;
      }
    }
    return result;
  }
}
