/**
 * Seeded random streams for the sketch and window-summary tests (not a test file itself).
 * mulberry32 is tiny and fast; the streams cover the cases that matter to rank-based sketches:
 * continuous iid data (light and heavy tails), data with many ties, and adversarial arrival orders.
 */

/** A uniform [0, 1) generator from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal variates by Box–Muller from a uniform generator. */
export function normal(u: () => number): () => number {
  return () => {
    const a = 1 - u();
    const b = u();
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * b);
  };
}

/** Named stream shapes: a function of (seed, n) returning the stream in arrival order. */
export const STREAMS: Readonly<Record<string, (seed: number, n: number) => Float64Array>> = {
  uniform: (seed, n) => fill(n, mulberry32(seed)),
  normal: (seed, n) => fill(n, normal(mulberry32(seed))),
  // Heavy right tail: lognormal(0, 2) spans many orders of magnitude.
  lognormal: (seed, n) => {
    const z = normal(mulberry32(seed));
    return fill(n, () => Math.exp(2 * z()));
  },
  // Many ties: a geometric-like integer (about 40 distinct values).
  'discrete-ties': (seed, n) => {
    const u = mulberry32(seed);
    return fill(n, () => Math.floor(-4 * Math.log(1 - u())));
  },
  // Adversarial orders for a compactor: the stream arrives sorted, or sorted descending.
  'sorted-ascending': (seed, n) => fill(n, normal(mulberry32(seed))).sort(),
  'sorted-descending': (seed, n) => fill(n, normal(mulberry32(seed))).sort().reverse(),
};

function fill(n: number, next: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = next();
  return out;
}

/** Number of elements of the ascending array `sorted` that are ≤ x (the exact inclusive rank count). */
export function countAtMost(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
