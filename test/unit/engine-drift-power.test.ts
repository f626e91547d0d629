/**
 * The simulator's drift scenarios are honest: each shift (magnitude 1) is one that a two-sample
 * test on 1,000 vs 1,000 events detects with power ≥ 0.99 at α = 0.05 — the bar issue 4 sets for
 * the drift acceptance tests (engine-drift.test.ts). Power is estimated by drawing 200 pairs of
 * 1,000-event samples from the stationary and drifted values of ~9,000 requests each.
 */
import { chiSquareTest } from '../../detectors/chi-square-test';
import { ksTest } from '../../detectors/ks-test';
import { twoProportionZTest } from '../../detectors/two-proportion-z-test';
import { SpeechTraffic, type SimMetric, type SimModel, type SimRecord } from '../../src/simulate/speech-traffic';
import { mulberry32 as rng } from './sketch-random';

const MODELS: SimModel[] = [{ id: 'asr-en', versions: [{ version: 'v', share: 1 }] }];
const METRICS: SimMetric[] = [
  'input_length', 'missing_values', 'brightness', 'null_output', 'redo', 'switch_to_typing', 'confidence', 'latency_ms', 'error_rate',
  'feature:snr_db', 'feature:volume', 'feature:lang', 'feature:noise',
];

type Values = Record<SimMetric, (number | string)[]>;

/** Per-request values of every metric, as the engine would extract them (redo: same session again). */
function values(records: SimRecord[]): Values {
  const out = Object.fromEntries(METRICS.map((m) => [m, []])) as unknown as Values;
  const inputs = new Map<string, { session: string }>();
  const nullPrediction = new Map<string, boolean>();
  const switched = new Set<string>();
  const sessions = new Map<string, string[]>();
  const labels: [string, boolean][] = [];
  for (const r of records) {
    const v = r.value as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (r.role === 'inputs') {
      const f = v.input.features as Record<string, unknown>;
      out.input_length.push(v.input.length as number);
      out.missing_values.push(['snr_db', 'volume', 'noise', 'lang'].filter((k) => f[k] === null).length);
      out.brightness.push(v.input.image.brightness as number);
      if (f.snr_db !== null) out['feature:snr_db'].push(f.snr_db as number);
      if (f.volume !== null) out['feature:volume'].push(f.volume as number);
      if (f.noise !== null) out['feature:noise'].push(f.noise as string);
      out['feature:lang'].push(f.lang as string);
      inputs.set(v.request_id as string, { session: v.session_id as string });
      sessions.set(v.session_id as string, [...(sessions.get(v.session_id as string) ?? []), v.request_id as string]);
    } else if (r.role === 'outputs') {
      out.null_output.push(v.prediction === null ? 1 : 0);
      nullPrediction.set(v.request_id as string, v.prediction === null);
      out.confidence.push(v.confidence as number);
      out.latency_ms.push(v.latency_ms as number);
    } else if (v.action === 'switch_to_typing') switched.add(v.request_id as string);
    else if (v.label !== null) labels.push([v.request_id as string, v.action === 'correct']);
  }
  for (const [id, { session }] of inputs) {
    const s = sessions.get(session) as string[];
    out.redo.push(s.indexOf(id) < s.length - 1 ? 1 : 0);
    out.switch_to_typing.push(switched.has(id) ? 1 : 0);
  }
  // error_rate on non-null predictions only, so the null-output drift does not leak into it.
  for (const [id, wrong] of labels) if (nullPrediction.get(id) === false) out.error_rate.push(wrong ? 1 : 0);
  return out;
}


function pValue(a: (number | string)[], b: (number | string)[], metric: SimMetric): number {
  if (metric === 'feature:lang' || metric === 'feature:noise') {
    const cats = [...new Set([...a, ...b])].sort();
    const row = (xs: (number | string)[]): number[] => cats.map((c) => xs.filter((x) => x === c).length);
    return chiSquareTest([row(a), row(b)]).pValue;
  }
  if (['null_output', 'redo', 'switch_to_typing', 'error_rate'].includes(metric)) {
    const k = (xs: (number | string)[]): number => xs.filter((x) => x === 1).length;
    return twoProportionZTest(k(a), a.length, k(b), b.length).pValue;
  }
  return ksTest(a as number[], b as number[], { method: 'asymp' }).pValue;
}

describe('simulator drift scenarios', () => {
  const n = 22_000;
  const before = values(new SpeechTraffic({ seed: 100, models: MODELS }).take(n));
  const after = values(new SpeechTraffic({ seed: 200, models: MODELS, drifts: METRICS.map((metric) => ({ metric, model: 'asr-en', atRequest: 0 })) }).take(n));

  it.each(METRICS)('%s: a 1,000 vs 1,000 test detects the shift with power ≥ 0.99', (metric) => {
    const r = rng(7);
    const draw = (xs: (number | string)[]): (number | string)[] => Array.from({ length: 1000 }, () => xs[Math.floor(r() * xs.length)] as number | string);
    let detected = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) if (pValue(draw(before[metric]), draw(after[metric]), metric) < 0.05) detected++;
    expect(before[metric].length).toBeGreaterThan(2000);
    expect(detected / trials).toBeGreaterThanOrEqual(0.99);
  });
});
