/**
 * The pipeline's bookkeeping on hand-made records: rejected records become DLQ entries with their
 * coordinates, late events are counted and dropped, outputs/feedback join their input within the
 * TTL even when they arrive first, orphans are counted (not fatal), the join table is bounded, and
 * redos are derived from sessions.
 */
import type { DriftwatchConfig } from '../../src/config/config-types';
import { PartitionPipeline, type PipelineCounters } from '../../src/engine/partition-pipeline';
import { RedoTracker } from '../../src/engine/redo-tracker';
import { RequestJoin, type OpenRequest } from '../../src/engine/request-join';
import { StreamMerger, type MergedEvent } from '../../src/engine/stream-merger';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import type { InputEvent } from '../../src/pipeline/events';
import { ROLE_RANK, type SourceRecord, type TopicRole } from '../../src/pipeline/records';
import { engineConfig } from './engine-fixture';

const T0 = 1_763_800_000_000;
const TOPIC: Record<TopicRole, string> = { inputs: 'inference.inputs', outputs: 'inference.outputs', feedback: 'inference.feedback' };
const enc = new TextEncoder();

class Records {
  private readonly offsets: Record<TopicRole, number> = { inputs: 0, outputs: 0, feedback: 0 };
  make(role: TopicRole, value: unknown): SourceRecord {
    const bytes = typeof value === 'string' ? enc.encode(value) : enc.encode(JSON.stringify(value));
    return { role, topic: TOPIC[role], partition: 3, offset: this.offsets[role]++, key: enc.encode('asr-en'), value: bytes };
  }
  input(id: string, ts: number, session: string | null = null): SourceRecord {
    return this.make('inputs', { request_id: id, model_id: 'asr-en', model_version: 'v1', ts, session_id: session, segment: { device: 'ios' }, input: { length: 10 } });
  }
  output(id: string, ts: number): SourceRecord {
    return this.make('outputs', { request_id: id, model_id: 'asr-en', model_version: 'v1', ts, prediction: 'x', confidence: 0.9, latency_ms: 80 });
  }
  feedback(id: string, ts: number, action: string): SourceRecord {
    return this.make('feedback', { request_id: id, model_id: 'asr-en', ts, action, label: null });
  }
}

function pipeline(config: Readonly<DriftwatchConfig> = engineConfig()): {
  p: PartitionPipeline;
  totals: PipelineCounters;
  push: (r: SourceRecord[]) => void;
  finish: () => void;
} {
  const p = new PartitionPipeline(config, createRecordDecoder(config));
  const totals: PipelineCounters = { consumed: 0, rejected: 0, late: 0, orphans: 0, limitHits: {} };
  const add = (c: PipelineCounters): void => {
    totals.consumed += c.consumed;
    totals.rejected += c.rejected;
    totals.late += c.late;
    totals.orphans += c.orphans;
  };
  return { p, totals, push: (r) => add(p.push(r).counters), finish: () => add(p.finish().counters) };
}

