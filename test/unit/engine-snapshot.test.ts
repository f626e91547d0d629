/**
 * PartitionPipeline.snapshot() / PartitionPipeline.restore(): a pipeline restored from a snapshot
 * (through JSON text) continues bit-identically. Each scenario runs twice over the same pushes:
 * A uninterrupted, B replaced at ≥ 10 push boundaries (seeded, including right before and right
 * after an alert fires, and after the last push, before finish()) by
 * restore(JSON.parse(JSON.stringify(snapshot()))). Every call's output (alerts incl. ids and
 * statistics, DLQ, retraining triggers, counters) must be deep-equal, as must the final states.
 * Malformed snapshots give DRIFTWATCH_CHECKPOINT_INVALID, snapshots of another config
 * DRIFTWATCH_CHECKPOINT_INCOMPATIBLE — never another exception.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { isDriftwatchError } from '../../detectors/errors';
import type { DriftwatchConfig } from '../../src/config/config-types';
import type { BaselineProfile } from '../../src/engine/baseline-profile';
import { PartitionPipeline, type PartitionPipelineOptions, type PipelineOutput } from '../../src/engine/partition-pipeline';
import { createRecordDecoder } from '../../src/ingest/record-decoder';
import type { SourceRecord } from '../../src/pipeline/records';
import { SimSourceRecords } from '../../src/simulate/sim-source-records';
import { SpeechTraffic, type SpeechTrafficOptions } from '../../src/simulate/speech-traffic';
import { engineConfig } from './engine-fixture';
import { mulberry32 as rng } from './sketch-random';


interface Perturb {
  /** Share of records whose event time is set far back (late: dropped and counted). */
  late?: number;
  /** Share of records sent a little out of order in event time (within the allowed lateness). */
  jitter?: number;
  /** Share of records replaced by undecodable bytes (DLQ + data quality). */
  garbage?: number;
  /** Records [from, to) of one model key are all garbage (a data-quality incident). */
  garbageBurst?: { key: string; from: number; to: number };
  /** Share of outputs whose ts is before their input's (early arrivals in the join). */
  early?: number;
  /** Share of outputs/feedback for request ids that never come (orphans). */
  orphans?: number;
  /** Share of inputs sent twice (duplicate request ids replace the open request). */
  duplicates?: number;
  /** Share of feedback records sent up to 1.9 s earlier. */
  earlyFeedback?: number;
  /** Share of outputs sent 5-25 s later (after their feedback: labels first; needs a large allowed lateness). */
  delayOutputs?: number;
  /** Rolling deploys: the model's version becomes `<version>+d<k>` for its k-th run of `every` requests (inputs and outputs alike). */
  deploys?: { model: string; every: number };
}

const UTF8 = new TextEncoder();

function records(sim: SpeechTrafficOptions, n: number, p: Perturb, seed: number): SourceRecord[] {
  const traffic = new SpeechTraffic(sim);
  const enc = new SimSourceRecords(1);
  const r = rng(seed);
  const out: SourceRecord[] = [];
  let keyIndex = 0;
  for (let i = 0; i < n; i++) {
    const rec = traffic.next();
    const value = { ...rec.value };
    const ts = value.ts as number;
    const u = r();
    if (p.late !== undefined && u < p.late) value.ts = ts - 30_000;
    else if (p.jitter !== undefined && u < (p.late ?? 0) + p.jitter) value.ts = ts - Math.floor(r() * 1500);
    if (rec.role === 'outputs' && p.early !== undefined && r() < p.early) value.ts = ts - 200 - Math.floor(r() * 3000);
    if (rec.role === 'outputs' && p.delayOutputs !== undefined && r() < p.delayOutputs) value.ts = ts + 5000 + Math.floor(r() * 20_000);
    if (rec.role === 'feedback' && p.earlyFeedback !== undefined && r() < p.earlyFeedback) value.ts = ts - Math.floor(r() * 1900);
    if (rec.role !== 'inputs' && p.orphans !== undefined && r() < p.orphans) value.request_id = `ghost-${i}`;
    if (p.deploys !== undefined && value.model_id === p.deploys.model && typeof value.model_version === 'string') {
      const n = Number(/-(\d+)$/.exec(String(value.request_id))?.[1]);
      if (Number.isInteger(n)) value.model_version = `${value.model_version}+d${Math.floor(n / p.deploys.every)}`;
    }
    let src = enc.toSource({ ...rec, value });
    if (rec.key === p.garbageBurst?.key) keyIndex++;
    const burst = p.garbageBurst !== undefined && rec.key === p.garbageBurst.key && keyIndex >= p.garbageBurst.from && keyIndex < p.garbageBurst.to;
    if (burst || (p.garbage !== undefined && r() < p.garbage)) src = { ...src, value: UTF8.encode(r() < 0.5 ? '{"request_id": 1' : '{"model_id":"x"}') };
    out.push(src);
    if (rec.role === 'inputs' && p.duplicates !== undefined && r() < p.duplicates) out.push(enc.toSource({ ...rec, value }));
  }
  return out;
}

