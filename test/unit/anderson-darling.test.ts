import { relClose } from '../golden/load-golden';
import { andersonDarling } from '../../detectors/anderson-darling';
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

describe('andersonDarling against scipy.stats.anderson_ksamp (midrank, interpolated p-value)', () => {
  it(`matches ${fx.anderson_ksamp.length} golden cases (statistic 1e-12, p-value 1e-9, critical values 1e-15)`, () => {
    expect(fx.anderson_ksamp.length).toBeGreaterThan(30);
    const bad = mismatches(fx.anderson_ksamp, (c) => {
      const pair = c.pair === undefined ? undefined : fx.pairs[c.pair];
      const samples = pair ? [pair.a, pair.b] : (c.samples ?? []);
      const r = andersonDarling(samples);
      // absolute floor: the statistic is a difference (A² − (k−1)) that can be near 0
      if (!relClose(r.statistic, c.statistic, 1e-12, 1e-12)) return `statistic ${r.statistic} vs ${c.statistic}`;
      if (!relClose(r.pValue, c.pvalue, 1e-9)) return `p ${r.pValue} vs ${c.pvalue}`;
      if (r.criticalValues.some((v, i) => !relClose(v, c.critical[i] as number, 1e-15))) return 'critical values';
      return undefined;
    });
    expect(bad).toEqual([]);
    expect(fx.anderson_ksamp.some((c) => c.pvalue === 0.25)).toBe(true);
    expect(fx.anderson_ksamp.some((c) => c.pvalue === 0.001)).toBe(true);
    expect(fx.anderson_ksamp.some((c) => c.pvalue > 0.001 && c.pvalue < 0.25)).toBe(true);
  });

  it('rejects bad input with coded errors', () => {
    expect(code(() => andersonDarling([[1, 2, 3]]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => andersonDarling([[1, 2, 3], []]))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(code(() => andersonDarling([[1], [2, 3]]))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(code(() => andersonDarling([[1, 1], [1, 1]]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => andersonDarling([[1, Number.NaN], [1, 2]]))).toBe('DRIFTWATCH_INVALID_INPUT');
  });
});
