import { relClose } from '../golden/load-golden';
import { chiSquareTest } from '../../detectors/chi-square-test';
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

describe('chiSquareTest against scipy.stats.chi2_contingency', () => {
  it(`matches ${fx.chi2_contingency.length} golden cases (statistic 1e-12, p-value 1e-9 relative)`, () => {
    expect(fx.chi2_contingency.length).toBeGreaterThan(300);
    const bad = mismatches(fx.chi2_contingency, (c) => {
      const r = chiSquareTest(c.table, { correction: c.correction, ...(c.lambda === null ? {} : { lambda: c.lambda as never }) });
      if (r.dof !== c.dof) return `dof ${r.dof} vs ${c.dof}`;
      if (!relClose(r.statistic, c.statistic, 1e-12, 1e-13)) return `statistic ${r.statistic} vs ${c.statistic}`;
      if (!relClose(r.pValue, c.pvalue, 1e-9, 1e-300)) return `p ${r.pValue} vs ${c.pvalue}`;
      for (let i = 0; i < c.expected.length; i++) {
        for (let j = 0; j < (c.expected[i] as number[]).length; j++) {
          if (!relClose(r.expected[i]?.[j] as number, c.expected[i]?.[j] as number, 1e-15)) return `expected[${i}][${j}]`;
        }
      }
      return undefined;
    });
    expect(bad).toEqual([]);
  });

  it('covers every lambda name, numbers, Yates and the dof = 0 case', () => {
    const lambdas = new Set(fx.chi2_contingency.map((c) => String(c.lambda)));
    for (const l of ['null', 'pearson', 'log-likelihood', 'freeman-tukey', 'mod-log-likelihood', 'neyman', 'cressie-read', '0.5', '2']) {
      expect(lambdas.has(l)).toBe(true);
    }
    expect(fx.chi2_contingency.some((c) => c.dof === 0)).toBe(true);
    expect(chiSquareTest([[3, 4, 5]])).toMatchObject({ statistic: 0, pValue: 1, dof: 0 });
  });

  it('rejects bad tables and options with coded errors', () => {
    expect(code(() => chiSquareTest([[1, 2], [0, 0]]))).toBe('DRIFTWATCH_ZERO_EXPECTED_FREQUENCY');
    expect(code(() => chiSquareTest([[1, Number.NaN], [1, 2]]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => chiSquareTest([[1, -2], [1, 2]]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => chiSquareTest([[1, 2], [1]]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => chiSquareTest([]))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(code(() => chiSquareTest([[1, 2], [3, 4]], { lambda: 'bogus' as never }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => chiSquareTest([[1, 2], [3, 4]], { correction: 1 as never }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
  });
});
