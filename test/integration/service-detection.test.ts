import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DriftAlert } from '../../src/alerts/alert-types';
import { SpeechTraffic, type DriftSpec, type SimMetric, type SimModel } from '../../src/simulate/speech-traffic';
import { useKafkaClients } from '../harness/env';
import { liveRun } from './runtime-scenario';

// Detection through the whole service on the real broker (the Kafka-level counterpart of the
// engine's unit tests): stationary traffic gives no alert; a drift of each standard metric gives
// an alert of the right kind, metric and model, soon enough; a drift in one slice is reported on it.
const STANDARD: { metric: SimMetric; kind: DriftAlert['kind'] }[] = [
  { metric: 'input_length', kind: 'data_drift' },
  { metric: 'missing_values', kind: 'data_drift' },
  { metric: 'brightness', kind: 'data_drift' },
  { metric: 'null_output', kind: 'concept_drift' },
  { metric: 'redo', kind: 'concept_drift' },
  { metric: 'switch_to_typing', kind: 'concept_drift' },
  { metric: 'confidence', kind: 'concept_drift' },
  { metric: 'latency_ms', kind: 'concept_drift' },
  { metric: 'error_rate', kind: 'concept_drift' },
];

jest.setTimeout(170_000);

describe('detection through the live service', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  useKafkaClients((c) => {
    ({ kafka, admin, producer } = c);
  });

  it('stationary traffic over several models, versions and slices gives zero alerts (200,000 events)', async () => {
    const models: SimModel[] = [
      { id: 'asr-en', versions: [{ version: '2026.11.1', share: 0.7 }, { version: '2026.11.2', share: 0.3 }] },
      { id: 'asr-de', versions: [{ version: '2026.10.4', share: 1 }] },
      { id: 'asr-fr', versions: [{ version: '2026.11.1', share: 0.5 }, { version: '2026.11.3', share: 0.5 }] },
      { id: 'asr-es', versions: [{ version: '2026.09.9', share: 1 }], weight: 0.5 },
    ];
    const records = new SpeechTraffic({ seed: 4242, models }).take(200_000);
    const run = await liveRun({ kafka, admin, producer, records, partitions: 4, prefix: 'stationary' });
    const series = new Set(run.routed.filter((r) => r.role === 'inputs').map((r) => `${String(r.sim.value.model_id)}/${String(r.sim.value.model_version)}`));
    expect(series.size).toBe(6);
    expect(run.service.stats().rejected).toBe(0);
    expect(run.alerts).toEqual([]);
    process.stdout.write(`[stationary] ${records.length} events over ${series.size} model versions consumed in ${run.consumeMs} ms: 0 alerts\n`);
  });

  it('a drift of each standard metric gives the right alert within 5,000 requests; a one-slice drift is reported on that slice', async () => {
    const atRequest = 6000;
    const models: SimModel[] = [
      ...STANDARD.map(({ metric }) => ({ id: `m-${metric}`, versions: [{ version: 'v1', share: 1 }] })),
      { id: 'm-slice', versions: [{ version: 'v1', share: 1 }] },
      { id: 'm-control', versions: [{ version: 'v1', share: 1 }] },
    ];
    const drifts: DriftSpec[] = [
      ...STANDARD.map(({ metric }) => ({ metric, model: `m-${metric}`, atRequest })),
      { metric: 'input_length', model: 'm-slice', slice: { device: 'android' }, atRequest, magnitude: 1.5 },
    ];
    const sim = new SpeechTraffic({ seed: 99, models, drifts });
    const records = [];
    // Enough traffic for every model to reach 5,000 requests past the drift.
    while (models.some((m) => sim.requestsOf(m.id) < atRequest + 5200)) records.push(...sim.take(20_000));
    const run = await liveRun({ kafka, admin, producer, records, partitions: 4, prefix: 'drifts' });

    // Event time of a model's request by index (request ids are `<model>-<version>-<index>`).
    const tsOf = (model: string, index: number): number => {
      const r = run.routed.find((x) => x.role === 'inputs' && x.sim.value.request_id === `${model}-v1-${index}`);
      if (!r) throw new Error(`no request ${index} of ${model}`);
      return r.sim.ts;
    };
    const summary = run.alerts.map((a) => `${a.model_id}:${a.metric}:${JSON.stringify(a.slice)}:${a.status}`);
    process.stdout.write(`[drifts] ${records.length} events consumed in ${run.consumeMs} ms; ${run.alerts.length} alerts: ${summary.join(' ')}\n`);
    const firing = run.alerts.filter((a) => a.status === 'firing');
    const problems: string[] = [];
    for (const { metric, kind } of STANDARD) {
      const model = `m-${metric}`;
      const hit = firing.filter((a) => a.model_id === model && a.metric === metric && Object.keys(a.slice).length === 0);
      if (hit.length === 0) {
        problems.push(`${model}: no whole-model ${metric} alert`);
        continue;
      }
      const first = hit.reduce((a, b) => (a.detected_at <= b.detected_at ? a : b));
      if (first.kind !== kind) problems.push(`${model}: kind ${first.kind}, expected ${kind}`);
      if (first.detected_at < tsOf(model, atRequest)) problems.push(`${model}: detected before the drift`);
      if (first.detected_at > tsOf(model, atRequest + 5000)) problems.push(`${model}: detected more than 5,000 requests after the drift`);
    }
    expect(problems).toEqual([]);
    const slice = firing.filter((a) => a.model_id === 'm-slice' && a.metric === 'input_length');
    expect(slice.some((a) => a.slice.device === 'android')).toBe(true);
    expect(slice.filter((a) => a.slice.device !== undefined && a.slice.device !== 'android')).toEqual([]);
    expect(run.alerts.filter((a) => a.model_id === 'm-control')).toEqual([]);
  });
});
