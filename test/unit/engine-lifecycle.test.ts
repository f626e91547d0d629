/**
 * The incident lifecycle: a drift that starts and stops fires once, resolves after
 * `alerts.resolveAfterCleanWindows` clean windows, with one incident id, distinct alert ids, a
 * retraining trigger per firing (job id = incident id, data range = the drifted window) and
 * self-explaining messages.
 */
import { PartitionPipeline } from '../../src/engine/partition-pipeline';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import type { DriftAlert, RetrainTrigger } from '../../src/alerts/alert-types';
import type { SimModel } from '../../src/simulate/speech-traffic';
import { engineConfig, simRecords } from './engine-fixture';

const MODELS: SimModel[] = [{ id: 'asr-en', versions: [{ version: '2026.11.1', share: 1 }] }];

describe('engine: firing → resolved', () => {
  const config = engineConfig();
  const records = simRecords({ seed: 8, models: MODELS, drifts: [{ metric: 'input_length', model: 'asr-en', atRequest: 7000, untilRequest: 10000 }] }, 40_000);
  const p = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 1234 });
  const alerts: DriftAlert[] = [];
  const retrain: RetrainTrigger[] = [];
  for (let i = 0; i < records.length; i += 1000) {
    const o = p.push(records.slice(i, i + 1000));
    alerts.push(...o.alerts);
    retrain.push(...o.retrain);
  }
  const mine = alerts.filter((a) => a.metric === 'input_length');

  it('fires once and resolves once, on one incident (and nothing else fires)', () => {
    expect(alerts.filter((a) => a.metric !== 'input_length')).toEqual([]);
    expect(mine.map((a) => a.status)).toEqual(['firing', 'resolved']);
    const [firing, resolved] = mine as [DriftAlert, DriftAlert];
    expect(resolved.incident_id).toBe(firing.incident_id);
    expect(resolved.alert_id).not.toBe(firing.alert_id);
    expect(firing.incident_id).toMatch(/^[0-9a-f]{32}$/);
    expect(resolved.window.start).toBeGreaterThan(firing.window.end);
    expect(resolved.severity).toBe(firing.severity);
    expect(firing.kind).toBe('data_drift');
    expect(firing.detector).toBe('ks');
    expect(firing.emitted_at).toBe(1234);
    expect(firing.detected_at).toBeGreaterThanOrEqual(firing.window.end);
    expect(firing.p_value).toBeLessThan(firing.threshold);
    expect(firing.effect_size).toBeGreaterThanOrEqual(config.detection.minKsStatistic);
    expect(firing.current.mean).toBeGreaterThan(firing.reference.mean as number);
    expect(firing.reference.count).toBe(config.reference.size);
    expect(firing.message).toMatch(/^\[asr-en 2026\.11\.1\] input_length shifted up: KS D=[0-9.]+, p=[0-9.e-]+ \(threshold [0-9.e-]+\), mean [0-9.]+ -> [0-9.]+$/);
    expect(resolved.message).toMatch(/back within reference after 3 clean windows/);
  });

  it('asks for one retraining job per firing incident, with the drifted data range', () => {
    const jobs = retrain.filter((r) => r.alerts[0]?.metric === 'input_length');
    expect(jobs).toHaveLength(1);
    const [job] = jobs as [RetrainTrigger];
    const firing = mine[0] as DriftAlert;
    expect(job.job_id).toBe(firing.incident_id);
    expect(job.model_id).toBe('asr-en');
    expect(job.data_range).toEqual({ start: firing.window.start, end: firing.window.end, sources: firing.sources });
    expect(firing.sources.map((s) => s.topic).sort()).toEqual(['inference.feedback', 'inference.inputs', 'inference.outputs']);
    for (const s of firing.sources) expect(s.to_offset).toBeGreaterThanOrEqual(s.from_offset);
  });

  it('gives the same incident id when the same records are replayed', () => {
    const q = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 99 });
    const again = [...q.push(records).alerts, ...q.finish().alerts].filter((a) => a.metric === 'input_length');
    expect(again.map((a) => a.alert_id)).toEqual(mine.map((a) => a.alert_id));
    expect(again.map((a) => ({ ...a, emitted_at: 0 }))).toEqual(mine.map((a) => ({ ...a, emitted_at: 0 })));
  });
});

describe('engine: trailing references', () => {
  it('fire on a level shift, then absorb it and resolve while the new level holds', () => {
    const config = engineConfig({ reference: { mode: 'trailing' } });
    const records = simRecords({ seed: 9, models: MODELS, drifts: [{ metric: 'latency_ms', model: 'asr-en', atRequest: 7000 }] }, 60_000);
    const p = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 0 });
    const alerts = [...p.push(records).alerts, ...p.finish().alerts].filter((a) => a.metric === 'latency_ms' && Object.keys(a.slice).length === 0);
    expect(alerts.map((a) => a.status)).toEqual(['firing', 'resolved']);
    // The resolving window is still at the new level: the reference moved, not the traffic.
    const [firing, resolved] = alerts as [DriftAlert, DriftAlert];
    expect(resolved.current.mean as number).toBeGreaterThan((firing.reference.mean as number) * 1.1);
    expect(resolved.reference.mean as number).toBeGreaterThan((firing.reference.mean as number) * 1.1);
  });
});

describe('engine: shadow deployments', () => {
  it('monitor the shadow version on its own outputs (its window clock ticks on them)', () => {
    const config = engineConfig();
    const records = simRecords(
      { seed: 14, models: MODELS, shadow: { 'asr-en': '2026.12.0-shadow' }, drifts: [{ metric: 'confidence', model: 'asr-en', version: '2026.12.0-shadow', atRequest: 6500 }] },
      50_000,
    );
    const p = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 0 });
    const alerts = [...p.push(records).alerts, ...p.finish().alerts];
    expect(alerts.filter((a) => a.status === 'firing').map((a) => `${a.model_version} ${a.metric} ${JSON.stringify(a.slice)}`)).toEqual(['2026.12.0-shadow confidence {}']);
  });
});