/** Push sizes (seeded, 1 to 900 records) covering all records. */
function batches(records: readonly SourceRecord[], seed: number): SourceRecord[][] {
  const r = rng(seed);
  const out: SourceRecord[][] = [];
  for (let i = 0; i < records.length; ) {
    const n = r() < 0.1 ? 1 + Math.floor(r() * 5) : 50 + Math.floor(r() * 850);
    out.push(records.slice(i, i + n));
    i += n;
  }
  return out;
}

interface Scenario {
  name: string;
  config: Readonly<DriftwatchConfig>;
  options?: PartitionPipelineOptions;
  batches: SourceRecord[][];
  /** Outputs the scenario must exercise (checked on the uninterrupted run). */
  expect: (outs: PipelineOutput[], a: PartitionPipeline) => void;
}

const SMALL = { windows: { size: 300, minSamples: 50 }, reference: { size: 1200 } } as const;

function totals(outs: PipelineOutput[]): { firing: number; resolved: number; dlq: number; late: number; orphans: number; retrain: number; limitHits: number } {
  const t = { firing: 0, resolved: 0, dlq: 0, late: 0, orphans: 0, retrain: 0, limitHits: 0 };
  for (const o of outs) {
    for (const a of o.alerts) if (a.status === 'firing') t.firing++;
    else t.resolved++;
    t.dlq += o.dlq.length;
    t.late += o.counters.late;
    t.orphans += o.counters.orphans;
    t.retrain += o.retrain.length;
    for (const k in o.counters.limitHits) t.limitHits += o.counters.limitHits[k] ?? 0;
  }
  return t;
}

function profileOf(config: Readonly<DriftwatchConfig>, recs: readonly SourceRecord[]): BaselineProfile {
  const p = new PartitionPipeline(config, createRecordDecoder(config), { profileOnly: true });
  p.push(recs);
  p.finish();
  return { format: 'driftwatch-baseline', version: 1, reference_size: config.reference.size, series: p.exportProfile() };
}

