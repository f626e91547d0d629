import { RunningMoments } from '../../detectors/running-moments';
import { FixedHistogram } from '../../detectors/fixed-histogram';
import { FrequencyTable, OTHER_CATEGORY } from '../../detectors/frequency-table';
import { RingBuffer } from '../../detectors/ring-buffer';
import { isDriftwatchError } from '../../detectors/errors';
import { STREAMS, mulberry32 } from './sketch-random';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDriftwatchError(e) ? e.code : 'not a DriftwatchError';
  }
  return undefined;
}

const roundTrip = (x: { toJSON(): unknown }): unknown => JSON.parse(JSON.stringify(x));

/** Two-pass reference: mean, then Σ(x − mean)², both with Neumaier-compensated sums. */
function twoPass(xs: Float64Array): { mean: number; m2: number } {
  const sum = (f: (x: number) => number): number => {
    let s = 0;
    let c = 0;
    for (const x of xs) {
      const v = f(x);
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
    return s + c;
  };
  const mean = sum((x) => x) / xs.length;
  return { mean, m2: sum((x) => (x - mean) * (x - mean)) };
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);

describe('RunningMoments', () => {
  it('matches the literature example (population sd 2 for 2,4,4,4,5,5,7,9)', () => {
    const m = new RunningMoments();
    [2, 4, 4, 4, 5, 5, 7, 9].forEach((x) => m.update(x));
    expect(m.mean).toBe(5);
    expect(m.std(0)).toBe(2);
    expect(m.variance()).toBeCloseTo(32 / 7, 14);
  });

  it('is numerically stable far from zero and agrees with a compensated two-pass reference', () => {
    for (const name of Object.keys(STREAMS)) {
      const base = STREAMS[name]!(1, 20_000);
      // A large offset (1e9) against a spread of ~1: Σx² − n·mean² would lose every digit here.
      const xs = base.map((x) => 1e9 + x);
      const m = new RunningMoments();
      xs.forEach((x) => m.update(x));
      const ref = twoPass(xs);
      expect(rel(m.mean, ref.mean)).toBeLessThan(1e-14);
      const naive = xs.reduce((s, x) => s + x * x, 0) / xs.length - ref.mean * ref.mean;
      // Welford keeps ~5 significant digits of a variance 1e18 times smaller than mean²; the
      // naive formula keeps none.
      expect(rel(m.variance(0), ref.m2 / xs.length)).toBeLessThan(1e-4);
      expect(rel(naive, ref.m2 / xs.length)).toBeGreaterThan(1);
    }
  });

  it('merge equals one pass over the concatenation: count/min/max exactly, the rest within 1e-12', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const xs = STREAMS.lognormal!(seed, 10_000);
      const cut = Math.floor(mulberry32(seed)() * 10_000);
      const a = new RunningMoments();
      const b = new RunningMoments();
      const all = new RunningMoments();
      xs.forEach((x, i) => {
        (i < cut ? a : b).update(x);
        all.update(x);
      });
      a.merge(b);
      expect(a.count).toBe(all.count);
      expect(a.min).toBe(all.min);
      expect(a.max).toBe(all.max);
      expect(rel(a.sum, all.sum)).toBeLessThan(1e-12);
      expect(rel(a.mean, all.mean)).toBeLessThan(1e-12);
      expect(rel(a.variance(), all.variance())).toBeLessThan(1e-12);
    }
    const e = new RunningMoments().merge(new RunningMoments().update(3));
    expect([e.count, e.mean, e.min]).toEqual([1, 3, 3]);
  });

  it('round-trips exactly, overflowed sums included', () => {
    const m = new RunningMoments();
    STREAMS.normal!(2, 1000).forEach((x) => m.update(x));
    const r = RunningMoments.fromJSON(roundTrip(m));
    expect(r.toJSON()).toEqual(m.toJSON());
    r.update(0.5);
    m.update(0.5);
    expect(JSON.stringify(r)).toBe(JSON.stringify(m));
    const big = new RunningMoments().update(1e308).update(1e308);
    expect(big.sum).toBe(Number.POSITIVE_INFINITY);
    expect(RunningMoments.fromJSON(roundTrip(big)).toJSON()).toEqual(big.toJSON());
    expect(RunningMoments.fromJSON(roundTrip(new RunningMoments())).count).toBe(0);
  });

  it('raises coded errors', () => {
    const m = new RunningMoments();
    expect(code(() => m.update(Number.NaN))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => m.update(Number.POSITIVE_INFINITY))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => m.mean)).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    m.update(1);
    expect(code(() => m.variance())).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(m.variance(0)).toBe(0);
    expect(code(() => m.variance(-1))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => m.merge({} as RunningMoments))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => RunningMoments.fromJSON({ ...m.toJSON(), n: -1 }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
    expect(code(() => RunningMoments.fromJSON({ ...m.toJSON(), min: null }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
  });
});

describe('FixedHistogram', () => {
  it('bins by the numpy.histogram rule (half-open bins, last bin closed)', () => {
    const h = new FixedHistogram([0, 1, 2, 4]);
    [-1, 0, 0.5, 1, 1.999, 2, 4, 4.0001, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY].forEach((x) => h.update(x));
    expect(Array.from(h.counts)).toEqual([2, 2, 2]);
    expect([h.underflow, h.overflow, h.total]).toEqual([2, 2, 10]);
    expect(Array.from(h.allCounts())).toEqual([2, 2, 2, 2, 2]);
  });

  it('the equal-width fast path agrees with a binary search on every edge and between', () => {
    const h = FixedHistogram.equalWidth(-3, 7, 37);
    const general = new FixedHistogram([...h.edges]); // same edges, forced through the search
    const probes: number[] = [];
    for (const e of h.edges) probes.push(e, e - 1e-12, e + 1e-12, e - Number.EPSILON * Math.abs(e), e + Number.EPSILON * Math.abs(e));
    STREAMS.uniform!(3, 5000).forEach((u) => probes.push(-4 + 12 * u));
    for (const x of probes) {
      const b = h.binOf(x);
      if (b >= 0 && b < 37) expect(h.edges[b]! <= x && (x < h.edges[b + 1]! || (b === 36 && x === 7))).toBe(true);
      expect(b).toBe(general.binOf(x));
    }
  });

  it('merge is exact and order-independent; round trip is exact', () => {
    const xs = STREAMS.normal!(5, 30_000);
    const parts = [0, 1, 2].map(() => FixedHistogram.equalWidth(-2, 2, 16));
    const all = FixedHistogram.equalWidth(-2, 2, 16);
    xs.forEach((x, i) => {
      parts[i % 3]!.update(x);
      all.update(x);
    });
    const m = FixedHistogram.fromJSON(roundTrip(parts[2]!)).merge(parts[0]!).merge(parts[1]!);
    expect(m.toJSON()).toEqual(all.toJSON());
  });

  it('raises coded errors', () => {
    expect(code(() => new FixedHistogram([1]))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => new FixedHistogram([0, 2, 1]))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => new FixedHistogram([0, Number.NaN]))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => FixedHistogram.equalWidth(1, 1, 3))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => FixedHistogram.equalWidth(0, 1, 0))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    const h = FixedHistogram.equalWidth(0, 1, 4);
    expect(code(() => h.update(Number.NaN))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => h.merge(FixedHistogram.equalWidth(0, 1, 5)))).toBe('DRIFTWATCH_INCOMPATIBLE_MERGE');
    expect(code(() => h.merge(FixedHistogram.equalWidth(0, 2, 4)))).toBe('DRIFTWATCH_INCOMPATIBLE_MERGE');
    expect(code(() => FixedHistogram.fromJSON({ ...h.toJSON(), counts: [1, 2, 3] }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
    expect(code(() => FixedHistogram.fromJSON({ ...h.toJSON(), counts: [1, 2, 3, -1] }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
    expect(code(() => FixedHistogram.fromJSON({ ...h.toJSON(), edges: [0, 1, 1, 2, 3] }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
  });
});

describe('FrequencyTable', () => {
  const stream = (seed: number, n: number, distinct: number): string[] => {
    const u = mulberry32(seed);
    // Zipf-like: low ids are frequent, so both orders of first appearance and the cap matter.
    return Array.from({ length: n }, () => `c${Math.floor(distinct * u() ** 3)}`);
  };

  it('caps named categories and counts the rest in __other__', () => {
    const t = new FrequencyTable({ maxCategories: 3 });
    ['a', 'b', 'a', 'c', 'd', OTHER_CATEGORY, 'd', 'a'].forEach((c) => t.update(c));
    expect(t.entries()).toEqual([
      ['a', 3],
      ['b', 1],
      ['c', 1],
      [OTHER_CATEGORY, 3],
    ]);
    expect([t.size, t.total, t.overflowed, t.get('zzz')]).toEqual([3, 8, true, 0]);
  });

  it('merge equals the concatenated stream exactly when the merged-in table never overflowed', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const xs = stream(seed, 5000, 60);
      const cut = 1000 + seed * 100;
      const a = new FrequencyTable({ maxCategories: 40 });
      const b = new FrequencyTable({ maxCategories: 40 });
      const all = new FrequencyTable({ maxCategories: 40 });
      xs.forEach((c, i) => {
        (i < cut ? a : b).update(c);
        all.update(c);
      });
      if (!b.overflowed) expect(a.merge(b).toJSON()).toEqual(all.toJSON());
      else {
        // Documented weaker guarantee: exact total, named counts are lower bounds.
        a.merge(b);
        expect(a.total).toBe(all.total);
        for (const [c, n] of a.entries()) if (c !== OTHER_CATEGORY) expect(n).toBeLessThanOrEqual(all.get(c) + (all.get(c) === 0 ? n : 0));
      }
    }
    const a = new FrequencyTable({ maxCategories: 1000 });
    const b = new FrequencyTable({ maxCategories: 1000 });
    const all = new FrequencyTable({ maxCategories: 1000 });
    stream(7, 4000, 300).forEach((c, i) => {
      (i % 2 ? a : b).update(c);
    });
    for (const t of [a, b]) for (const [c, n] of t.entries()) for (let i = 0; i < n; i++) all.update(c);
    expect(a.merge(b).toJSON()).toEqual(all.toJSON());
  });

  it('round-trips exactly (order included) and continues identically', () => {
    const t = new FrequencyTable({ maxCategories: 10 });
    stream(3, 2000, 30).forEach((c) => t.update(c));
    const r = FrequencyTable.fromJSON(roundTrip(t));
    expect(r.toJSON()).toEqual(t.toJSON());
    stream(4, 500, 40).forEach((c) => {
      t.update(c);
      r.update(c);
    });
    expect(JSON.stringify(r)).toBe(JSON.stringify(t));
  });

  it('raises coded errors', () => {
    expect(code(() => new FrequencyTable({ maxCategories: 0 }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    const t = new FrequencyTable();
    expect(code(() => t.update(3 as unknown as string))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => t.merge(new FrequencyTable({ maxCategories: 5 })))).toBe('DRIFTWATCH_INCOMPATIBLE_MERGE');
    const s = t.update('a').toJSON();
    expect(code(() => FrequencyTable.fromJSON({ ...s, entries: [['a', 1], ['a', 2]] }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
    expect(code(() => FrequencyTable.fromJSON({ ...s, entries: [[OTHER_CATEGORY, 1]] }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
    expect(code(() => FrequencyTable.fromJSON({ ...s, other: 0.5 }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
  });
});

describe('RingBuffer', () => {
  it('keeps exactly the last N values and returns evictions', () => {
    const xs = STREAMS.normal!(8, 1000);
    const r = new RingBuffer(64);
    const evicted: number[] = [];
    xs.forEach((x) => {
      const e = r.push(x);
      if (e !== undefined) evicted.push(e);
    });
    expect(Array.from(r.toArray())).toEqual(Array.from(xs.subarray(1000 - 64)));
    expect(evicted).toEqual(Array.from(xs.subarray(0, 1000 - 64)));
    expect([r.size, r.full, r.pushed, r.get(0), r.get(63)]).toEqual([64, true, 1000, xs[936], xs[999]]);
  });

  it('round-trips mid-rotation and continues identically', () => {
    for (const n of [0, 5, 64, 100]) {
      const xs = STREAMS.uniform!(n + 1, n + 200);
      const r = new RingBuffer(64);
      xs.subarray(0, n).forEach((x) => r.push(x));
      const s = RingBuffer.fromJSON(roundTrip(r));
      expect(s.toJSON()).toEqual(r.toJSON());
      xs.subarray(n).forEach((x) => expect(s.push(x)).toBe(r.push(x)));
      expect(s.toJSON()).toEqual(r.toJSON());
    }
  });

  it('raises coded errors', () => {
    expect(code(() => new RingBuffer(0))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    const r = new RingBuffer(2);
    expect(code(() => r.push(Number.NaN))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => r.get(0))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => RingBuffer.fromJSON({ ...r.toJSON(), values: [1, 2, 3] }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
    expect(code(() => RingBuffer.fromJSON({ ...r.toJSON(), values: [1], pushed: 0 }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
  });
});
