import { HDDM_W, type HDDMWOptions } from '../../detectors/hddm-w';
import { describeParity } from './sequential-a-golden';

describeParity('HDDM_W', {
  fixture: 'sequential-hddm-w',
  create: (p) => new HDDM_W(p as HDDMWOptions),
  fromJSON: (j) => HDDM_W.fromJSON(j),
  stats: (d) => ({ ewma: d.estimation }),
  // river/drift/test_drift_detectors.py::test_hddm_w and the HDDM_W docstring (drift at 1077).
  // (Older River tests also asserted [507, 1508] for the two-sided test on stream 3; River 0.26.1's
  // EWMean no longer treats a mean of 0 as uninitialised and gives [507, 1032, 1508], which the
  // fixture case 'river-stream-3/two-sided' pins.)
  riverAsserted: [
    ['river-stream-2/default', [1018]],
    ['river-docstring/default', [1077]],
  ],
  badOptions: [{ driftConfidence: -0.1 }, { lambdaVal: 0 }, { lambdaVal: 1.1 }, { twoSidedTest: 'yes' }],
});

describe('HDDM_W — defaults and the EWMA start', () => {
  it('has River’s defaults (one-sided)', () => {
    const d = new HDDM_W();
    expect([d.driftConfidence, d.warningConfidence, d.lambdaVal, d.twoSidedTest]).toEqual([0.001, 0.005, 0.05, false]);
  });

  it('starts the EWMA from the first value and keeps updating a mean of exactly 0 (River 0.26.1)', () => {
    // River 0.26.1: EWMean(0.05) after 0, 1 -> 0.05 (an explicit initialised flag, not mean == 0).
    expect(new HDDM_W().update(0).update(1).estimation).toBe(0.05);
  });
});
