import type { Admin, Kafka, Producer } from 'kafkajs';
import { roleSchema } from '../../src/ingest/avro-schemas';
import { SpeechTraffic } from '../../src/simulate/speech-traffic';
import { useKafkaClients } from '../harness/env';
import { byId, liveRun, normalised } from './runtime-scenario';

jest.setTimeout(170_000);

// The same simulated events as JSON, plain Avro and Confluent-framed Avro give the same alerts.
describe('input formats through the live service', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  useKafkaClients((c) => {
    ({ kafka, admin, producer } = c);
  });

  it('Avro and Confluent-framed Avro inputs give the same alerts as JSON', async () => {
    const records = new SpeechTraffic({
      seed: 31,
      drifts: [
        { metric: 'input_length', model: 'asr-en', atRequest: 6000 },
        { metric: 'missing_values', model: 'asr-de', atRequest: 6000 },
      ],
    }).take(70_000);
    const common = { kafka, admin, producer, records, partitions: 2 };
    const json = await liveRun({ ...common, format: 'json', overrides: { kafka: { format: 'json' } }, prefix: 'fmt-json' });
    const avro = await liveRun({ ...common, format: 'avro', overrides: { kafka: { format: 'avro' } }, prefix: 'fmt-avro' });
    // Confluent framing is read with format `auto` (which tells JSON, framed and plain Avro apart).
    const confluent = await liveRun({ ...common, format: 'confluent-avro', overrides: { kafka: { format: 'auto' } }, prefix: 'fmt-confluent' });
    const view = (run: typeof json): unknown[] => [...run.alerts].sort(byId).map((a) => normalised(a, run.topics));
    process.stdout.write(`[formats] ${records.length} events: json ${json.alerts.length} alerts, avro ${avro.alerts.length}, confluent ${confluent.alerts.length}\n`);
    expect(json.alerts.length).toBeGreaterThan(0);
    for (const run of [json, avro, confluent]) expect(run.service.stats().rejected).toBe(0);
    expect(view(avro)).toEqual(view(json));
    expect(view(confluent)).toEqual(view(json));
  });

  it('alertFormat avro writes the alerts as Avro records of schemas/drift-alert.avsc', async () => {
    const records = new SpeechTraffic({ seed: 32, drifts: [{ metric: 'null_output', model: 'asr-de', atRequest: 6000 }] }).take(60_000);
    const common = { kafka, admin, producer, records, partitions: 2 };
    const json = await liveRun({ ...common, prefix: 'alert-json' });
    const avro = await liveRun({ ...common, overrides: { kafka: { alertFormat: 'avro' } }, prefix: 'alert-avro', keepRaw: true });
    const type = roleSchema('alert').type;
    const decoded = avro.raw!.map((m) => type.fromBuffer(m.value) as { alert_id: string; metric: string; model_id: string });
    expect(json.alerts.length).toBeGreaterThan(0);
    expect(decoded.map((a) => `${a.alert_id}/${a.model_id}/${a.metric}`).sort()).toEqual(json.alerts.map((a) => `${a.alert_id}/${a.model_id}/${a.metric}`).sort());
  });
});
