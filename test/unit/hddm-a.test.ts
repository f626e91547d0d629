import { HDDM_A, type HDDMAOptions } from '../../detectors/hddm-a';
import { describeParity } from './sequential-a-golden';

describeParity('HDDM_A', {
  fixture: 'sequential-hddm-a',
  create: (p) => new HDDM_A(p as HDDMAOptions),
  fromJSON: (j) => HDDM_A.fromJSON(j),
  stats: (d) => ({ n: d.n, mean: d.mean }),
  // river/drift/test_drift_detectors.py::test_hddm_a.
  riverAsserted: [
    ['river-stream-2/default', [1047]],
    ['river-stream-3/two-sided', [531, 1015, 1545]],
  ],
  badOptions: [{ driftConfidence: 0 }, { warningConfidence: 1 }, { twoSidedTest: 1 }],
});

describe('HDDM_A — defaults', () => {
  it('has River’s defaults (one-sided)', () => {
    const d = new HDDM_A();
    expect([d.driftConfidence, d.warningConfidence, d.twoSidedTest]).toEqual([0.001, 0.005, false]);
  });
});
