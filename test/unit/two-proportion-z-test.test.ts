import { relClose } from '../golden/load-golden';
import { isDriftwatchError } from '../../detectors/errors';
import { twoProportionZTest } from '../../detectors/two-proportion-z-test';
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

describe('twoProportionZTest against a pooled-variance formula with scipy.stats.norm', () => {
  it(`matches ${fx.two_proportion_z.length} golden cases (z 1e-12, p-value 1e-9 relative)`, () => {
    expect(fx.two_proportion_z.length).toBeGreaterThan(50);
    const bad = mismatches(fx.two_proportion_z, (c) => {
      const r = twoProportionZTest(c.x1, c.n1, c.x2, c.n2, { alternative: c.alternative });
      if (!relClose(r.statistic, c.statistic, 1e-12, 1e-15)) return `z ${r.statistic} vs ${c.statistic}`;
      if (!relClose(r.pValue, c.pvalue, 1e-9, 1e-300)) return `p ${r.pValue} vs ${c.pvalue}`;
      return undefined;
    });
    expect(bad).toEqual([]);
  });

  it('returns statistic 0 and p-value 1 when the pooled rate is 0 or 1', () => {
    expect(twoProportionZTest(0, 10, 0, 20)).toMatchObject({ statistic: 0, pValue: 1 });
    expect(twoProportionZTest(10, 10, 20, 20)).toMatchObject({ statistic: 0, pValue: 1 });
  });

  it('rejects bad counts with coded errors', () => {
    expect(code(() => twoProportionZTest(1, 0, 1, 2))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(code(() => twoProportionZTest(3, 2, 1, 2))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => twoProportionZTest(1.5, 2, 1, 2))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => twoProportionZTest(Number.NaN, 2, 1, 2))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => twoProportionZTest(1, 2, 1, 2, { alternative: 'x' as never }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
  });
});
