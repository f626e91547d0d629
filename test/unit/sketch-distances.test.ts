import { KllSketch } from '../../detectors/kll-sketch';
import { FixedHistogram } from '../../detectors/fixed-histogram';
import { FrequencyTable } from '../../detectors/frequency-table';
import {
  alignFrequencyTables,
  jensenShannonFromHistograms,
  jensenShannonFromSketches,
  jensenShannonFromTables,
  ksFromSketches,
  psiFromHistograms,
  psiFromSketches,
  sketchQuantileBins,
} from '../../detectors/sketch-distances';
import { ksTest } from '../../detectors/ks-test';
import { psi } from '../../detectors/psi';
import { jensenShannon } from '../../detectors/jensen-shannon';
import { isDriftwatchError } from '../../detectors/errors';
import { mulberry32, normal } from './sketch-random';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDriftwatchError(e) ? e.code : 'not a DriftwatchError';
  }
  return undefined;
}

function sample(seed: number, n: number, loc: number, scale: number): Float64Array {
  const z = normal(mulberry32(seed));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = loc + scale * z();
  return out;
}

function sketchOf(xs: Float64Array, seed: number): KllSketch {
  const s = new KllSketch({ seed });
  for (let i = 0; i < xs.length; i++) s.update(xs[i] as number);
  return s;
}

// Current-window scenarios against a N(0, 1) reference: no drift, a location shift, a scale change.
const SCENARIOS: Record<string, [number, number]> = { none: [0, 1], shift: [0.1, 1], scale: [0, 1.2] };

describe('sketch distances: measured error against the exact statistics (k = 200)', () => {
  // Bounds asserted (and documented in sketch-distances.ts): D within ε_a + ε_b (the KLL
  // all-queries bound of each sketch); PSI and JS (10 reference-quantile bins) within 0.02 and
  // 0.03 (measured worst: 0.0075 and 0.0181).
  const dBound = 2 * KllSketch.rankErrorBound(200, true);
  const stats = { D: [] as number[], PSI: [] as number[], JS: [] as number[] };
  afterAll(() => {
    const fmt = (xs: number[]): string =>
      `mean ${(xs.reduce((s, x) => s + x, 0) / xs.length).toFixed(4)}, worst ${Math.max(...xs).toFixed(4)} (${xs.length} cases)`;
    console.log(`|sketch − exact|: D ${fmt(stats.D)}; PSI ${fmt(stats.PSI)}; JS ${fmt(stats.JS)}`);
  });

  const cases: [number, number][] = [
    [10_000, 20],
    [100_000, 20],
    [1_000_000, 2],
  ];
  it.each(cases)('n = %i per side, %i seeds, three scenarios', (n, seeds) => {
    for (const [name, [loc, scale]] of Object.entries(SCENARIOS)) {
      for (let seed = 1; seed <= seeds; seed++) {
        const ref = sample(seed, n, 0, 1);
        const cur = sample(1000 + seed, n, loc, scale);
        const sr = sketchOf(ref, seed);
        const sc = sketchOf(cur, 500 + seed);
        const exactD = ksTest(ref, cur, { method: 'asymp' }).statistic;
        const approx = ksFromSketches(sr, sc);
        const dErr = Math.abs(approx.statistic - exactD);
        const psiErr = Math.abs(psiFromSketches(sr, sc) - psi(ref, cur, { binning: 'quantile' }));
        const jsErr = Math.abs(jensenShannonFromSketches(sr, sc) - jensenShannon(ref, cur, { binning: 'quantile' }));
        stats.D.push(dErr);
        stats.PSI.push(psiErr);
        stats.JS.push(jsErr);
        expect({ name, seed, dErr: dErr < dBound, psiErr: psiErr < 0.02, jsErr: jsErr < 0.03 }).toEqual({
          name,
          seed,
          dErr: true,
          psiErr: true,
          jsErr: true,
        });
      }
    }
  }, 300_000);
});

describe('ksFromSketches', () => {
  it('is exactly ksTest (asymptotic p-value) while both sketches are exact (n ≤ k)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const a = sample(seed, 50 + seed, 0, 1);
      const b = sample(100 + seed, 200 - seed, 0.3, 1);
      const exact = ksTest(a, b, { method: 'asymp' });
      const r = ksFromSketches(sketchOf(a, 1), sketchOf(b, 2));
      expect(r.statistic).toBe(exact.statistic);
      expect(r.pValue).toBe(exact.pValue);
      expect(r.statisticLocation).toBe(exact.statisticLocation);
      expect(r.statisticSign).toBe(exact.statisticSign);
    }
  });

  it('handles ties across the sketches like ksTest', () => {
    const a = Float64Array.from([1, 2, 2, 3, 3, 3]);
    const b = Float64Array.from([2, 3, 3, 4]);
    expect(ksFromSketches(sketchOf(a, 1), sketchOf(b, 1)).statistic).toBe(ksTest(a, b, { method: 'asymp' }).statistic);
  });

  it('raises coded errors', () => {
    const s = sketchOf(Float64Array.from([1, 2]), 1);
    expect(code(() => ksFromSketches(s, new KllSketch()))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(code(() => ksFromSketches(s, [1, 2] as unknown as KllSketch))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => psiFromSketches(s, s, { bins: 1 }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => jensenShannonFromSketches(new KllSketch(), s))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
  });
});