function scenarios(): { name: string; make: () => Scenario }[] {
  const out: { name: string; make: () => Scenario }[] = [];
  const push = (name: string, make: () => Omit<Scenario, 'name'>): void => {
    out.push({ name, make: () => ({ name, ...make() }) });
  };
  push('drifts of several metrics, slices, an incident firing then resolving', () => {
    // Several metrics drift (continuous, rate, categorical; whole model and one slice); the
    // confidence drift ends, so its incident resolves; outputs join, feedback labels, redos.
    const config = engineConfig(SMALL);
    const recs = records(
      {
        seed: 21,
        drifts: [
          { metric: 'confidence', model: 'asr-en', atRequest: 2500, untilRequest: 4200 },
          { metric: 'latency_ms', model: 'asr-de', slice: { device: 'android' }, atRequest: 2600 },
          { metric: 'feature:lang', model: 'asr-de', atRequest: 3000 },
          { metric: 'null_output', model: 'asr-fr', atRequest: 1800 },
          { metric: 'error_rate', model: 'asr-en', atRequest: 3000 },
        ],
      },
      42_000,
      { jitter: 0.05 },
      1,
    );
    return {
      config,
      batches: batches(recs, 2),
      expect: (outs) => {
        const t = totals(outs);
        expect(t.firing).toBeGreaterThanOrEqual(3);
        expect(t.resolved).toBeGreaterThanOrEqual(1);
        expect(t.retrain).toBe(t.firing);
        const metrics = new Set(outs.flatMap((o) => o.alerts.map((a) => a.metric)));
        expect(metrics.size).toBeGreaterThanOrEqual(3);
        expect(outs.some((o) => o.alerts.some((a) => Object.keys(a.slice).length > 0))).toBe(true);
      },
    };
  });
  push('joins with outputs and feedback, early arrivals, orphans, evictions, redo derivation, shadow', () => {
    // The join under stress: early outputs, orphans, duplicate inputs, a small join table
    // (evictions), redo derivation with a redo drift; shadow outputs of another version.
    const config = engineConfig({
      ...SMALL,
      windows: { ...SMALL.windows, allowedLatenessMs: 30_000 },
      join: { ttlMs: 20_000, maxPending: 300 },
      redo: { windowMs: 15_000 },
    });
    const recs = records(
      {
        seed: 5,
        shadow: { 'asr-de': '2026.12.0-shadow' },
        drifts: [
          { metric: 'redo', model: 'asr-en', atRequest: 2000 },
          { metric: 'switch_to_typing', model: 'asr-de', atRequest: 2000 },
          { metric: 'confidence', model: 'asr-de', version: '2026.12.0-shadow', atRequest: 2000 },
        ],
      },
      40_000,
      { early: 0.03, orphans: 0.01, duplicates: 0.01, earlyFeedback: 0.3, delayOutputs: 0.1 },
      3,
    );
    return {
      config,
      batches: batches(recs, 4),
      expect: (outs, a) => {
        const t = totals(outs);
        expect(t.firing).toBeGreaterThanOrEqual(1);
        expect(t.orphans).toBeGreaterThan(0);
        expect(t.limitHits).toBeGreaterThan(0);
        expect(outs.some((o) => o.alerts.some((x) => x.metric === 'redo' || x.metric === 'switch_to_typing'))).toBe(true);
        expect(a.stats().openRequests + a.stats().earlyArrivals).toBeGreaterThanOrEqual(0);
      },
    };
  });
  push('late events, DLQ-worthy records, a data-quality incident', () => {
    // Late events, undecodable records (DLQ), and a burst of them (a data-quality incident).
    const config = engineConfig({ ...SMALL, windows: { size: 300, minSamples: 50, allowedLatenessMs: 1000 } });
    const recs = records(
      { seed: 8, drifts: [{ metric: 'input_length', model: 'asr-fr', atRequest: 2500 }] },
      36_000,
      { late: 0.01, jitter: 0.05, garbage: 0.002, garbageBurst: { key: 'asr-de', from: 8000, to: 10_000 } },
      5,
    );
    return {
      config,
      batches: batches(recs, 6),
      expect: (outs) => {
        const t = totals(outs);
        expect(t.late).toBeGreaterThan(0);
        expect(t.dlq).toBeGreaterThan(2000);
        const dq = outs.flatMap((o) => o.alerts.filter((x) => x.kind === 'data_quality'));
        // The burst fires on each stream (after the streams' references) and resolves after it.
        expect(dq.filter((x) => x.status === 'firing' && (x.current.rate ?? 0) > 0.5).length).toBeGreaterThanOrEqual(2);
        expect(dq.some((x) => x.status === 'resolved')).toBe(true);
        expect(outs.some((o) => o.alerts.some((x) => x.metric === 'input_length'))).toBe(true);
      },
    };
  });
  push('trailing references, slice values beyond the caps', () => {
    // Trailing references (rings of values and of 0/1, categorical window lists) and many slice
    // values folding into __other__ (maxValuesPerField / maxValuesPerModel).
    const regions = Array.from({ length: 12 }, (_, i) => ({ value: `r${i}`, share: 1 }));
    const config = engineConfig({ ...SMALL, reference: { mode: 'trailing', size: 900 }, slices: { maxValuesPerField: 6, maxValuesPerModel: 8 } });
    const recs = records(
      {
        seed: 13,
        regions,
        drifts: [
          { metric: 'confidence', model: 'asr-en', atRequest: 3000 },
          { metric: 'feature:noise', model: 'asr-de', atRequest: 2500 },
          { metric: 'null_output', model: 'asr-en', atRequest: 3000 },
        ],
      },
      36_000,
      { jitter: 0.02 },
      7,
    );
    return {
      config,
      batches: batches(recs, 8),
      expect: (outs) => {
        const t = totals(outs);
        expect(t.firing).toBeGreaterThanOrEqual(1);
        expect(t.limitHits).toBeGreaterThan(0);
      },
    };
  });
  push('model versions forgotten when idle, model ids and versions beyond the caps folded', () => {
    // asr-de deploys a new version every 500 of its requests (~100 s of event time) and versions
    // idle for 200 s are forgotten, so about three are tracked at a time: the fourth folds into
    // version __other__ until the oldest is forgotten. Four models against maxModels 2: the two
    // seen last (asr-en, asr-it with this seed) share model __other__. asr-fr drifts meanwhile.
    const config = engineConfig({ ...SMALL, models: { maxModels: 2, maxVersionsPerModel: 3, idleTtlMs: 200_000 } });
    const models = ['asr-en', 'asr-de', 'asr-fr', 'asr-it'].map((id) => ({ id, versions: [{ version: '1', share: 1 }] }));
    const recs = records({ seed: 21, models, drifts: [{ metric: 'input_length', model: 'asr-fr', atRequest: 2500 }] }, 36_000, { jitter: 0.02, deploys: { model: 'asr-de', every: 500 } }, 17);
    return {
      config,
      batches: batches(recs, 18),
      expect: (outs, a) => {
        const hits = (name: string): number => outs.reduce((n, o) => n + (o.counters.limitHits[name] ?? 0), 0);
        expect(hits('maxModels')).toBeGreaterThan(0);
        expect(hits('maxVersionsPerModel')).toBeGreaterThan(0);
        expect(outs.some((o) => o.alerts.some((x) => x.model_id === 'asr-fr' && x.metric === 'input_length' && x.status === 'firing'))).toBe(true);
        const tracked = a.snapshot().models.map((m) => [m.id, m.versions.map(([v]) => v)]);
        // The two models seen first and __other__; asr-de's first deploys are forgotten.
        expect(tracked.map(([id]) => id).sort()).toEqual(['__other__', 'asr-de', 'asr-fr']);
        const de = tracked.find(([id]) => id === 'asr-de')?.[1] as string[];
        expect(de).not.toContain('1+d0');
        expect(de.length).toBeLessThanOrEqual(4);
      },
    };
  });
  push('sequential early signal (HDDM_A) of a whole-model rate', () => {
    // A strong null-output shift: the sequential detector flags it inside the window, so the
    // incident fires on the first drifted window (its state spans many pushes).
    const config = engineConfig({ windows: { size: 1000 }, reference: { size: 2000 } });
    const recs = records({ seed: 4, models: [{ id: 'asr-en', versions: [{ version: '1', share: 1 }] }], drifts: [{ metric: 'null_output', model: 'asr-en', atRequest: 3000, magnitude: 3 }] }, 40_000, {}, 13);
    return {
      config,
      batches: batches(recs, 14),
      expect: (outs) => {
        expect(outs.some((o) => o.alerts.some((x) => x.metric === 'null_output' && x.status === 'firing'))).toBe(true);
      },
    };
  });
  push('profile references', () => {
    // Profile references: drifted from the first event (first-n could not see it).
    const base = engineConfig(SMALL);
    const clean = records({ seed: 30 }, 20_000, {}, 9);
    const profile = profileOf(base, clean);
    const profilePath = join(mkdtempSync(join(tmpdir(), 'driftwatch-snapshot-')), 'profile.json');
    writeFileSync(profilePath, JSON.stringify(profile));
    const config = engineConfig({ ...SMALL, reference: { mode: 'profile', size: 1200, profilePath } });
    const recs = records({ seed: 31, drifts: [{ metric: 'latency_ms', model: 'asr-en', atRequest: 0 }, { metric: 'feature:snr_db', model: 'asr-fr', atRequest: 1500 }] }, 30_000, { jitter: 0.02 }, 10);
    return {
      config,
      options: { profile },
      batches: batches(recs, 11),
      expect: (outs) => {
        expect(outs.some((o) => o.alerts.some((x) => x.metric === 'latency_ms' && x.status === 'firing'))).toBe(true);
      },
    };
  });
  return out;
}

