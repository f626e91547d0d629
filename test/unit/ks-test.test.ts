import { DriftwatchError } from '../../detectors/errors';
import { ksTest, type KsAlternative, type KsMethod } from '../../detectors/ks-test';
import { kstwoCdf, kstwoSf } from '../../detectors/kolmogorov-distribution';
import { smirnovSf } from '../../detectors/smirnov-distribution';
import { loadGolden, relClose } from '../golden/load-golden';

// Golden vectors from scipy 1.17.1 (test/golden/gen_ks.py).
interface LcgSpec {
  seed: number;
  n: number;
  scale: number;
  shift: number;
  levels: number;
}
type SampleSpec = { values: number[] } | { lcg: LcgSpec };
interface KsFixture {
  samples: { label: string; a: SampleSpec; b: SampleSpec }[];
  cases: {
    sample: number;
    alternative: KsAlternative;
    method: KsMethod;
    statistic: number;
    pvalue: number;
    statistic_location: number;
    statistic_sign: 1 | -1;
    method_used: 'exact' | 'asymp';
  }[];
  kstwo: { n: number; d: number; sf: number; cdf: number }[];
  smirnov: { n: number; x: number; sf: number }[];
  reference_n30_d02: { kstwo_sf: number; kstwobign_sf: number };
}

const golden = loadGolden<KsFixture>('ks');

/** The generator of gen_ks.py, reproduced exactly: 32-bit LCG, then an exact affine map or floor. */
function lcgSample({ seed, n, scale, shift, levels }: LcgSpec): Float64Array {
  let x = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x = (Math.imul(1664525, x) + 1013904223) >>> 0;
    const u = x / 4294967296;
    out[i] = levels ? Math.floor(u * levels) : u * scale + shift;
  }
  return out;
}

function materialise(spec: SampleSpec): number[] | Float64Array {
  return 'values' in spec ? spec.values : lcgSample(spec.lcg);
}

// Tolerances (relative): statistic 1e-12; p-values 1e-9 in exact mode, 1e-6 in asymptotic mode.
// Absolute floor: only for expected p-values below 1e-300 (subnormal range, where relative
// precision is meaningless) — 1e-300; an expected exact 0 must be matched within that floor.
const P_ABS_FLOOR = 1e-300;