describe('quantile bins from sketches', () => {
  it('bins an exact sketch like psi.ts bins the raw sample (inverted-CDF edges)', () => {
    const ref = sample(1, 150, 0, 1);
    const cur = sample(2, 120, 0.5, 1);
    const h = sketchQuantileBins(sketchOf(ref, 1), sketchOf(cur, 1));
    expect(h.edges).toHaveLength(9);
    // The same edges given to psi.ts as explicit 'edges' bins would need closed outer edges; count
    // the open-ended bins by hand instead: bin i holds e_{i−1} < x ≤ e_i.
    const count = (xs: Float64Array): number[] => {
      const c = new Array<number>(h.edges.length + 1).fill(0);
      for (const x of xs) {
        const i = h.edges.findIndex((e) => x <= e);
        c[i === -1 ? h.edges.length : i]! += 1;
      }
      return c;
    };
    expect(Array.from(h.reference)).toEqual(count(ref));
    expect(Array.from(h.current)).toEqual(count(cur));
    expect(psiFromSketches(sketchOf(ref, 1), sketchOf(cur, 1))).toBeCloseTo(psi(count(ref), count(cur)), 12);
  });

  it('gives PSI 0 and JS 0 for a sketch against itself', () => {
    const s = sketchOf(sample(4, 100_000, 0, 1), 4);
    expect(psiFromSketches(s, s)).toBe(0);
    expect(jensenShannonFromSketches(s, s)).toBe(0);
  });
});

describe('distances from histograms and frequency tables', () => {
  it('histogram PSI and JS equal psi/jensenShannon on the samples binned with the same edges', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const ref = sample(seed, 5000, 0, 1).map((x) => Math.max(-4, Math.min(4, x)));
      const cur = sample(50 + seed, 3000, 0.2, 1.1).map((x) => Math.max(-4, Math.min(4, x)));
      const hr = FixedHistogram.equalWidth(-4, 4, 20);
      const hc = FixedHistogram.equalWidth(-4, 4, 20);
      ref.forEach((x) => hr.update(x));
      cur.forEach((x) => hc.update(x));
      const binning = { method: 'edges' as const, edges: hr.edges };
      expect(psiFromHistograms(hr, hc)).toBeCloseTo(psi(ref, cur, { binning }), 12);
      expect(jensenShannonFromHistograms(hr, hc)).toBeCloseTo(jensenShannon(ref, cur, { binning }), 12);
      expect(jensenShannonFromHistograms(hr, hc, { base: 2 })).toBeCloseTo(jensenShannon(ref, cur, { binning, base: 2 }), 12);
    }
  });

  it('histograms with other edges are refused', () => {
    const a = FixedHistogram.equalWidth(0, 1, 4).update(0.5);
    const b = FixedHistogram.equalWidth(0, 1, 5).update(0.5);
    expect(code(() => psiFromHistograms(a, b))).toBe('DRIFTWATCH_INCOMPATIBLE_MERGE');
    expect(code(() => jensenShannonFromHistograms(a, {} as FixedHistogram))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => psiFromHistograms(a, FixedHistogram.equalWidth(0, 1, 4)))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
  });

  it('frequency-table JS equals jensenShannon on the aligned counts', () => {
    const u = mulberry32(3);
    const r = new FrequencyTable({ maxCategories: 5 });
    const c = new FrequencyTable({ maxCategories: 5 });
    for (let i = 0; i < 2000; i++) r.update(`k${Math.floor(8 * u() ** 2)}`);
    for (let i = 0; i < 1500; i++) c.update(`k${Math.floor(8 * u())}`);
    const t = alignFrequencyTables(r, c);
    expect(t.categories[t.categories.length - 1]).toBe('__other__');
    expect(t.reference.reduce((s, x) => s + x, 0)).toBe(2000);
    expect(t.current.reduce((s, x) => s + x, 0)).toBe(1500);
    expect(jensenShannonFromTables(r, c)).toBe(jensenShannon(t.reference, t.current));
    expect(code(() => jensenShannonFromTables(r, {} as FrequencyTable))).toBe('DRIFTWATCH_INVALID_INPUT');
  });
});