/** Throws unless `v` is plain JSON data that JSON.parse(JSON.stringify(v)) gives back exactly. */
function assertJsonSafe(v: unknown, path = '$'): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Object.is(v, -0)) throw new Error(`${path}: ${v} does not survive JSON`);
    return;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (!(i in v)) throw new Error(`${path}[${i}]: hole`);
      assertJsonSafe(v[i], `${path}[${i}]`);
    }
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) assertJsonSafe(x, `${path}.${k}`);
    return;
  }
  throw new Error(`${path}: ${typeof v} is not JSON data`);
}

/**
 * Runs the scenario's pushes; before push i for i in `restoreBefore` (i = number of pushes: before
 * finish) the pipeline is replaced by a restore of its snapshot through JSON text. `checks`: also
 * verify that the snapshot is JSON-safe and that the restored pipeline's snapshot is the same text.
 */
function run(s: Scenario, restoreBefore: ReadonlySet<number>, checks = true): { outs: PipelineOutput[]; pipeline: PartitionPipeline; restores: number } {
  const decode = createRecordDecoder(s.config);
  const options = { ...s.options, now: () => 0 };
  let p = new PartitionPipeline(s.config, decode, options);
  const outs: PipelineOutput[] = [];
  let restores = 0;
  const swap = (): void => {
    const snap = p.snapshot();
    if (checks) assertJsonSafe(snap);
    const text = JSON.stringify(snap);
    p = PartitionPipeline.restore(s.config, decode, JSON.parse(text), options);
    // The restored state is the same state.
    if (checks) expect(JSON.stringify(p.snapshot())).toBe(text);
    restores++;
  };
  for (let i = 0; i < s.batches.length; i++) {
    if (restoreBefore.has(i)) swap();
    outs.push(p.push(s.batches[i] as SourceRecord[]));
  }
  if (restoreBefore.has(s.batches.length)) swap();
  outs.push(p.finish());
  return { outs, pipeline: p, restores };
}

