/**
 * Decode throughput of the record decoder (single thread): raw record bytes → validated event, for
 * JSON, plain Avro and Confluent-framed Avro, beside the baseline of issue 4's throughput target — a
 * bare consumer that only does `JSON.parse(value.toString())` on the same JSON records — measured in
 * the same run. Traffic: half inputs (text, 2 segment fields, 3 features), half outputs, like the
 * speech-recognition simulator's; images are measured separately (brightness from a 64×64 PNG/JPEG).
 */
import type { DriftwatchConfig, MessageFormat } from '../../src/config/config-types';
import { defaultConfig } from '../../src/config/load-config';
import { encodeEvent, type EventFormat } from '../../src/ingest/event-encoder';
import { imageBrightness } from '../../src/ingest/image-brightness';
import { solidImage } from '../../src/ingest/image-fixtures';
import { DEFAULT_INPUT_LIMITS } from '../../src/ingest/input-limits';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import type { SourceRecord, TopicRole } from '../../src/pipeline/records';
import type { BenchRow } from './bench-row';

const GROUP = 'record decoding';
const N = 200_000;
const WORDS = ['play', 'some', 'jazz', 'call', 'mom', 'what', 'is', 'the', 'weather', 'in', 'paris', 'set', 'a', 'timer'];
const DEVICES = ['android', 'ios', 'web'];
const REGIONS = ['eu', 'us', 'apac'];

function config(format: MessageFormat): DriftwatchConfig {
  const base = defaultConfig();
  return { ...base, kafka: { ...base.kafka, format } };
}

/** Seeded traffic: alternating input / output wire objects of one request each. */
function traffic(n: number): Array<[TopicRole, Record<string, unknown>]> {
  let s = 12345;
  const rand = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 4294967296;
  };
  const out: Array<[TopicRole, Record<string, unknown>]> = [];
  for (let i = 0; out.length < n; i++) {
    const words = Array.from({ length: 2 + Math.floor(rand() * 6) }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
    const text = words.join(' ');
    const base = { request_id: `r-${String(i).padStart(8, '0')}`, model_id: `asr-${i % 3}`, model_version: '2026.11.1' };
    const ts = 1763800000000 + i * 10;
    out.push([
      'inputs',
      {
        ...base,
        ts,
        session_id: `s-${i % 997}`,
        segment: { device: DEVICES[i % 3], region: REGIONS[(i >> 2) % 3] },
        input: { text, features: { snr_db: Math.round(rand() * 300) / 10, volume: rand() < 0.05 ? null : rand(), lang: 'en' } },
      },
    ]);
    out.push(['outputs', { ...base, ts: ts + 90, prediction: text, confidence: Math.round(rand() * 1000) / 1000, latency_ms: 40 + Math.floor(rand() * 100), deployment: 'live' }]);
  }
  return out.slice(0, n);
}

function records(wires: Array<[TopicRole, Record<string, unknown>]>, format: EventFormat): SourceRecord[] {
  return wires.map(([role, wire], i) => {
    // kafkajs hands out Buffers; the shard batch codec hands out Uint8Array views: use Buffers here.
    const bytes = encodeEvent(wire, role, format);
    return { role, topic: `inference.${role}`, partition: 0, offset: i, key: null, value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  });
}

/** Best of `reps` timings (after one warm-up), in operations per second. */
function opsPerSec(ops: number, run: () => void, reps = 5): number {
  run();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    run();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return ops / best;
}

function seconds(run: () => void): number {
  const t0 = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

/**
 * Ours and the baseline timed in alternating rounds over the same records, so that load from other
 * processes hits both alike; reports the median rates and the median of the per-round ratios.
 */
function paired(ops: number, ours: () => void, baseline: () => void, rounds = 9): { ours: number; baseline: number; ratio: number } {
  ours();
  baseline();
  const o: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const tb = seconds(baseline);
    const to = seconds(ours);
    o.push(ops / to);
    b.push(ops / tb);
    ratios.push(tb / to);
  }
  return { ours: median(o), baseline: median(b), ratio: median(ratios) };
}

export function runDecodeBench(): BenchRow[] {
  const wires = traffic(N);
  const json = records(wires, 'json');
  const avro = records(wires, 'avro');
  const confluent = records(wires, 'confluent-avro');
  const meanBytes = (rs: SourceRecord[]): number => Math.round(rs.reduce((a, r) => a + r.value.length, 0) / rs.length);
  let sink = 0;

  const bare = (): void => {
    for (const r of json) sink += (JSON.parse((r.value as Buffer).toString()) as { ts: number }).ts;
  };
  const rows: BenchRow[] = [];
  const cases: Array<[string, MessageFormat, SourceRecord[]]> = [
    ['decode + validate + extract, JSON', 'json', json],
    ['same, JSON records with format auto', 'auto', json],
    ['decode + validate + extract, plain Avro', 'avro', avro],
    ['decode + validate + extract, Confluent Avro', 'confluent-avro', confluent],
  ];
  for (const [name, format, rs] of cases) {
    const decode = createRecordDecoder(config(format));
    for (const r of rs.slice(0, 1000)) if (!decode(r).ok) throw new Error(`bench record rejected by ${format}`);
    const m = paired(
      N,
      () => {
        for (const r of rs) sink += decode(r).ok ? 1 : 0;
      },
      bare,
    );
    rows.push({
      group: GROUP,
      name,
      unit: 'events/s',
      ours: m.ours,
      baseline: m.baseline,
      baselineLabel: 'bare JSON.parse(value.toString()) of the JSON records',
      target: format === 'json' ? 'ratio ≥ 0.8 (decode share of the service target)' : undefined,
      targetMet: format === 'json' ? m.ratio >= 0.8 : undefined,
      note: `median of 9 alternating rounds, median round ratio ${m.ratio.toFixed(2)}; ${N} records (half inputs, half outputs), ${meanBytes(rs)} B/record`,
    });
  }
  for (const kind of ['png', 'jpeg'] as const) {
    const img = solidImage(kind, 64, 64, [90, 120, 200]);
    const reps = 2000;
    rows.push({
      group: GROUP,
      name: `brightness from a 64×64 ${kind.toUpperCase()}`,
      unit: 'images/s',
      ours: opsPerSec(reps, () => {
        for (let i = 0; i < reps; i++) sink += imageBrightness(img, DEFAULT_INPUT_LIMITS);
      }),
      baseline: null,
      baselineLabel: '—',
      note: `${img.length} B file`,
    });
  }
  if (sink === -1) console.log(sink);
  return rows;
}

if (require.main === module) {
  for (const r of runDecodeBench()) {
    const ratio = r.baseline === null ? '' : ` (${(r.ours / r.baseline).toFixed(2)}× ${r.baselineLabel} = ${Math.round(r.baseline)}/s)`;
    console.log(`${r.name}: ${Math.round(r.ours)} ${r.unit}${ratio}${r.note ? ` — ${r.note}` : ''}`);
  }
}