describe('ksTest against scipy.stats.ks_2samp', () => {
  const samples = golden.samples.map((s) => ({ label: s.label, a: materialise(s.a), b: materialise(s.b) }));
  const worst = { stat: 0, exact: 0, asymp: 0 };

  it.each(golden.cases.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const s = samples[c.sample]!;
    const r = ksTest(s.a, s.b, { alternative: c.alternative, method: c.method });
    const ctx = `${s.label} ${c.alternative} ${c.method}`;
    expect({ ctx, used: r.methodUsed }).toEqual({ ctx, used: c.method_used });
    expect({ ctx, sign: r.statisticSign }).toEqual({ ctx, sign: c.statistic_sign });
    expect({ ctx, loc: r.statisticLocation }).toEqual({ ctx, loc: c.statistic_location });
    const statOk = relClose(r.statistic, c.statistic, 1e-12);
    if (!statOk) throw new Error(`${ctx}: statistic ${r.statistic} vs ${c.statistic}`);
    const rel = c.method_used === 'exact' ? 1e-9 : 1e-6;
    const pOk = relClose(r.pValue, c.pvalue, rel, P_ABS_FLOOR);
    if (!pOk) throw new Error(`${ctx}: pValue ${r.pValue} vs ${c.pvalue} (rel ${rel})`);
    const relErr = (x: number, y: number): number => (y === 0 ? Math.abs(x) : Math.abs(x - y) / Math.abs(y));
    worst.stat = Math.max(worst.stat, relErr(r.statistic, c.statistic));
    if (c.pvalue >= P_ABS_FLOOR) {
      if (c.method_used === 'exact') worst.exact = Math.max(worst.exact, relErr(r.pValue, c.pvalue));
      else worst.asymp = Math.max(worst.asymp, relErr(r.pValue, c.pvalue));
    }
  });

  afterAll(() => {
    // Informational: the largest relative errors seen (useful when tightening tolerances).
    process.stdout.write(`ksTest worst relative error: ${JSON.stringify(worst)}\n`);
  });

  it('covers all alternatives, methods, both methodUsed values and sizes up to 50,000', () => {
    const alts = new Set(golden.cases.map((c) => c.alternative));
    const methods = new Set(golden.cases.map((c) => c.method));
    const used = new Set(golden.cases.map((c) => c.method_used));
    expect([...alts].sort()).toEqual(['greater', 'less', 'two-sided']);
    expect([...methods].sort()).toEqual(['asymp', 'auto', 'exact']);
    expect([...used].sort()).toEqual(['asymp', 'exact']);
    expect(Math.max(...samples.map((s) => Math.max(s.a.length, s.b.length)))).toBe(50000);
  });

  it('accepts Float64Array and plain arrays alike and does not modify its inputs', () => {
    const a = [3, 1, 2, 5, 4];
    const b = new Float64Array([2.5, 0.5, 6, 7, 1.5]);
    const before = [...a];
    const r1 = ksTest(a, b);
    const r2 = ksTest(Float64Array.from(a), Array.from(b));
    expect(r2).toEqual(r1);
    expect(a).toEqual(before);
    expect(Array.from(b)).toEqual([2.5, 0.5, 6, 7, 1.5]);
  });

  it('returns p = 1 for two single observations in asymptotic two-sided mode (scipy: NaN)', () => {
    // scipy evaluates kstwo.sf(D, round(0.5)) = kstwo.sf(D, 0), which is NaN; the exact value is 1.
    const r = ksTest([1], [2], { method: 'asymp' });
    expect(r).toEqual({ statistic: 1, pValue: 1, statisticLocation: 1, statisticSign: 1, methodUsed: 'asymp' });
  });
});

describe('exact p-values against brute-force enumeration of interleavings', () => {
  // Under H0 every interleaving of the two samples is equally likely: enumerate them all.
  function interleavings(n1: number, n2: number): boolean[][] {
    const out: boolean[][] = [];
    const rec = (prefix: boolean[], left1: number, left2: number): void => {
      if (left1 === 0 && left2 === 0) out.push(prefix);
      if (left1 > 0) rec([...prefix, true], left1 - 1, left2);
      if (left2 > 0) rec([...prefix, false], left1, left2 - 1);
    };
    rec([], n1, n2);
    return out;
  }
  function split(order: boolean[]): [number[], number[]] {
    const a: number[] = [];
    const b: number[] = [];
    order.forEach((isA, i) => (isA ? a : b).push(i));
    return [a, b];
  }
  // Integer lattice statistic h = lcm·D, exact for every interleaving.
  function latticeD(order: boolean[], n1: number, n2: number, alt: KsAlternative): number {
    let c1 = 0;
    let c2 = 0;
    let best = 0;
    for (const isA of order) {
      if (isA) c1++;
      else c2++;
      const diff = c1 * n2 - c2 * n1; // (F1 - F2)·n1·n2
      const v = alt === 'greater' ? diff : alt === 'less' ? -diff : Math.abs(diff);
      if (v > best) best = v;
    }
    return best;
  }

  it.each([
    [3, 3], [4, 4], [3, 5], [4, 6], [3, 6], [5, 5], [2, 7], [5, 6],
  ])('n1=%i n2=%i, all alternatives', (n1, n2) => {
    const all = interleavings(n1, n2);
    for (const alt of ['two-sided', 'less', 'greater'] as const) {
      const ds = all.map((o) => latticeD(o, n1, n2, alt));
      for (const [k, order] of all.entries()) {
        if (k % 3 !== 0) continue; // a third of the observed orders is plenty
        const [a, b] = split(order);
        const r = ksTest(a, b, { alternative: alt, method: 'exact' });
        const expected = ds.filter((d) => d >= ds[k]!).length / all.length;
        if (r.methodUsed === 'asymp') {
          // scipy's square formula can round to 1 + 1ulp when the true value is 1; it then rejects
          // the exact result and falls back to asymp (the golden cases cover that): nothing to compare.
          expect(expected).toBe(1);
          continue;
        }
        if (!relClose(r.pValue, expected, 1e-12)) {
          throw new Error(`${n1}x${n2} ${alt} order ${k}: ${r.pValue} vs ${expected}`);
        }
      }
    }
  });
});

