import { loadGolden, relClose } from '../golden/load-golden';
import { RunningMoments } from '../../detectors/running-moments';
import { FixedHistogram } from '../../detectors/fixed-histogram';
import { KllSketch } from '../../detectors/kll-sketch';
import { ksFromSketches } from '../../detectors/sketch-distances';

// Reference values from numpy/scipy (test/golden/gen_sketches.py).
interface Golden {
  moments: { name: string; values: number[]; mean: number; sum: number; var0: number; var1: number | null; min: number; max: number }[];
  histograms: { name: string; edges: number[]; values: number[]; counts: number[]; underflow: number; overflow: number }[];
  quantiles: { name: string; values: number[]; q: number[]; quantiles: number[] }[];
  ks: { name: string; a: number[]; b: number[]; statistic: number; pvalue: number }[];
}

const golden = loadGolden<Golden>('sketches');

describe('window summaries against numpy (golden)', () => {
  it.each(golden.moments.map((c) => [c.name, c] as const))('RunningMoments: %s', (_name, c) => {
    const m = new RunningMoments();
    c.values.forEach((x) => m.update(x));
    expect(m.count).toBe(c.values.length);
    expect(m.min).toBe(c.min);
    expect(m.max).toBe(c.max);
    expect(relClose(m.mean, c.mean, 1e-13, 1e-300)).toBe(true);
    expect(relClose(m.sum, c.sum, 1e-12, 1e-300)).toBe(true);
    // The 1e9-offset stream keeps ~6 digits of its variance in any one-pass method (see the unit test).
    const rel = c.name === 'offset-1e9' ? 1e-5 : 1e-12;
    expect(relClose(m.variance(0), c.var0, rel, 1e-30)).toBe(true);
    if (c.var1 !== null) expect(relClose(m.variance(1), c.var1, rel, 1e-30)).toBe(true);
  });

  it.each(golden.histograms.map((c) => [c.name, c] as const))('FixedHistogram: %s', (_name, c) => {
    const h = new FixedHistogram(c.edges);
    c.values.forEach((x) => h.update(x));
    expect(Array.from(h.counts)).toEqual(c.counts);
    expect([h.underflow, h.overflow]).toEqual([c.underflow, c.overflow]);
  });
});

describe('KLL exact regime against numpy/scipy (golden)', () => {
  it.each(golden.quantiles.map((c) => [c.name, c] as const))("quantile = numpy 'inverted_cdf': %s", (_name, c) => {
    const s = new KllSketch({ k: 200 });
    c.values.forEach((x) => s.update(x));
    expect(c.q.map((q) => s.quantile(q))).toEqual(c.quantiles);
  });

  it.each(golden.ks.map((c) => [c.name, c] as const))('ksFromSketches = ks_2samp(method="asymp"): %s', (_name, c) => {
    const a = new KllSketch({ seed: 1 });
    const b = new KllSketch({ seed: 2 });
    c.a.forEach((x) => a.update(x));
    c.b.forEach((x) => b.update(x));
    const r = ksFromSketches(a, b);
    expect(r.statistic).toBe(c.statistic);
    expect(relClose(r.pValue, c.pvalue, 1e-12, 1e-300)).toBe(true);
  });
});
