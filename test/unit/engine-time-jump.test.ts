/**
 * Issue 5 §4, "timestamps far outside any plausible range" that are still valid (inside
 * [2000, 2200)): one record with a ts in the year 2100 used to raise its stream's max ts, so that
 * every later event of its topic-partition counted as late and was dropped. The stream merger now
 * holds an event more than `windows.maxTimeJumpMs` ahead of the partition's max ts until the next
 * record of its stream confirms the jump (stream-merger.ts). Checked here with simulated drifting
 * traffic through PartitionPipeline: a wrong ts costs exactly that record (same alerts as the
 * stream without it, one DLQ entry with its coordinates), a genuine jump (traffic resumes days
 * later) costs nothing (same outputs as with the protection off), the held candidate survives
 * snapshot/restore, and push boundaries anywhere give the same outputs.
 */
import { isDriftwatchError } from '../../detectors/errors';
import type { DlqEntry, DriftAlert, RetrainTrigger } from '../../src/alerts/alert-types';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { accumulateCounters, PartitionPipeline, type PipelineCounters, type PipelineSnapshot } from '../../src/engine/partition-pipeline';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import type { SourceRecord, TopicRole } from '../../src/pipeline/records';
import { SimSourceRecords } from '../../src/simulate/sim-source-records';
import { SpeechTraffic, type SimModel } from '../../src/simulate/speech-traffic';
import { engineConfig } from './engine-fixture';
import { mulberry32 as rng } from './sketch-random';

const MODELS: SimModel[] = [
  { id: 'asr-en', versions: [{ version: '1', share: 1 }] },
  { id: 'asr-fr', versions: [{ version: '7', share: 0.6 }, { version: '8', share: 0.4 }] },
];
/** Small windows and references so that drifts fire within a short stream. */
const CONFIG = engineConfig({ windows: { size: 500 }, reference: { size: 1000 } });
/** The same with the protection off (the behaviour before windows.maxTimeJumpMs). */
const UNPROTECTED = engineConfig({ windows: { size: 500, maxTimeJumpMs: Number.MAX_SAFE_INTEGER }, reference: { size: 1000 } });
const N = 24_000;
const YEAR_2100 = Date.UTC(2100, 0, 1);
const DAY = 24 * 60 * 60 * 1000;
const UTF8 = new TextEncoder();
const TEXT = new TextDecoder();


/**
 * Drifting traffic on one partition; records from index `resumeAt` on are shifted `pauseMs` later
 * (every topic pauses, then traffic resumes).
 */
function traffic(n = N, resumeAt = n, pauseMs = 0): SourceRecord[] {
  const sim = new SpeechTraffic({
    seed: 5,
    models: MODELS,
    drifts: [
      { metric: 'confidence', model: 'asr-en', atRequest: 1500 },
      { metric: 'latency_ms', model: 'asr-fr', atRequest: 1800 },
      { metric: 'input_length', model: 'asr-en', atRequest: 4000 },
    ],
  });
  const enc = new SimSourceRecords(1);
  return sim.take(n).map((r, i) => enc.toSource(i < resumeAt ? r : { ...r, ts: r.ts + pauseMs, value: { ...r.value, ts: (r.value.ts as number) + pauseMs } }));
}

/** The record with its ts replaced (same coordinates). */
function withTs(r: SourceRecord, ts: number): SourceRecord {
  const value = JSON.parse(TEXT.decode(r.value)) as Record<string, unknown>;
  return { ...r, value: UTF8.encode(JSON.stringify({ ...value, ts })) };
}

/** Index of the first record of `role` at or after `from`. */
function firstOf(records: readonly SourceRecord[], role: TopicRole, from: number): number {
  for (let i = from; i < records.length; i++) if ((records[i] as SourceRecord).role === role) return i;
  throw new Error(`no ${role} record after ${from}`);
}

interface Run {
  alerts: DriftAlert[];
  dlq: DlqEntry[];
  retrain: RetrainTrigger[];
  counters: PipelineCounters;
}

function emptyRun(): Run {
  return { alerts: [], dlq: [], retrain: [], counters: { consumed: 0, rejected: 0, late: 0, orphans: 0, limitHits: {} } };
}

function newPipeline(config: Readonly<DriftwatchConfig>): PartitionPipeline {
  return new PartitionPipeline(config, createRecordDecoder(config), { now: () => 0 });
}

function collect(into: Run, o: Run): void {
  into.alerts.push(...o.alerts);
  into.dlq.push(...o.dlq);
  into.retrain.push(...o.retrain);
  accumulateCounters(into.counters, o.counters);
}

/** Pushes the records in batches of the given sizes (the rest in one), then finish(). */
function run(records: readonly SourceRecord[], config = CONFIG, sizes: readonly number[] = [records.length]): Run {
  const p = newPipeline(config);
  const out = emptyRun();
  let at = 0;
  for (const size of sizes) {
    if (at >= records.length) break;
    collect(out, p.push(records.slice(at, at + size)));
    at += size;
  }
  if (at < records.length) collect(out, p.push(records.slice(at)));
  collect(out, p.finish());
  return out;
}