describe('kstwo and smirnov distributions against scipy', () => {
  it('reproduces the n=30, d=0.2 reference (kstwo, not the Kolmogorov limit)', () => {
    expect(relClose(kstwoSf(0.2, 30), golden.reference_n30_d02.kstwo_sf, 1e-12)).toBe(true);
    expect(kstwoSf(0.2, 30).toFixed(5)).toBe('0.15797');
    expect(Math.abs(kstwoSf(0.2, 30) - golden.reference_n30_d02.kstwobign_sf)).toBeGreaterThan(0.02);
  });

  it.each(golden.kstwo.map((p) => [p.n, p.d, p] as const))('kstwo n=%d d=%d', (_n, _d, p) => {
    const sf = kstwoSf(p.d, p.n);
    const cdf = kstwoCdf(p.d, p.n);
    if (!relClose(sf, p.sf, 1e-9, P_ABS_FLOOR)) throw new Error(`sf(${p.d}, ${p.n}) = ${sf} vs ${p.sf}`);
    if (!relClose(cdf, p.cdf, 1e-9, P_ABS_FLOOR)) throw new Error(`cdf(${p.d}, ${p.n}) = ${cdf} vs ${p.cdf}`);
  });

  it.each(golden.smirnov.map((p) => [p.n, p.x, p] as const))('smirnov n=%d x=%d', (_n, _x, p) => {
    const sf = smirnovSf(p.n, p.x);
    if (!relClose(sf, p.sf, 1e-9, P_ABS_FLOOR)) throw new Error(`smirnov(${p.n}, ${p.x}) = ${sf} vs ${p.sf}`);
  });
});

describe('parameter validation', () => {
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(DriftwatchError);
      return (e as DriftwatchError).code;
    }
    return undefined;
  };

  it('rejects empty samples', () => {
    expect(code(() => ksTest([], [1, 2]))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(code(() => ksTest([1, 2], new Float64Array(0)))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
  });

  it('rejects NaN, infinities and non-numbers', () => {
    expect(code(() => ksTest([1, Number.NaN], [1, 2]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => ksTest([1, 2], new Float64Array([0, Number.NaN])))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => ksTest([1, Number.POSITIVE_INFINITY], [1, 2]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => ksTest([1, '2' as unknown as number], [1, 2]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => ksTest(null as unknown as number[], [1, 2]))).toBe('DRIFTWATCH_INVALID_INPUT');
  });

  it('rejects unknown alternatives and methods, naming the valid values', () => {
    expect(code(() => ksTest([1], [2], { alternative: 'two_sided' as KsAlternative }))).toBe(
      'DRIFTWATCH_INVALID_PARAMETER',
    );
    expect(code(() => ksTest([1], [2], { method: 'approx' as KsMethod }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(() => ksTest([1], [2], { method: 'approx' as KsMethod })).toThrow(/'auto', 'exact' or 'asymp'/);
  });

  it('validates kstwo and smirnov arguments', () => {
    expect(code(() => kstwoSf(0.2, 0))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => kstwoSf(0.2, 2.5))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => kstwoCdf(Number.NaN, 10))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => smirnovSf(10, 1.5))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => smirnovSf(0, 0.5))).toBe('DRIFTWATCH_INVALID_PARAMETER');
  });
});
