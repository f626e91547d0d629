import { relClose } from '../golden/load-golden';
import { isDriftwatchError } from '../../detectors/errors';
import { fisherExactTest } from '../../detectors/fisher-exact-test';
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

describe('fisherExactTest against scipy.stats.fisher_exact', () => {
  it(`matches ${fx.fisher_exact.length} golden cases (odds ratio 1e-12, p-value 1e-9 relative)`, () => {
    expect(fx.fisher_exact.length).toBeGreaterThan(150);
    const bad = mismatches(fx.fisher_exact, (c) => {
      const r = fisherExactTest(c.table, { alternative: c.alternative });
      if (!relClose(r.statistic, c.statistic, 1e-12)) return `odds ratio ${r.statistic} vs ${c.statistic}`;
      if (!relClose(r.pValue, c.pvalue, 1e-9, 1e-300)) return `p ${r.pValue} vs ${c.pvalue} (${JSON.stringify(c.table)} ${c.alternative})`;
      return undefined;
    });
    expect(bad).toEqual([]);
  });

  it('rejects non-2x2 and non-integer tables with coded errors', () => {
    expect(code(() => fisherExactTest([[1, 2, 3], [1, 2, 3]]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => fisherExactTest([[1, 2.5], [1, 2]]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => fisherExactTest([[1, -2], [1, 2]]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => fisherExactTest([[1, 2], [1, 2]], { alternative: 'x' as never }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
  });
});