describe('engine snapshots: a restored pipeline continues identically', () => {
  for (const [k, { name, make }] of scenarios().entries()) {
    it(name, () => {
      const s = make();
      const a = run(s, new Set());
      s.expect(a.outs, a.pipeline);
      // Snapshot points: right before and after the pushes that emitted alerts (a drift firing,
      // an incident resolving), before finish(), and seeded random boundaries.
      const n = s.batches.length;
      const points = new Set<number>([n]);
      a.outs.forEach((o, i) => {
        if (i < n && o.alerts.length > 0 && points.size < 12) {
          points.add(i);
          points.add(i + 1);
        }
      });
      const r = rng(100 + k);
      while (points.size < 22) points.add(Math.floor(r() * (n + 1)));
      // And at every boundary (state lost anywhere would show in the outputs sooner or later).
      const every = new Set(Array.from({ length: n + 1 }, (_, i) => i));
      for (const [b, minRestores] of [[run(s, points), 10], [run(s, every, false), n + 1]] as const) {
        expect(b.restores).toBeGreaterThanOrEqual(minRestores);
        expect(b.outs.length).toBe(a.outs.length);
        for (let i = 0; i < a.outs.length; i++) expect(b.outs[i]).toStrictEqual(a.outs[i]);
        expect(b.pipeline.stats()).toStrictEqual(a.pipeline.stats());
        expect(JSON.stringify(b.pipeline.snapshot())).toBe(JSON.stringify(a.pipeline.snapshot()));
      }
    });
  }
});

