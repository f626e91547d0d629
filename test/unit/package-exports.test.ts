import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The statistics library is public as require('driftwatch/detectors') (DESIGN.md §2.5): check the
// package's self-reference resolves to the built file and exposes the documented API.
// npm test builds dist/ before jest runs.
const root = join(__dirname, '..', '..');

describe("require('driftwatch/detectors')", () => {
  it('resolves to dist/detectors/index.js and exports the documented API', () => {
    expect(existsSync(join(root, 'dist', 'detectors', 'index.js'))).toBe(true);
    const script = `
      const d = require('driftwatch/detectors');
      const out = {
        resolved: require.resolve('driftwatch/detectors'),
        names: Object.keys(d).sort(),
        ks: d.ksTest([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]),
      };
      process.stdout.write(JSON.stringify(out));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as {
      resolved: string;
      names: string[];
      ks: { statistic: number; pValue: number };
    };
    expect(out.resolved).toBe(join(root, 'dist', 'detectors', 'index.js'));
    for (const name of ['ksTest', 'chiSquareTest', 'twoProportionZTest', 'fisherExactTest', 'welchTTest', 'cramerVonMises',
      'andersonDarling', 'psi', 'jensenShannon', 'wasserstein', 'hellinger', 'ADWIN', 'DDM', 'EDDM', 'HDDM_A', 'HDDM_W',
      'PageHinkley', 'CUSUM', 'KSWIN', 'KllSketch', 'DriftwatchError']) {
      expect(out.names).toContain(name);
    }
    // Disjoint samples of 5: D = 1 and scipy's exact two-sided p = 2/C(10,5) = 1/126.
    expect(out.ks.statistic).toBe(1);
    expect(out.ks.pValue).toBeCloseTo(2 / 252, 12);
  });
});
