import { relClose } from '../golden/load-golden';
import { isDriftwatchError } from '../../detectors/errors';
import { welchTTest } from '../../detectors/welch-t-test';
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

describe('welchTTest against scipy.stats.ttest_ind(equal_var=False)', () => {
  it(`matches ${fx.welch.length} golden cases (statistic and df 1e-12, p-value 1e-9 relative)`, () => {
    expect(fx.welch.length).toBeGreaterThan(60);
    const bad = mismatches(fx.welch, (c) => {
      const pair = fx.pairs[c.pair];
      if (pair === undefined) return 'missing pair';
      const r = welchTTest(pair.a, pair.b, { alternative: c.alternative });
      if (!relClose(r.statistic, c.statistic, 1e-12)) return `t ${r.statistic} vs ${c.statistic}`;
      if (!relClose(r.df, c.df, 1e-12)) return `df ${r.df} vs ${c.df}`;
      if (!relClose(r.pValue, c.pvalue, 1e-9, 1e-300)) return `p ${r.pValue} vs ${c.pvalue}`;
      return undefined;
    });
    expect(bad).toEqual([]);
  });

  it('handles constant samples without NaN', () => {
    expect(welchTTest([2, 2, 2], [2, 2])).toMatchObject({ statistic: 0, pValue: 1 });
    const r = welchTTest([1, 1, 1], [2, 2]);
    expect(r.statistic).toBe(Number.NEGATIVE_INFINITY);
    expect(r.pValue).toBe(0);
  });

  it('rejects bad input with coded errors', () => {
    expect(code(() => welchTTest([1], [1, 2]))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(code(() => welchTTest([1, Number.NaN], [1, 2]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => welchTTest([1, 2], [1, Number.POSITIVE_INFINITY]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => welchTTest([1, 2], [1, 2], { alternative: 'both' as never }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
  });
});