// ---- malformed and incompatible snapshots ---------------------------------------------------

function codeOf(f: () => unknown): string | null {
  try {
    f();
    return null;
  } catch (e) {
    if (isDriftwatchError(e)) return e.code;
    throw e; // any other exception fails the property
  }
}

const CODED = new Set(['DRIFTWATCH_CHECKPOINT_INVALID', 'DRIFTWATCH_CHECKPOINT_INCOMPATIBLE']);

describe('engine snapshots: malformed or incompatible', () => {
  const config = engineConfig({ ...SMALL, join: { ttlMs: 20_000, maxPending: 300 } });
  const decode = createRecordDecoder(config);
  const recs = records({ seed: 77, drifts: [{ metric: 'confidence', model: 'asr-en', atRequest: 2000 }] }, 14_000, { early: 0.03, jitter: 0.05, garbage: 0.01, late: 0.01 }, 12);
  const p = new PartitionPipeline(config, decode, { now: () => 0 });
  p.push(recs.slice(0, 13_000));
  const snap = JSON.parse(JSON.stringify(p.snapshot())) as Record<string, unknown>;
  const rest = recs.slice(13_000);
  const text = JSON.stringify(snap);

  it('the fixture snapshot holds every part', () => {
    const s = snap as { merger: { streams: { events: unknown[] }[] }; join: { open: unknown[]; early: unknown[] }; models: unknown[]; quality: unknown[] };
    expect(s.merger.streams.some((q) => q.events.length > 0)).toBe(true);
    expect(s.join.open.length).toBeGreaterThan(0);
    expect(s.join.early.length).toBeGreaterThan(0);
    expect(s.models.length).toBe(3);
    expect(s.quality.length).toBeGreaterThan(0);
  });

  it('is plain JSON data, and the same after a JSON round trip', () => {
    const fresh = p.snapshot();
    assertJsonSafe(fresh);
    expect(JSON.parse(JSON.stringify(fresh))).toStrictEqual(fresh);
  });

  it('a snapshot of an earlier build (no last-seen times of model versions) restores with the snapshot’s event time', () => {
    const old = JSON.parse(text) as { eventTime: unknown; models: { versions: [string, Record<string, unknown>][] }[] };
    for (const m of old.models) for (const [, v] of m.versions) delete v.lastSeen;
    const q = PartitionPipeline.restore(config, decode, old, { now: () => 0 });
    const lastSeen = q.snapshot().models.flatMap((m) => m.versions.map(([, v]) => v.lastSeen));
    expect(lastSeen.length).toBe(4);
    expect(new Set(lastSeen)).toEqual(new Set([old.eventTime]));
    // And it continues like the original (no version of this traffic is idle for the 7-day default).
    const fromOld = [q.push(rest), q.finish()];
    const fromNew = PartitionPipeline.restore(config, decode, JSON.parse(text), { now: () => 0 });
    expect(fromOld).toEqual([fromNew.push(rest), fromNew.finish()]);
  });

  it('shares nothing with the live pipeline (it may be serialised after further pushes)', () => {
    const q = PartitionPipeline.restore(config, decode, JSON.parse(text), { now: () => 0 });
    const early = q.snapshot();
    const before = JSON.stringify(early);
    q.push(rest);
    q.finish();
    expect(JSON.stringify(early)).toBe(before);
  });

  it('random JSON → DRIFTWATCH_CHECKPOINT_INVALID', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(codeOf(() => PartitionPipeline.restore(config, decode, v))).toBe('DRIFTWATCH_CHECKPOINT_INVALID');
      }),
      { numRuns: 300, seed: 1 },
    );
  });

  it('each part removed → DRIFTWATCH_CHECKPOINT_INVALID', () => {
    for (const k of Object.keys(snap)) {
      const { [k]: _removed, ...rest2 } = snap;
      expect([k, codeOf(() => PartitionPipeline.restore(config, decode, rest2))]).toEqual([k, 'DRIFTWATCH_CHECKPOINT_INVALID']);
    }
  });

  /** Every path to a value inside the snapshot (objects and arrays), sampled. */
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => (i < 40 || i % 97 === 0 ? walk(x, [...path, i]) : undefined));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(snap, []);

  type Mutation = { kind: 'delete' | 'replace' | 'truncate' | 'number'; at: number; value: unknown; cut: number; n: number };

  function mutate(m: Mutation): unknown {
    const copy = JSON.parse(text) as unknown;
    const path = paths[m.at % paths.length] as (string | number)[];
    if (path.length === 0) return m.kind === 'replace' ? m.value : copy;
    let parent = copy as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1] as string | number;
    const target = parent[last];
    if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else if (m.kind === 'replace') parent[last] = m.value;
    else if (m.kind === 'number') parent[last] = typeof target === 'number' ? m.n : target; // plausible values pass validation
    else if (Array.isArray(target)) parent[last] = target.slice(0, m.cut % (target.length + 1));
    else if (typeof target === 'string') parent[last] = target.slice(0, m.cut % (target.length + 1));
    else parent[last] = m.value;
    return copy;
  }

  it('damaged snapshots (fields removed, replaced, truncated) → a coded error, or a pipeline that keeps running', () => {
    let coded = 0;
    let restored = 0;
    fc.assert(
      fc.property(
        fc.record({
          kind: fc.constantFrom('delete', 'replace', 'truncate', 'number'),
          at: fc.nat(),
          value: fc.jsonValue({ maxDepth: 2 }),
          cut: fc.nat(),
          n: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -1, max: 2_000_000 })),
        }),
        (m: Mutation) => {
          const damaged = mutate(m);
          let q: PartitionPipeline;
          try {
            q = PartitionPipeline.restore(config, decode, damaged, { now: () => 0 });
          } catch (e) {
            expect(isDriftwatchError(e) && CODED.has(e.code)).toBe(true);
            coded++;
            return;
          }
          restored++;
          // A snapshot that passes validation must not be able to stop the stream.
          q.push(rest);
          q.finish();
          q.snapshot();
        },
      ),
      { numRuns: 600, seed: 2 },
    );
    expect(coded).toBeGreaterThan(100);
    expect(restored).toBeGreaterThan(0);
  });

  it('the undamaged fixture restores and continues like the original', () => {
    const q = PartitionPipeline.restore(config, decode, JSON.parse(text), { now: () => 0 });
    const original = new PartitionPipeline(config, decode, { now: () => 0 });
    original.push(recs.slice(0, 13_000));
    expect([q.push(rest), q.finish()]).toStrictEqual([original.push(rest), original.finish()]);
  });

  it('another config, format version or fingerprint → DRIFTWATCH_CHECKPOINT_INCOMPATIBLE', () => {
    const other = [
      engineConfig({ ...SMALL, join: { ttlMs: 20_000, maxPending: 300 }, windows: { size: 301, minSamples: 50 } }),
      engineConfig({ ...SMALL, join: { ttlMs: 20_000, maxPending: 301 } }),
      engineConfig({ ...SMALL, join: { ttlMs: 20_000, maxPending: 300 }, detection: { alpha: 0.02 } }),
      engineConfig({ ...SMALL, join: { ttlMs: 20_000, maxPending: 300 }, features: [] }),
      engineConfig({ ...SMALL, join: { ttlMs: 20_000, maxPending: 300 }, slices: { dimensions: ['device'] } }),
      engineConfig({ ...SMALL, join: { ttlMs: 20_000, maxPending: 300 }, limits: { maxFeatures: 10 } }),
    ];
    for (const c of other) expect(codeOf(() => PartitionPipeline.restore(c, createRecordDecoder(c), JSON.parse(text)))).toBe('DRIFTWATCH_CHECKPOINT_INCOMPATIBLE');
    expect(codeOf(() => PartitionPipeline.restore(config, decode, JSON.parse(text), { profileOnly: true }))).toBe('DRIFTWATCH_CHECKPOINT_INCOMPATIBLE');
    expect(codeOf(() => PartitionPipeline.restore(config, decode, { ...snap, version: 2 }))).toBe('DRIFTWATCH_CHECKPOINT_INCOMPATIBLE');
    expect(codeOf(() => PartitionPipeline.restore(config, decode, { ...snap, fingerprint: 'x' }))).toBe('DRIFTWATCH_CHECKPOINT_INCOMPATIBLE');
    // Options that do not shape state (e.g. Kafka) keep the fingerprint.
    const same = engineConfig({ ...SMALL, join: { ttlMs: 20_000, maxPending: 300 }, kafka: { clientId: 'elsewhere' } });
    expect(codeOf(() => PartitionPipeline.restore(same, createRecordDecoder(same), JSON.parse(text)))).toBeNull();
  });
});