describe('engine: DLQ, lateness, join', () => {
  it('turns a rejected record into a DLQ entry with its coordinates, raw value and code', () => {
    const r = new Records();
    const { p } = pipeline();
    const good = r.input('a', T0);
    const bad = r.make('inputs', '{"request_id": "b", truncated');
    const out = p.push([good, bad]);
    expect(out.counters).toEqual({ consumed: 2, rejected: 1, late: 0, orphans: 0, limitHits: {} });
    expect(out.dlq).toEqual([
      {
        topic: 'inference.inputs',
        partition: 3,
        offset: 1,
        error_code: 'DRIFTWATCH_INVALID_JSON',
        error_message: expect.stringContaining('not JSON') as unknown as string,
        value_b64: Buffer.from('{"request_id": "b", truncated').toString('base64'),
        key: 'asr-en',
      },
    ]);
  });

  it('counts and drops events later than allowedLatenessMs on their own stream', () => {
    const r = new Records();
    const { totals, push } = pipeline();
    const lateness = engineConfig().windows.allowedLatenessMs;
    push([r.input('a', T0 + 10_000), r.input('b', T0 + 10_000 - lateness), r.input('c', T0 + 10_000 - lateness - 1)]);
    // Another stream far behind is not late: lateness is per stream.
    push([r.output('a', T0)]);
    expect(totals.late).toBe(1);
  });

  it('joins an output that arrives before its input, and counts true orphans after the TTL', () => {
    const r = new Records();
    const { totals, push, finish } = pipeline();
    const ttl = engineConfig().join.ttlMs;
    // Producer clock skew: the output of "a" is stamped before its input.
    push([r.output('a', T0 + 1000), r.input('a', T0 + 1010), r.output('ghost', T0 + 2000)]);
    for (let i = 1; i <= 10; i++) push([r.input(`n${i}`, T0 + (i * ttl) / 4), r.output(`n${i}`, T0 + (i * ttl) / 4 + 5)]);
    push([r.feedback('ghost-2', T0 + 3 * ttl, 'redo')]);
    for (let i = 11; i <= 20; i++) push([r.input(`n${i}`, T0 + (i * ttl) / 4), r.output(`n${i}`, T0 + (i * ttl) / 4 + 5)]);
    finish();
    // "ghost" (an output) and "ghost-2" (feedback) never had an input; "a" joined although early.
    expect(totals.orphans).toBe(2);
  });

  it('keeps the open-request table within join.maxPending (the oldest are finalised first)', () => {
    const finalised: string[] = [];
    const join = new RequestJoin<string, string>(60_000, 3);
    const req = (id: string, ts: number): OpenRequest<string> => ({
      requestId: id, modelId: 'm', ts, expiresAt: ts + 60_000, mv: 'v', sliceIds: [0], outputs: [], label: null, redo: false, switchedToTyping: false,
    });
    for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries()) join.openRequest(req(id, i), (x) => finalised.push(x.requestId));
    expect(finalised).toEqual(['a', 'b']);
    expect(join.openCount).toBe(3);
    join.expire(70_000, (x) => finalised.push(x.requestId));
    expect(finalised).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('derives a redo when a session asks again within redo.windowMs', () => {
    const t = new RedoTracker(30_000, 1000);
    expect(t.observe('m', 's1', 'r1', 0)).toBeNull();
    expect(t.observe('m', 's1', 'r2', 29_000)).toBe('r1');
    expect(t.observe('m', 's1', 'r3', 29_000 + 30_001)).toBeNull();
    expect(t.observe('other-model', 's1', 'r4', 29_000 + 30_002)).toBeNull();
  });

  it('merges streams in (ts, role, offset) order whatever the order of arrival within a batch', () => {
    const ev = (ts: number): InputEvent => ({ type: 'input', requestId: String(ts), modelId: 'm', modelVersion: 'v', ts, sessionId: null, segment: {}, length: 1, brightness: null, features: {} });
    const item = (role: TopicRole, ts: number, offset: number): MergedEvent => ({ event: ev(ts), role, rank: ROLE_RANK[role], topic: TOPIC[role], partition: 0, offset });
    const order = (items: MergedEvent[]): string[] => {
      const m = new StreamMerger(10);
      for (const x of items) m.add(x);
      const out: string[] = [];
      m.drain((e) => out.push(`${e.role}:${e.event.ts}:${e.offset}`));
      return out;
    };
    const items = [item('outputs', 5, 0), item('inputs', 5, 0), item('inputs', 3, 1), item('feedback', 1, 0), item('outputs', 9, 1)];
    const expected = ['feedback:1:0', 'inputs:3:1', 'inputs:5:0', 'outputs:5:0', 'outputs:9:1'];
    expect(order(items)).toEqual(expected);
    expect(order([...items].reverse())).toEqual(expected);
  });

  it('releases nothing past the watermark of the slowest started stream', () => {
    const r = new Records();
    const { p } = pipeline();
    p.push([r.input('a', T0), r.input('b', T0 + 100_000), r.output('a', T0 + 50)]);
    // outputs' watermark (T0 + 50 − lateness) holds everything but nothing is late or lost.
    expect(p.stats().buffered).toBe(3);
    const out = p.finish();
    expect(out.counters.orphans).toBe(0);
    expect(p.stats().buffered).toBe(0);
  });

  it('does not let a quiet feedback topic stall the others (it counts as idle after 5 × join.ttlMs)', () => {
    const r = new Records();
    const { p, push } = pipeline();
    const idleS = (5 * engineConfig().join.ttlMs) / 1000;
    push([r.input('a', T0), r.output('a', T0 + 50), r.feedback('a', T0 + 100, 'accept')]);
    // Twenty minutes of traffic (one request a second) without feedback: held only while the
    // feedback stream is less than 5 × ttl behind, then released up to the lateness.
    for (let i = 1; i <= 1200; i++) push([r.input(`r${i}`, T0 + i * 1000), r.output(`r${i}`, T0 + i * 1000 + 50)]);
    expect(p.stats().buffered).toBeLessThan(2 * 10);
    // Within 5 × ttl it does hold them (merge order is kept while feedback may still come).
    const q = pipeline();
    q.push([r.input('b', T0), r.output('b', T0 + 50), r.feedback('b', T0 + 100, 'accept')]);
    for (let i = 1; i < idleS - 10; i++) q.push([r.input(`q${i}`, T0 + i * 1000), r.output(`q${i}`, T0 + i * 1000 + 50)]);
    expect(q.p.stats().buffered).toBeGreaterThan(2 * (idleS - 20));
  });
});