/** Random batch sizes (1 to 3,000 records, often tiny) covering n records. */
function randomSplits(n: number, seed: number): number[] {
  const r = rng(seed);
  const sizes: number[] = [];
  for (let total = 0; total < n; ) {
    const size = r() < 0.3 ? 1 + Math.floor(r() * 5) : 1 + Math.floor(r() * 3000);
    sizes.push(size);
    total += size;
  }
  return sizes;
}

describe('one far-future timestamp costs only its record', () => {
  const base = traffic();

  it.each<[TopicRole]>([['inputs'], ['outputs'], ['feedback']])('a ts in the year 2100 on %s, in the middle of drifting traffic', (role) => {
    const k = firstOf(base, role, N / 2);
    const good = base[k] as SourceRecord;
    const bad = withTs(good, YEAR_2100 + k);
    const withBad = base.map((r, i) => (i === k ? bad : r));
    // Without it: the other records keep their offsets (a gap at k), so alert sources match.
    const without = base.filter((_, i) => i !== k);

    const a = run(withBad);
    const b = run(without);
    expect(b.alerts.length).toBeGreaterThanOrEqual(3);
    // Some alerts come from windows after the bad record: the ones a late stream would have lost.
    const after = b.alerts.filter((x) => x.sources.some((s) => s.topic === good.topic && s.from_offset > good.offset));
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(a.alerts).toEqual(b.alerts);
    expect(a.retrain).toEqual(b.retrain);
    expect(a.counters.late).toBe(b.counters.late);
    expect(a.counters.orphans).toBe(b.counters.orphans);
    expect(a.counters.consumed).toBe(b.counters.consumed + 1);
    expect(a.counters.rejected).toBe(1);
    expect(a.dlq).toHaveLength(1);
    const d = a.dlq[0] as DlqEntry;
    expect({ code: d.error_code, topic: d.topic, partition: d.partition, offset: d.offset, key: d.key }).toEqual({
      code: 'DRIFTWATCH_TS_OUT_OF_RANGE',
      topic: good.topic,
      partition: good.partition,
      offset: good.offset,
      key: TEXT.decode(good.key as Uint8Array),
    });
    expect(d.value_b64).toBe(Buffer.from(bad.value).toString('base64'));
    expect(d.error_message).toContain('2100-01-01T');
    expect(d.error_message).toContain('windows.maxTimeJumpMs');
    expect(d.error_message).toContain('did not follow it');
  });

  it('without the protection the same record makes its stream late (the bug this fixes)', () => {
    const k = firstOf(base, 'inputs', N / 2);
    const withBad = base.map((r, i) => (i === k ? withTs(r, YEAR_2100) : r));
    const protectedRun = run(withBad);
    const unprotected = run(withBad, UNPROTECTED);
    const inputsAfter = base.slice(k + 1).filter((r) => r.role === 'inputs').length;
    expect(unprotected.counters.late).toBe(inputsAfter);
    expect(unprotected.dlq).toHaveLength(0);
    expect(unprotected.alerts.length).toBeLessThan(protectedRun.alerts.length);
    expect(protectedRun.counters.late).toBe(0);
  });

  it('a far-future first record of a stream (others already delivered) is compared with the other streams', () => {
    const k = firstOf(base, 'feedback', 0);
    const withBad = base.map((r, i) => (i === k ? withTs(r, YEAR_2100) : r));
    const a = run(withBad);
    const b = run(base.filter((_, i) => i !== k));
    expect(a.dlq.map((d) => [d.error_code, d.offset])).toEqual([['DRIFTWATCH_TS_OUT_OF_RANGE', (base[k] as SourceRecord).offset]]);
    expect(a.alerts).toEqual(b.alerts);
    expect(a.counters.late).toBe(0);
  });

  it('a candidate still held at the end of input is rejected by finish()', () => {
    const last = base.slice(0, 3000);
    const k = last.length - 1;
    const p = newPipeline(CONFIG);
    const pushed = p.push(last.map((r, i) => (i === k ? withTs(r, YEAR_2100) : r)));
    expect(pushed.dlq).toHaveLength(0);
    expect(p.stats().buffered).toBeGreaterThan(0);
    const done = p.finish();
    expect(done.dlq.map((d) => [d.error_code, d.offset])).toEqual([['DRIFTWATCH_TS_OUT_OF_RANGE', (last[k] as SourceRecord).offset]]);
    expect(done.dlq[0]?.error_message).toContain('input ended');
    expect(done.counters.rejected).toBe(1);
    expect(p.stats().buffered).toBe(0);
  });

  it('a stray old record right after the candidate decides nothing (it is late and dropped)', () => {
    const k = firstOf(base, 'inputs', N / 2);
    const next = firstOf(base, 'inputs', k + 1);
    const withBad = base.map((r, i) => (i === k ? withTs(r, YEAR_2100) : i === next ? withTs(r, 1_763_800_000_000) : r));
    const a = run(withBad);
    expect(a.dlq.map((d) => d.offset)).toEqual([(base[k] as SourceRecord).offset]);
    expect(a.counters.late).toBe(1);
  });
});

