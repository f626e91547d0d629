import { EDDM, type EDDMOptions } from '../../detectors/eddm';
import { describeParity } from './sequential-a-golden';

describeParity('EDDM', {
  fixture: 'sequential-eddm',
  create: (p) => new EDDM(p as EDDMOptions),
  fromJSON: (j) => EDDM.fromJSON(j),
  stats: (d) => ({ n: d.n, nErrors: d.nErrors, meanDistance: d.meanDistance }),
  // The EDDM docstring (alpha 0.8, beta 0.75 on random.Random(42)): first drift at 1278.
  riverAsserted: [['river-docstring/a0.8-b0.75', [1278]]],
  badOptions: [{ warmStart: -1 }, { alpha: 0 }, { beta: 1.5 }, { alpha: 0.5, beta: 0.9 }],
});

describe('EDDM — defaults', () => {
  it('has River’s defaults', () => {
    const d = new EDDM();
    expect([d.warmStart, d.alpha, d.beta]).toEqual([30, 0.95, 0.9]);
  });
});
