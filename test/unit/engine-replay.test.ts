/**
 * `driftwatch replay` / `driftwatch baseline` in-process: an events file gives exactly the alerts
 * of the same records pushed into a PartitionPipeline; value objects, value strings and value_b64
 * are the same bytes; partition and offset default as documented; bad lines go to the DLQ; a
 * baseline profile detects a drift that is present from the first event (where first-n cannot).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DlqEntry, DriftAlert } from '../../src/alerts/alert-types';
import { replayCommand } from '../../src/cli/replay-command';
import { baselineCommand } from '../../src/cli/baseline-command';
import { PartitionPipeline } from '../../src/engine/partition-pipeline';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import { ReplayLineParser } from '../../src/replay/replay-lines';
import { buildBaseline, replayEvents } from '../../src/replay/run-replay';
import { encodeEvent } from '../../src/ingest/event-encoder';
import { SimSourceRecords } from '../../src/simulate/sim-source-records';
import { SpeechTraffic, type SimModel, type SimRecord } from '../../src/simulate/speech-traffic';
import { engineConfig } from './engine-fixture';

const MODELS: SimModel[] = [{ id: 'asr-en', versions: [{ version: '2026.11.1', share: 1 }] }];

function lineOf(r: SimRecord, i: number): string {
  // Three spellings of the value, all meaning the same bytes.
  if (i % 3 === 0) return JSON.stringify({ topic: r.topic, key: r.key, value: r.value });
  if (i % 3 === 1) return JSON.stringify({ topic: r.topic, key: r.key, partition: 0, value: JSON.stringify(r.value) });
  return JSON.stringify({ topic: r.topic, key: r.key, value_b64: Buffer.from(JSON.stringify(r.value)).toString('base64') });
}

describe('replay', () => {
  const config = engineConfig();
  const sim = new SpeechTraffic({ seed: 3, models: MODELS, drifts: [{ metric: 'confidence', model: 'asr-en', atRequest: 6000 }] });
  const records = sim.take(25_000);
  const lines = records.map(lineOf);

  it('gives the alerts of the same records pushed into the pipeline', async () => {
    const alerts: DriftAlert[] = [];
    const dlq: DlqEntry[] = [];
    const summary = await replayEvents(config, [...lines.slice(0, 10), 'not json', '{"topic": "elsewhere", "value": {}}', ...lines.slice(10)], {
      alert: (a) => alerts.push(a),
      dlq: (d) => dlq.push(d),
    }, () => 0);
    const direct = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 0 });
    const offsets = new Map<string, number>();
    const source = records.map((r) => {
      const o = offsets.get(r.topic) ?? 0;
      offsets.set(r.topic, o + 1);
      return { role: r.role, topic: r.topic, partition: 0, offset: o, key: new TextEncoder().encode(r.key), value: new TextEncoder().encode(JSON.stringify(r.value)) };
    });
    const expected = [...direct.push(source).alerts, ...direct.finish().alerts];
    expect(expected.some((a) => a.metric === 'confidence' && a.status === 'firing')).toBe(true);
    expect(alerts).toEqual(expected);
    expect(summary).toMatchObject({ lines: lines.length + 2, consumed: records.length, rejected: 2, partitions: 1, alerts: expected.length });
    expect(dlq.map((d) => [d.error_code, d.topic, d.partition, d.offset])).toEqual([
      ['DRIFTWATCH_REPLAY_BAD_LINE', '', -1, 11],
      ['DRIFTWATCH_REPLAY_UNKNOWN_TOPIC', 'elsewhere', 0, 12],
    ]);
    expect(Buffer.from((dlq[0] as DlqEntry).value_b64, 'base64').toString()).toBe('not json');
  });

  it('defaults partition to 0 and offsets to line order per topic-partition', () => {
    const p = new ReplayLineParser(config);
    const rec = (l: string): unknown => {
      const r = p.parse(l, 1);
      return r !== null && r.ok ? [r.record.role, r.record.partition, r.record.offset] : r;
    };
    expect(rec('{"topic": "inference.inputs", "value": {}}')).toEqual(['inputs', 0, 0]);
    expect(rec('{"topic": "inference.inputs", "value": {}}')).toEqual(['inputs', 0, 1]);
    expect(rec('{"topic": "inference.outputs", "value": {}}')).toEqual(['outputs', 0, 0]);
    expect(rec('{"topic": "inference.inputs", "partition": 2, "offset": 40, "value": {}}')).toEqual(['inputs', 2, 40]);
    expect(rec('{"topic": "inference.inputs", "partition": 2, "value": {}}')).toEqual(['inputs', 2, 41]);
    expect(p.parse('   ', 9)).toBeNull();
    expect(rec('{"topic": "inference.inputs", "offset": -1, "value": {}}')).toMatchObject({ ok: false, dlq: { error_code: 'DRIFTWATCH_REPLAY_BAD_LINE' } });
  });

  it('the commands write alerts, DLQ lines and profiles as files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'driftwatch-replay-'));
    const events = join(dir, 'events.jsonl');
    writeFileSync(events, [...lines, '{oops'].join('\n') + '\n');
    const write = process.stdout.write;
    const writeErr = process.stderr.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await replayCommand.run(['--events', events, '--alerts-out', join(dir, 'alerts.jsonl'), '--dlq-out', join(dir, 'dlq.jsonl')])).toBe(0);
      expect(await baselineCommand.run(['--events', events, '--out', join(dir, 'profile.json')])).toBe(0);
      expect(await replayCommand.run(['--events', events])).toBe(2);
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeErr;
    }
    const alerts = readFileSync(join(dir, 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as DriftAlert);
    expect(alerts.some((a) => a.metric === 'confidence' && a.status === 'firing')).toBe(true);
    expect(readFileSync(join(dir, 'dlq.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as DlqEntry).error_code)).toEqual(['DRIFTWATCH_REPLAY_BAD_LINE']);
    const profile = JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8')) as { format: string; series: unknown[] };
    expect(profile.format).toBe('driftwatch-baseline');
    expect(profile.series.length).toBeGreaterThan(50);
  });
});

describe('replay of several partitions and formats', () => {
  const models: SimModel[] = [
    { id: 'asr-en', versions: [{ version: '1', share: 1 }] },
    { id: 'asr-de', versions: [{ version: '1', share: 1 }] },
    { id: 'asr-fr', versions: [{ version: '1', share: 1 }] },
  ];
  const records = new SpeechTraffic({
    seed: 12,
    models,
    drifts: [
      { metric: 'input_length', model: 'asr-de', atRequest: 5500 },
      { metric: 'null_output', model: 'asr-fr', atRequest: 5500 },
    ],
  }).take(75_000);
  const parts = new SimSourceRecords(3);
  const sorted = (as: DriftAlert[]): string[] => as.map((a) => JSON.stringify({ ...a, emitted_at: 0 })).sort();

  it('runs one pipeline per partition: the alerts of the partitions run separately', async () => {
    const lines = records.map((r) => JSON.stringify({ topic: r.topic, key: r.key, partition: parts.partitionOf(r.key), value: r.value }));
    expect(new Set(records.map((r) => parts.partitionOf(r.key))).size).toBeGreaterThan(1);
    const alerts: DriftAlert[] = [];
    const summary = await replayEvents(engineConfig(), lines, { alert: (a) => alerts.push(a) });
    expect(summary.partitions).toBe(new Set(records.map((r) => parts.partitionOf(r.key))).size);
    const config = engineConfig();
    const separately: DriftAlert[] = [];
    for (const p of new Set(records.map((r) => parts.partitionOf(r.key)))) {
      const mine = records.filter((r) => parts.partitionOf(r.key) === p);
      const pl = new PartitionPipeline(config, createRecordDecoder(config), { now: () => 0 });
      const src = new SimSourceRecords(3);
      separately.push(...pl.push(mine.map((r) => src.toSource(r))).alerts, ...pl.finish().alerts);
    }
    expect(alerts.map((a) => `${a.model_id} ${a.metric} ${a.status}`).sort()).toEqual(expect.arrayContaining(['asr-de input_length firing', 'asr-fr null_output firing']));
    expect(sorted(alerts)).toEqual(sorted(separately));
  });

  it('gives the same alerts for Avro and Confluent-framed Avro values (value_b64) as for JSON', async () => {
    // Smaller references and windows (so fewer records) keep the Avro runs short.
    const config = engineConfig({ reference: { size: 1000 }, windows: { size: 300 } });
    const few = new SpeechTraffic({ seed: 13, models, drifts: [{ metric: 'latency_ms', model: 'asr-en', atRequest: 1300 }] }).take(24_000);
    const run = async (encode: (r: SimRecord) => string): Promise<string[]> => {
      const alerts: DriftAlert[] = [];
      await replayEvents(config, few.map(encode), { alert: (a) => alerts.push(a) });
      return sorted(alerts);
    };
    const json = await run((r) => JSON.stringify({ topic: r.topic, key: r.key, value: r.value }));
    const avro = await run((r) => JSON.stringify({ topic: r.topic, key: r.key, value_b64: Buffer.from(encodeEvent(r.value, r.role, 'avro')).toString('base64') }));
    const confluent = await run((r) => JSON.stringify({ topic: r.topic, key: r.key, value_b64: Buffer.from(encodeEvent(r.value, r.role, 'confluent-avro')).toString('base64') }));
    expect(json.length).toBeGreaterThan(0);
    expect(avro).toEqual(json);
    expect(confluent).toEqual(json);
  });
});

describe('baseline profiles', () => {
  it('detect a drift present from the first event, which first-n takes as its reference', async () => {
    const config = engineConfig();
    const good = new SpeechTraffic({ seed: 1, models: MODELS }).take(20_000).map(lineOf);
    const { profile } = await buildBaseline(config, good);
    expect(profile.reference_size).toBe(config.reference.size);
    const whole = profile.series.find((s) => s.metric === 'latency_ms' && Object.keys(s.slice).length === 0);
    expect(whole).toMatchObject({ type: 'continuous', model_id: 'asr-en' });
    const drifted = new SpeechTraffic({ seed: 2, models: MODELS, drifts: [{ metric: 'latency_ms', model: 'asr-en', atRequest: 0 }] }).take(15_000).map(lineOf);
    const dir = mkdtempSync(join(tmpdir(), 'driftwatch-profile-'));
    const profilePath = join(dir, 'profile.json');
    writeFileSync(profilePath, JSON.stringify(profile));
    const alerts: DriftAlert[] = [];
    await replayEvents(engineConfig({ reference: { mode: 'profile', profilePath } }), drifted, { alert: (a) => alerts.push(a) });
    expect(alerts.filter((a) => a.status === 'firing').map((a) => [a.metric, a.slice])).toEqual([['latency_ms', {}]]);
    const firstN: DriftAlert[] = [];
    await replayEvents(config, drifted, { alert: (a) => firstN.push(a) });
    expect(firstN).toEqual([]);
  });
});
