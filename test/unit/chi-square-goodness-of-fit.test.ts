import { relClose } from '../golden/load-golden';
import { chiSquareGoodnessOfFit } from '../../detectors/chi-square-goodness-of-fit';
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

describe('chiSquareGoodnessOfFit against scipy.stats.power_divergence / chisquare', () => {
  it(`matches ${fx.chisquare.length} golden cases (statistic 1e-12, p-value 1e-9 relative)`, () => {
    expect(fx.chisquare.length).toBeGreaterThan(100);
    const bad = mismatches(fx.chisquare, (c) => {
      const r = chiSquareGoodnessOfFit(c.observed, c.reference, {
        ddof: c.ddof,
        pseudoCount: c.pseudoCount,
        ...(c.lambda === null ? {} : { lambda: c.lambda as never }),
      });
      if (JSON.stringify(r.categories) !== JSON.stringify(c.categories)) return 'kept categories differ';
      if (!relClose(r.statistic, c.statistic, 1e-12, 1e-13)) return `statistic ${r.statistic} vs ${c.statistic}`;
      if (!relClose(r.pValue, c.pvalue, 1e-9, 1e-300)) return `p ${r.pValue} vs ${c.pvalue}`;
      return undefined;
    });
    expect(bad).toEqual([]);
  });

  it('drops categories empty in both, rejects unseen categories unless smoothed', () => {
    const r = chiSquareGoodnessOfFit([5, 0, 7], [10, 0, 12]);
    expect(r.categories).toEqual([0, 2]);
    expect(r.dof).toBe(1);
    expect(code(() => chiSquareGoodnessOfFit([5, 1, 7], [10, 0, 12]))).toBe('DRIFTWATCH_ZERO_EXPECTED_FREQUENCY');
    expect(chiSquareGoodnessOfFit([5, 1, 7], [10, 0, 12], { pseudoCount: 0.5 }).categories).toEqual([0, 1, 2]);
  });

  it('rejects bad input with coded errors', () => {
    expect(code(() => chiSquareGoodnessOfFit([1, 2], [1, 2, 3]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => chiSquareGoodnessOfFit([1, Number.NaN], [1, 2]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => chiSquareGoodnessOfFit([0, 0], [1, 2]))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(code(() => chiSquareGoodnessOfFit([3], [1]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => chiSquareGoodnessOfFit([1, 2], [1, 2], { ddof: -1 }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => chiSquareGoodnessOfFit([1, 2], [1, 2], { pseudoCount: Number.NaN }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
  });
});