describe('genuine jumps are accepted', () => {
  it('traffic resuming 3 days later: no DLQ, nothing late, the same outputs as without the protection', () => {
    const resumed = traffic(N, N / 2, 3 * DAY);
    // The first record after the pause is held (nothing else of its time has been seen yet).
    const probe = newPipeline(CONFIG);
    probe.push(resumed.slice(0, N / 2 + 1));
    expect(probe.snapshot().merger.streams.filter((s) => s.held !== null)).toHaveLength(1);
    const a = run(resumed);
    const off = run(resumed, UNPROTECTED);
    expect(a.dlq).toHaveLength(0);
    expect(a.counters.late).toBe(0);
    expect(a).toEqual(off);
    // Detection goes on after the pause: alerts of windows after it.
    const resumeTs = (JSON.parse(TEXT.decode((resumed[N / 2] as SourceRecord).value)) as { ts: number }).ts;
    expect(a.alerts.some((x) => x.window.end >= resumeTs)).toBe(true);
  });

  it('two consecutive far-future records confirm each other (documented limitation): accepted, the stream after them is late', () => {
    const base = traffic();
    const k1 = firstOf(base, 'inputs', N / 2);
    const k2 = firstOf(base, 'inputs', k1 + 1);
    const withBad = base.map((r, i) => (i === k1 ? withTs(r, YEAR_2100) : i === k2 ? withTs(r, YEAR_2100 + 10) : r));
    const a = run(withBad);
    expect(a.dlq).toHaveLength(0);
    expect(a.counters.late).toBe(base.slice(k2 + 1).filter((r) => r.role === 'inputs').length);
  });
});

describe('state and determinism', () => {
  const base = traffic();
  const k = firstOf(base, 'inputs', N / 2);
  const withBad = base.map((r, i) => (i === k ? withTs(r, YEAR_2100) : r));

  it('a snapshot taken while a candidate is held restores and continues identically', () => {
    const whole = run(withBad, CONFIG, [k + 1]);
    const p = newPipeline(CONFIG);
    const out = emptyRun();
    collect(out, p.push(withBad.slice(0, k + 1)));
    const snap = JSON.parse(JSON.stringify(p.snapshot())) as PipelineSnapshot;
    const held = snap.merger.streams[0]?.held;
    expect(held).not.toBeNull();
    expect(held?.[2]).toBe(Buffer.from((withBad[k] as SourceRecord).value).toString('base64'));
    const q = PartitionPipeline.restore(CONFIG, createRecordDecoder(CONFIG), snap, { now: () => 0 });
    expect(q.snapshot()).toEqual(snap);
    collect(out, q.push(withBad.slice(k + 1)));
    collect(out, q.finish());
    expect(out).toEqual(whole);
    expect(out.dlq).toHaveLength(1);
  });

  it('a damaged held candidate is DRIFTWATCH_CHECKPOINT_INVALID', () => {
    const p = newPipeline(CONFIG);
    p.push(withBad.slice(0, k + 1));
    const good = p.snapshot();
    const damage = (f: (h: unknown[]) => void): unknown => {
      const s = JSON.parse(JSON.stringify(good)) as PipelineSnapshot;
      f(s.merger.streams[0]?.held as unknown[]);
      return s;
    };
    const cases = [
      damage((h) => (h[1] = YEAR_2100)), // not a jump from its base
      damage((h) => (h[2] = 'not base64!')),
      damage((h) => (h[3] = 42)),
      damage((h) => h.pop()),
    ];
    for (const s of cases) {
      let err: unknown;
      try {
        PartitionPipeline.restore(CONFIG, createRecordDecoder(CONFIG), s);
      } catch (e) {
        err = e;
      }
      expect(isDriftwatchError(err) && err.code).toBe('DRIFTWATCH_CHECKPOINT_INVALID');
    }
  });

  it('push boundaries anywhere give the same outputs (bad record, genuine jump, both)', () => {
    const resumed = traffic(N, N / 2, 3 * DAY);
    const both = resumed.map((r, i) => (i === k - 2000 ? withTs(r, YEAR_2100) : r));
    for (const records of [withBad, resumed, both]) {
      const whole = run(records);
      for (const seed of [1, 2, 3]) expect(run(records, CONFIG, randomSplits(records.length, seed))).toEqual(whole);
      // One record per push right around the jump.
      const around = [k - 2, ...Array.from({ length: 6 }, () => 1)];
      expect(run(records, CONFIG, around)).toEqual(whole);
    }
  });
});