// ---- size and speed ---------------------------------------------------------------------------

function measure(label: string, config: Readonly<DriftwatchConfig>, recs: readonly SourceRecord[]): void {
  const decode = createRecordDecoder(config);
  const p = new PartitionPipeline(config, decode, { now: () => 0 });
  for (let i = 0; i < recs.length; i += 1000) p.push(recs.slice(i, i + 1000));
  const series = p.stats().series;
  const time = (f: () => void, reps = 5): number => {
    f();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) f();
    return Number(process.hrtime.bigint() - t0) / 1e6 / reps;
  };
  let snap = p.snapshot();
  const snapMs = time(() => (snap = p.snapshot()));
  let text = '';
  const stringifyMs = time(() => (text = JSON.stringify(snap)));
  const gz = gzipSync(text);
  const gzipMs = time(() => gzipSync(text), 2);
  const gz1 = gzipSync(text, { level: 1 });
  const gzip1Ms = time(() => gzipSync(text, { level: 1 }), 2);
  let parsed: unknown = null;
  const parseMs = time(() => (parsed = JSON.parse(text)));
  const restoreMs = time(() => PartitionPipeline.restore(config, decode, parsed));
  const st = p.stats();
  const kb = (b: number): string => `${(b / 1024).toFixed(0)} KiB`;
  const line =
    `${label}: ${series} series, ${st.buffered} buffered events, ${st.openRequests} open requests — JSON ${kb(text.length)} ` +
    `(${(text.length / series / 1024).toFixed(1)} KiB/series), gzip ${kb(gz.length)} (level 1: ${kb(gz1.length)}); snapshot() ${snapMs.toFixed(1)} ms ` +
    `(${((snapMs * 1000) / series).toFixed(1)} µs/series) + stringify ${stringifyMs.toFixed(1)} ms + gzip ${gzipMs.toFixed(1)} ms (level 1: ${gzip1Ms.toFixed(1)} ms); ` +
    `parse ${parseMs.toFixed(1)} ms + restore() ${restoreMs.toFixed(1)} ms (${((restoreMs * 1000) / series).toFixed(1)} µs/series)`;
  console.log(line);
  expect(series).toBeGreaterThan(0);
}

describe('engine snapshots: size and speed (printed)', () => {
  it('~100 and ~1,000 active series', () => {
    // ~100: one model version × 7 slices (whole, 3 devices, 3 regions) × 13 metrics, references full.
    const one = records({ seed: 3, models: [{ id: 'asr-en', versions: [{ version: '1', share: 1 }] }] }, 30_000, {}, 1);
    measure('~100 series', engineConfig(), one);
    // ~1,000: 8 models × 1-2 versions (12) × 7 slices × 13 metrics, references full (5,000 values).
    const models = Array.from({ length: 8 }, (_, i) => ({ id: `m${i}`, versions: i % 2 === 0 ? [{ version: 'a', share: 0.5 }, { version: 'b', share: 0.5 }] : [{ version: 'a', share: 1 }] }));
    const many = records({ seed: 4, models, requestsPerSecond: 200 }, 200_000, {}, 2);
    measure('~1,000 series', engineConfig(), many);
  });
});
