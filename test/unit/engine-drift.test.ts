/**
 * Issue 4 acceptance, in-process: a drift of each standard metric (and of a numeric and a
 * categorical feature) gives an alert of the right kind, metric, model and slice within 5,000
 * requests of that model after the drift, with the default configuration; the other model stays
 * silent, and a whole-model shift is reported once (on the whole model, not on every slice).
 * The simulator's shifts are larger than what a 1,000 vs 1,000 test detects with power 0.99
 * (checked in engine-drift-power.test.ts).
 */
import type { AlertKind, DriftAlert } from '../../src/alerts/alert-types';
import type { SimMetric, SimModel } from '../../src/simulate/speech-traffic';
import { engineConfig, runSim } from './engine-fixture';

const MODELS: SimModel[] = [
  { id: 'asr-en', versions: [{ version: '2026.11.1', share: 1 }] },
  { id: 'asr-de', versions: [{ version: '2026.10.4', share: 1 }] },
];
/** After the reference (5,000 inputs of the version) and a few clean windows. */
const AT = 7000;
const BUDGET = 5000;

const KIND: Record<SimMetric, AlertKind> = {
  input_length: 'data_drift',
  missing_values: 'data_drift',
  brightness: 'data_drift',
  null_output: 'concept_drift',
  redo: 'concept_drift',
  switch_to_typing: 'concept_drift',
  confidence: 'concept_drift',
  latency_ms: 'concept_drift',
  error_rate: 'concept_drift',
  'feature:snr_db': 'data_drift',
  'feature:volume': 'data_drift',
  'feature:lang': 'data_drift',
  'feature:noise': 'data_drift',
};

function detect(metric: SimMetric, slice?: Record<string, string>, seed = 11): { alerts: DriftAlert[]; delays: number[] } {
  const config = engineConfig();
  const run = runSim({ seed, models: MODELS, drifts: [{ metric, model: 'asr-en', atRequest: AT, slice }] }, (sim) => sim.requestsOf('asr-en') >= AT + BUDGET, config);
  return { alerts: run.alerts, delays: run.requestsAtAlert.map((r) => r - AT) };
}

describe('engine: one drift per metric', () => {
  const metrics = Object.keys(KIND) as SimMetric[];
  it.each(metrics)('%s: alert on the whole model, right kind, within 5,000 requests', (metric) => {
    const { alerts, delays } = detect(metric);
    const i = alerts.findIndex((a) => a.status === 'firing' && a.metric === metric && a.model_id === 'asr-en' && Object.keys(a.slice).length === 0);
    expect(i).toBeGreaterThanOrEqual(0);
    const a = alerts[i] as DriftAlert;
    expect(a.kind).toBe(KIND[metric]);
    expect(a.model_version).toBe('2026.11.1');
    expect(delays[i]).toBeLessThanOrEqual(BUDGET);
    expect(a.window.start).toBeLessThanOrEqual(a.window.end);
    expect(a.sources.length).toBeGreaterThan(0);
    // Nothing on the other model, and the shift is not reported again on each slice.
    expect(alerts.filter((x) => x.model_id !== 'asr-en')).toEqual([]);
    expect(alerts.filter((x) => x.metric === metric && Object.keys(x.slice).length > 0).map((x) => x.message)).toEqual([]);
  });
});

describe('engine: a drift in one slice', () => {
  it.each<[SimMetric, Record<string, string>]>([
    ['input_length', { device: 'android' }],
    ['null_output', { device: 'android' }],
    ['latency_ms', { region: 'us' }],
    ['feature:lang', { device: 'ios' }],
  ])('%s in %j is reported on that slice only', (metric, slice) => {
    const { alerts, delays } = detect(metric, slice, 23);
    const mine = alerts.filter((a) => a.metric === metric && a.status === 'firing');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.map((a) => a.slice)).toEqual(mine.map(() => slice));
    expect(mine[0]?.model_id).toBe('asr-en');
    expect(delays[alerts.indexOf(mine[0] as DriftAlert)]).toBeLessThanOrEqual(BUDGET);
  });
});
