import { relClose } from '../golden/load-golden';
import { cramerVonMises } from '../../detectors/cramer-von-mises';
import { isDriftwatchError } from '../../detectors/errors';
import { mismatches, twoSampleFixture } from './two-sample-fixture';

const fx = twoSampleFixture();

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isDriftwatchError(e) ? e.code : 'not a DriftwatchError';
  }
  return undefined;
}

describe('cramerVonMises against scipy.stats.cramervonmises_2samp', () => {
  it(`matches ${fx.cramervonmises.length} golden cases (T 1e-12; p 1e-9 exact, 1e-6 asymptotic)`, () => {
    expect(fx.cramervonmises.filter((c) => c.method === 'exact').length).toBeGreaterThan(8);
    expect(fx.cramervonmises.filter((c) => c.method === 'asymptotic').length).toBeGreaterThan(8);
    const bad = mismatches(fx.cramervonmises, (c) => {
      const pair = fx.pairs[c.pair];
      if (pair === undefined) return 'missing pair';
      const r = cramerVonMises(pair.a, pair.b);
      if (r.method !== c.method) return `method ${r.method} vs ${c.method}`;
      if (!relClose(r.statistic, c.statistic, 1e-12)) return `T ${r.statistic} vs ${c.statistic}`;
      // The asymptotic p-value is 1 − cdf with cdf → 1: both scipy and this code carry ~1e-16
      // absolute rounding there, so tiny p-values (< 1e-8) are compared with an absolute floor.
      const ok = c.method === 'exact' ? relClose(r.pValue, c.pvalue, 1e-9, 1e-300) : relClose(r.pValue, c.pvalue, 1e-6, 1e-14);
      if (!ok) return `p ${r.pValue} vs ${c.pvalue} (${c.method}, n=${pair.a.length},${pair.b.length})`;
      return undefined;
    });
    expect(bad).toEqual([]);
  });

  it('rejects bad input with coded errors', () => {
    expect(code(() => cramerVonMises([1], [1, 2]))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(code(() => cramerVonMises([1, Number.NaN], [1, 2]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => cramerVonMises([1, 2], [1, 2], { method: 'fast' as never }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
  });
});
