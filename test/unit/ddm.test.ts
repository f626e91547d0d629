import { DDM, type DDMOptions } from '../../detectors/ddm';
import { describeParity } from './sequential-a-golden';

describeParity('DDM', {
  fixture: 'sequential-ddm',
  create: (p) => new DDM(p as DDMOptions),
  fromJSON: (j) => DDM.fromJSON(j),
  stats: (d) => ({ n: d.n, p: d.errorRate }),
  // river/drift/test_drift_detectors.py::test_ddm and the DDM docstring (drift at 1334).
  riverAsserted: [
    ['river-stream-2/default', [1049]],
    ['river-docstring/default', [1334]],
  ],
  badOptions: [{ warmStart: -1 }, { warmStart: 2.5 }, { warningThreshold: -1 }, { driftThreshold: Number.NaN }],
});

describe('DDM — inputs', () => {
  it.each([[2], [-0.5]])('rejects %p (outside [0, 1]) with DRIFTWATCH_INVALID_INPUT', (x) => {
    expect(() => new DDM().update(x)).toThrow(expect.objectContaining({ code: 'DRIFTWATCH_INVALID_INPUT' }));
  });

  it('has River’s defaults', () => {
    const d = new DDM();
    expect([d.warmStart, d.warningThreshold, d.driftThreshold]).toEqual([30, 2, 3]);
  });
});
