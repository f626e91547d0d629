/**
 * The incident state machine on hand-made test results: persistence, resolve after clean windows,
 * cooldown, held windows, the sequential early signal, severity and deterministic ids.
 */
import { AlertManager, type AlertSink, type EvaluationContext } from '../../src/engine/alert-manager';
import { alertId, incidentId } from '../../src/engine/alert-ids';
import type { SeriesTestResult } from '../../src/engine/detection-tests';
import type { IncidentState } from '../../src/engine/series';

function result(drifted: boolean, effectSize = 0.2): SeriesTestResult {
  return {
    detector: 'ks', statistic: effectSize, pValue: drifted ? 1e-9 : 0.5, threshold: 1e-4, effectSize, minEffect: 0.07, drifted,
    direction: 'up', reference: { count: 5000, mean: 1, p50: 1 }, current: { count: 1000, mean: 2, p50: 2 },
  };
}

function ctx(w: number, extra: Partial<EvaluationContext> = {}): EvaluationContext {
  return {
    modelId: 'm', modelVersion: 'v', slice: { key: 'device=ios', value: { device: 'ios' } },
    metric: { name: 'input_length', kind: 'data_drift', type: 'continuous' },
    window: { start: w * 1000, end: w * 1000 + 999, count: 1000 }, detectedAt: w * 1000 + 999,
    sources: () => [{ topic: 't', partition: 0, from_offset: w, to_offset: w }], earlySignal: false, ...extra,
  };
}

function run(steps: (boolean | 'held' | 'early')[], effect = 0.2): string[] {
  const m = new AlertManager({ persistence: 2, resolveAfterCleanWindows: 3, cooldownWindows: 3 }, () => 0);
  const state: IncidentState = { consecutiveDrifted: 0, firing: false, incidentId: null, cleanStreak: 0, cooldownLeft: 0, severity: 'warning' };
  const out: string[] = [];
  steps.forEach((s, w) => {
    const sink: AlertSink = { alerts: [], retrain: [] };
    m.onTested(state, ctx(w, { held: s === 'held', earlySignal: s === 'early' }), result(s !== false, effect), sink);
    for (const a of sink.alerts) out.push(`${w}:${a.status}:${a.severity}`);
  });
  return out;
}

describe('alert manager', () => {
  it('fires after `persistence` drifted windows and resolves after 3 clean ones', () => {
    expect(run([false, true, true, true, false, false, false, true])).toEqual(['2:firing:critical', '6:resolved:critical']);
  });

  it('does not fire again during the cooldown after a resolve', () => {
    // Resolved at 4; the cooldown covers windows 5-7 (drifted, but no firing); window 8 fires.
    expect(run([true, true, false, false, false, true, true, true])).toEqual(['1:firing:critical', '4:resolved:critical']);
    expect(run([true, true, false, false, false, true, true, true, true])).toEqual(['1:firing:critical', '4:resolved:critical', '8:firing:critical']);
  });

  it('does not fire on held windows, which restart the persistence count', () => {
    expect(run([true, 'held', true, 'held', true, true])).toEqual(['5:firing:critical']);
  });

  it('fires on one window confirming the sequential early signal', () => {
    expect(run([false, 'early'])).toEqual(['1:firing:critical']);
  });

  it('is a warning below twice the minimum effect', () => {
    expect(run([true, true], 0.1)).toEqual(['1:firing:warning']);
  });

  it('derives ids from the series, the detector and the first firing window only', () => {
    const key = { modelId: 'm', modelVersion: 'v', sliceKey: 'device=ios', metric: 'input_length', detector: 'ks', windowStart: 1000, windowEnd: 1999 };
    expect(incidentId(key)).toBe(incidentId({ ...key }));
    expect(incidentId(key)).not.toBe(incidentId({ ...key, sliceKey: '' }));
    expect(incidentId(key)).toMatch(/^[0-9a-f]{32}$/);
    const id = incidentId(key);
    expect(alertId(id, 'firing', 1000, 1999)).not.toBe(alertId(id, 'resolved', 1000, 1999));
    const sink: AlertSink = { alerts: [], retrain: [] };
    const state: IncidentState = { consecutiveDrifted: 1, firing: false, incidentId: null, cleanStreak: 0, cooldownLeft: 0, severity: 'warning' };
    new AlertManager({ persistence: 2, resolveAfterCleanWindows: 3, cooldownWindows: 3 }, () => 5).onTested(state, ctx(1), result(true), sink);
    expect(sink.alerts[0]?.incident_id).toBe(id);
    expect(sink.alerts[0]?.alert_id).toBe(alertId(id, 'firing', 1000, 1999));
    expect(sink.retrain[0]?.job_id).toBe(id);
  });
});
