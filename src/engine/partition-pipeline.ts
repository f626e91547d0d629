/**
 * The engine of one partition index p: partition p of the inputs, outputs and feedback topics.
 * Records → decode (rejects → DLQ + data-quality counts) → per-stream lateness → event-time merge
 * behind the watermark → request join and redo derivation → metric values into the series of
 * (model, version, slice, metric) → every `windows.size` inputs of a version: tests, incidents,
 * alerts and retraining triggers. Pure computation: no I/O, no wall clock except `emitted_at`.
 * The same class runs in the shard workers and in `driftwatch replay`, so both give the same alerts.
 */
import type { DlqEntry, DriftAlert, RetrainTrigger } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import type { DecodeResult, RecordDecoder } from '../ingest/record-decoder';
import type { FeedbackEvent, InputEvent, OutputEvent } from '../pipeline/events';
import { ROLE_RANK, type SourceRecord } from '../pipeline/records';
import { AlertManager, type AlertSink } from './alert-manager';
import { cachedBaselineProfile, profileLookup, type BaselineProfile, type ProfileSeries } from './baseline-profile';
import { DataQualityMonitor } from './data-quality-monitor';
import { evaluateWindow } from './window-evaluation';
import { categoricalFeature, missingCount, numericFeature } from './input-metrics';
import {
  FIRST_FEATURE,
  M_BRIGHTNESS,
  M_CONFIDENCE,
  M_ERROR_RATE,
  M_INPUT_LENGTH,
  M_LATENCY_MS,
  M_MISSING_VALUES,
  M_NULL_OUTPUT,
  M_REDO,
  M_SWITCH_TO_TYPING,
  metricCatalog,
  type MetricDef,
} from './metric-catalog';
import { ModelRegistry, OTHER_MODEL } from './model-registry';
import { ModelVersionState, type ProfileLookup, type SeriesSettings } from './model-version-state';
import { TopicTable, decodeEvent, encodeEvent } from './event-snapshot';
import { readEnvelope, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, stateFingerprint, type PipelineSnapshot } from './pipeline-snapshot';
import { decNum, encBytes, encNum, guarded, invalidSnapshot, readArray, readInt, readObject, readString } from './snapshot-codec';
import { RedoTracker } from './redo-tracker';
import { RequestJoin, type OpenRequest } from './request-join';
import type { CategoricalSeries, ContinuousSeries, RateSeries } from './series';
import { SliceRegistry } from './slice-registry';
import { StreamMerger, type MergedEvent, type TimeJumpCandidate } from './stream-merger';

export type { DecodeResult, RecordDecoder, PipelineSnapshot };

/** Per-call counts (deltas of this push/finish call, not running totals). */
export interface PipelineCounters {
  consumed: number;
  rejected: number;
  late: number;
  orphans: number;
  /**
   * Limit hits of this call by limit name (docs/events.md "Limits"): the `limits.*` names for records
   * rejected with DRIFTWATCH_LIMIT_EXCEEDED, `maxValuesPerField`/`maxValuesPerModel` for slice values
   * folded into `__other__`, `maxModels`/`maxVersionsPerModel` for events whose model id or version
   * folded into `__other__` (model-registry.ts), `joinMaxPending` for join entries evicted because
   * the table was full.
   * Only names that were hit appear.
   */
  limitHits: Record<string, number>;
}

/** Adds `from` into `into` (running totals of per-call counters: replay summaries, shard results). */
export function accumulateCounters(into: PipelineCounters, from: Readonly<PipelineCounters>): void {
  into.consumed += from.consumed;
  into.rejected += from.rejected;
  into.late += from.late;
  into.orphans += from.orphans;
  for (const limit in from.limitHits) into.limitHits[limit] = (into.limitHits[limit] ?? 0) + (from.limitHits[limit] ?? 0);
}

export interface PipelineOutput {
  alerts: DriftAlert[];
  dlq: DlqEntry[];
  retrain: RetrainTrigger[];
  counters: PipelineCounters;
}

export interface PartitionPipelineOptions {
  /** Wall clock for `emitted_at` only (default Date.now). */
  now?: () => number;
  /** The baseline profile for `reference.mode: profile` (default: read `reference.profilePath`). */
  profile?: BaselineProfile;
  /**
   * `driftwatch baseline`: every value goes to the references (no windows, no tests); read them
   * with {@link PartitionPipeline.exportProfile}.
   */
  profileOnly?: boolean;
}

const KEY_TEXT = new TextDecoder('utf-8');
/**
 * Data-quality bucket of records without a key: valid and rejected ones alike (a rejected record's
 * model is unknown, so both sides must be bucketed by the key alone for the share to mean anything).
 */
const NO_KEY = '__unknown__';
/** Recently seen keys (model ids are few): decoding a key is a byte comparison, not a UTF-8 decode. */
const KEY_CACHE_SIZE = 16;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Counters of nothing (add to them with {@link accumulateCounters}). */
export function emptyCounters(): PipelineCounters {
  return { consumed: 0, rejected: 0, late: 0, orphans: 0, limitHits: {} };
}

function emptyOutput(): PipelineOutput {
  return { alerts: [], dlq: [], retrain: [], counters: emptyCounters() };
}

export class PartitionPipeline {
  private readonly merger: StreamMerger;
  private readonly join: RequestJoin<ModelVersionState, MergedEvent>;
  private readonly redo: RedoTracker;
  private readonly models: ModelRegistry;
  private readonly metrics: MetricDef[];
  private readonly alertManager: AlertManager;
  private readonly quality: DataQualityMonitor;
  private readonly profile: ProfileLookup | null;
  private readonly windowSize: number;
  private readonly referenceSize: number;
  private readonly trailing: boolean;
  private readonly profileOnly: boolean;
  private windowsClosed = 0;
  private testsRun = 0;
  /** Latest event time processed (drives join expiry). */
  private eventTime = -Infinity;
  /** Output of the call in progress. */
  private out: PipelineOutput = emptyOutput();
  private readonly keyBytes: Uint8Array[] = [];
  private readonly keyTexts: string[] = [];
  private keyNext = 0;
  /** onInput's per-input feature values (categorical: string, numeric: number, missing: null). */
  private readonly featureValues: (string | number | null)[] = [];
  private readonly finaliseRequest = (r: OpenRequest<ModelVersionState>): void => this.finalise(r);
  /** Counts one hit of a limit in the output of the call in progress. */
  private readonly limitHit = (limit: string): void => {
    const hits = this.out.counters.limitHits;
    hits[limit] = (hits[limit] ?? 0) + 1;
  };
  /**
   * A held time-jump candidate was decided (stream-merger.ts): a rejected one goes to the DLQ with
   * its source coordinates, in the output of the call that decided it (the next record of its
   * topic-partition, or finish()).
   */
  private readonly onTimeJump = (c: TimeJumpCandidate, accepted: boolean, why: string): void => {
    if (accepted) return;
    const e = c.item;
    this.out.counters.rejected++;
    this.out.dlq.push({
      topic: e.topic,
      partition: e.partition,
      offset: e.offset,
      error_code: 'DRIFTWATCH_TS_OUT_OF_RANGE',
      error_message: why,
      value_b64: encBytes(c.value),
      key: c.key,
    });
  };

  constructor(
    readonly config: Readonly<DriftwatchConfig>,
    readonly decode: RecordDecoder,
    options: PartitionPipelineOptions = {},
  ) {
    const now = options.now ?? Date.now;
    // An event more than windows.maxTimeJumpMs ahead waits for the next record of its stream to
    // confirm the jump (one wrong timestamp must not make the whole stream late).
    this.merger = new StreamMerger(config.windows.allowedLatenessMs, config.join.ttlMs, 5 * config.join.ttlMs, config.windows.maxTimeJumpMs, this.onTimeJump);
    // Requests stay open until both the join TTL and the redo window have passed: a derived redo
    // can only be credited to a request that is still open.
    this.join = new RequestJoin(Math.max(config.join.ttlMs, config.redo.windowMs), config.join.maxPending, () => this.limitHit('joinMaxPending'));
    this.redo = new RedoTracker(config.redo.windowMs, config.join.maxPending, () => this.limitHit('joinMaxPending'));
    this.metrics = metricCatalog(config.features);
    this.profileOnly = options.profileOnly ?? false;
    this.models = new ModelRegistry(
      // A baseline exports every version its input ever had, however long ago it was last seen.
      this.profileOnly ? { ...config.models, idleTtlMs: Infinity } : config.models,
      () => new SliceRegistry(config.slices.dimensions, config.slices.maxValuesPerField, config.slices.maxValuesPerModel, this.limitHit),
      (modelId, version, slices) => new ModelVersionState(modelId, version, slices, this.metrics, this.seriesSettings()),
      this.limitHit,
    );
    this.alertManager = new AlertManager(
      {
        persistence: config.detection.persistence,
        resolveAfterCleanWindows: config.alerts.resolveAfterCleanWindows,
        cooldownWindows: config.alerts.cooldownWindows,
      },
      now,
    );
    this.quality = new DataQualityMonitor(config, this.alertManager);
    this.windowSize = config.windows.size;
    // Baseline building keeps up to reference.size values per series from the whole file.
    this.referenceSize = config.reference.size;
    this.trailing = config.reference.mode === 'trailing' && !this.profileOnly;
    let profile: BaselineProfile | undefined = options.profile;
    if (profile === undefined && config.reference.mode === 'profile' && !this.profileOnly && config.reference.profilePath !== undefined) {
      profile = cachedBaselineProfile(config.reference.profilePath);
    }
    this.profile = profile === undefined || this.profileOnly ? null : profileLookup(profile);
  }

  /** Records of this partition index, in the per-topic order Kafka gave them. */
  push(records: readonly SourceRecord[]): PipelineOutput {
    const out = emptyOutput();
    this.out = out;
    const c = out.counters;
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as SourceRecord;
      c.consumed++;
      let res: DecodeResult;
      try {
        res = this.decode(r);
      } catch (e) {
        res = { ok: false, code: 'DRIFTWATCH_DECODE_FAILED', message: `unexpected decoder failure: ${e instanceof Error ? e.message : String(e)}` };
      }
      const key = this.keyText(r.key);
      if (!res.ok) {
        c.rejected++;
        if (res.limit !== undefined) this.limitHit(res.limit);
        out.dlq.push({
          topic: r.topic,
          partition: r.partition,
          offset: r.offset,
          error_code: res.code,
          error_message: res.message,
          value_b64: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength).toString('base64'),
          key,
        });
        if (!this.profileOnly) this.quality.record(r.topic, r.partition, r.offset, key ?? NO_KEY, true, null, out);
        continue;
      }
      const ev = res.event;
      const verdict = this.merger.add({ event: ev, role: r.role, rank: ROLE_RANK[r.role], topic: r.topic, partition: r.partition, offset: r.offset }, r.value, key);
      if (verdict === 'late') c.late++;
      // A held time-jump candidate counts as a valid record, but its ts is not trusted (yet): it
      // must not move the data-quality clock (alert times) to the year 2100.
      if (!this.profileOnly) this.quality.record(r.topic, r.partition, r.offset, key ?? NO_KEY, false, verdict === 'held' ? null : ev.ts, out);
    }
    // The whole batch is in the merge before anything is released (batch splits never matter).
    this.merger.release((e) => this.process(e));
    return out;
  }

  /** End of input: processes every buffered event. Partial windows are not evaluated. */
  finish(): PipelineOutput {
    const out = emptyOutput();
    this.out = out;
    this.merger.drain((e) => this.process(e));
    return out;
  }

  /**
   * The merge backlog: events waiting for the watermark, and which of the inputs and outputs streams
   * they wait for (null: neither, see StreamMerger.laggingSource). The ingest consumer fetches less
   * of the other stream while the backlog is large (src/shards/fetch-alignment.ts).
   */
  mergeBacklog(): { buffered: number; lagging: 'inputs' | 'outputs' | null } {
    return { buffered: this.merger.buffered, lagging: this.merger.laggingSource() };
  }

  /** Events waiting for the watermark, open requests, early arrivals, model versions, series, windows and tests so far. */
  stats(): { buffered: number; openRequests: number; earlyArrivals: number; modelVersions: number; series: number; windowsClosed: number; testsRun: number } {
    let modelVersions = 0;
    let series = 0;
    for (const mv of this.models.versions()) {
      modelVersions++;
      for (const row of mv.series) if (row !== undefined) for (const s of row) if (s !== undefined) series++;
    }
    return {
      buffered: this.merger.buffered,
      openRequests: this.join.openCount,
      earlyArrivals: this.join.earlyCount,
      modelVersions,
      series,
      windowsClosed: this.windowsClosed,
      testsRun: this.testsRun,
    };
  }

  private keyText(key: Uint8Array | null): string | null {
    if (key === null) return null;
    for (let i = 0; i < this.keyBytes.length; i++) if (sameBytes(this.keyBytes[i] as Uint8Array, key)) return this.keyTexts[i] as string;
    const text = KEY_TEXT.decode(key);
    if (key.length <= 256) {
      const slot = this.keyNext;
      this.keyNext = (slot + 1) % KEY_CACHE_SIZE;
      this.keyBytes[slot] = key.slice();
      this.keyTexts[slot] = text;
    }
    return text;
  }

  private modelVersion(modelId: string, version: string): ModelVersionState {
    return this.models.get(modelId, version, this.eventTime);
  }

  private seriesSettings(): SeriesSettings {
    return { referenceSize: this.referenceSize, trailing: this.trailing, profile: this.profile };
  }

  /**
   * The whole state as a JSON-safe object (a checkpoint): everything that influences future
   * outputs — events waiting in the merge, open requests and early arrivals, sessions of the redo
   * derivation, slices, every series (references, windows, sequential detectors, incidents), the
   * data-quality counts, window offsets and the event-time clock. Caches that do not change
   * outputs (decoded keys) are left out. Call between push() calls only.
   */
  snapshot(): PipelineSnapshot {
    const topics = new TopicTable();
    const mvIndex = new Map<ModelVersionState, number>();
    const models: PipelineSnapshot['models'] = [];
    for (const [id, m] of this.models.models) {
      const versions: PipelineSnapshot['models'][number]['versions'] = [];
      for (const [version, mv] of m.versions) {
        mvIndex.set(mv, mvIndex.size);
        versions.push([version, mv.toSnapshot(topics)]);
      }
      models.push({ id, slices: m.slices.toSnapshot(), versions });
    }
    const encodeM = (mv: ModelVersionState): number => mvIndex.get(mv) as number;
    const encodeE = (e: MergedEvent): unknown => encodeEvent(e, topics);
    return {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      fingerprint: this.fingerprint(),
      topics: topics.list,
      eventTime: encNum(this.eventTime),
      windowsClosed: this.windowsClosed,
      testsRun: this.testsRun,
      merger: this.merger.toSnapshot(topics),
      join: this.join.toSnapshot({ encodeM, encodeE }),
      redo: this.redo.toSnapshot(),
      quality: this.quality.toSnapshot(topics),
      models,
    };
  }

  private fingerprintText: string | null = null;

  private fingerprint(): string {
    if (this.fingerprintText === null) this.fingerprintText = stateFingerprint(this.config, this.profileOnly);
    return this.fingerprintText;
  }

  /**
   * A pipeline that continues exactly where the one that took `snapshot` (a {@link snapshot}
   * result, possibly through JSON) stopped: same alerts (ids and statistics), DLQ entries,
   * retraining triggers and counters as if it had never stopped.
   * @throws DriftwatchError `DRIFTWATCH_CHECKPOINT_INVALID` (not a pipeline snapshot, or damaged)
   *   or `DRIFTWATCH_CHECKPOINT_INCOMPATIBLE` (another format version, or taken under a config
   *   whose state-shaping options differ).
   */
  static restore(config: Readonly<DriftwatchConfig>, decode: RecordDecoder, snapshot: unknown, options: PartitionPipelineOptions = {}): PartitionPipeline {
    const pipeline = new PartitionPipeline(config, decode, options);
    guarded('(root)', () => pipeline.load(readEnvelope(snapshot, pipeline.fingerprint())));
    return pipeline;
  }

  /** Loads the parts of a snapshot whose envelope was checked into this new pipeline. */
  private load(o: Record<string, unknown>): void {
    const topics = readArray(o.topics, 'topics').map((t, i) => readString(t, `topics[${i}]`));
    this.eventTime = decNum(o.eventTime, 'eventTime');
    this.windowsClosed = readInt(o.windowsClosed, 'windowsClosed');
    this.testsRun = readInt(o.testsRun, 'testsRun');
    const mvs: ModelVersionState[] = [];
    readArray(o.models, 'models').forEach((mvv, i) => {
      const p = `models[${i}]`;
      const mo = readObject(mvv, p);
      const id = readString(mo.id, `${p}.id`);
      if (this.models.models.has(id)) throw invalidSnapshot(p, 'duplicate model');
      const m = this.models.addModel(id);
      m.slices.restoreSnapshot(mo.slices, `${p}.slices`);
      readArray(mo.versions, `${p}.versions`).forEach((vv, j) => {
        const vp = `${p}.versions[${j}]`;
        const a = readArray(vv, vp, 2);
        const version = readString(a[0], `${vp}[0]`);
        if (m.versions.has(version)) throw invalidSnapshot(vp, 'duplicate version');
        const mv = ModelVersionState.fromSnapshot(a[1], `${vp}[1]`, id, version, m.slices, this.metrics, this.seriesSettings(), topics, this.eventTime);
        m.versions.set(version, mv);
        mvs.push(mv);
      });
    });
    this.merger.restoreSnapshot(o.merger, 'merger', topics);
    const checkSlices = (mv: ModelVersionState, ids: readonly number[], path: string): void => {
      for (const id of ids) if (id >= mv.slices.slices.length) throw invalidSnapshot(path, `slice ${id} of ${mv.modelId} does not exist`);
    };
    this.join.restoreSnapshot(o.join, 'join', {
      decodeM: (v, path) => mvs[readInt(v, path, 0, mvs.length - 1)] as ModelVersionState,
      decodeE: (v, path) => {
        const e = decodeEvent(v, path, topics);
        if (e.event.type === 'input') throw invalidSnapshot(path, 'an input cannot wait for its input');
        return e;
      },
      check: (r, path) => {
        // A model id beyond models.maxModels has its requests in model __other__'s state.
        if (r.modelId !== r.mv.modelId && r.mv.modelId !== OTHER_MODEL) throw invalidSnapshot(path, 'request of another model than its state');
        checkSlices(r.mv, r.sliceIds, path);
        for (const out of r.outputs) checkSlices(out.mv, out.sliceIds, path);
      },
    });
    this.redo.restoreSnapshot(o.redo, 'redo');
    this.quality.restoreSnapshot(o.quality, 'quality', topics);
  }

  private process(e: MergedEvent): void {
    const ts = e.event.ts;
    if (ts > this.eventTime) {
      const before = this.eventTime;
      this.eventTime = ts;
      this.out.counters.orphans += this.join.expire(ts, this.finaliseRequest);
      // After the expiry: a version is only forgotten once no open request refers to it.
      this.models.advance(before, ts);
    }
    switch (e.event.type) {
      case 'input':
        this.onInput(e, e.event);
        break;
      case 'output': {
        const req = this.join.get(e.event.requestId);
        if (req === undefined) this.out.counters.orphans += this.join.park(e.event.requestId, e, ts);
        else this.onOutput(req, e, e.event);
        break;
      }
      case 'feedback': {
        const req = this.join.get(e.event.requestId);
        if (req === undefined) this.out.counters.orphans += this.join.park(e.event.requestId, e, ts);
        else this.onFeedback(req, e, e.event);
        break;
      }
    }
  }

  /** The value clock: in profile-only mode everything is reference. */
  private clockOf(mv: ModelVersionState): number {
    return this.profileOnly ? -Infinity : mv.clock;
  }

  private onInput(e: MergedEvent, ev: InputEvent): void {
    const mv = this.modelVersion(ev.modelId, ev.modelVersion);
    const sliceIds = mv.slices.resolve(ev.segment);
    const ts = ev.ts;
    const clock = this.clockOf(mv);
    const seq = mv.seq;
    const missing = missingCount(ev, this.config.missingFeatures);
    const features = this.config.features;
    // Feature values once per input, not once per slice (a categorical number is a new string each time).
    const values = this.featureValues;
    for (let f = 0; f < features.length; f++) {
      const spec = features[f]!;
      values[f] = spec.type === 'categorical' ? categoricalFeature(ev, spec) : numericFeature(ev, spec);
    }
    for (let i = 0; i < sliceIds.length; i++) {
      const sid = sliceIds[i] as number;
      if (ev.length !== null) (mv.get(sid, M_INPUT_LENGTH) as ContinuousSeries).add(ev.length, ts, clock, seq);
      (mv.get(sid, M_MISSING_VALUES) as ContinuousSeries).add(missing, ts, clock, seq);
      if (ev.brightness !== null) (mv.get(sid, M_BRIGHTNESS) as ContinuousSeries).add(ev.brightness, ts, clock, seq);
      for (let f = 0; f < features.length; f++) {
        const v = values[f];
        if (v === null || v === undefined) continue;
        if (typeof v === 'string') (mv.get(sid, FIRST_FEATURE + f) as CategoricalSeries).add(v, ts, clock, seq);
        else (mv.get(sid, FIRST_FEATURE + f) as ContinuousSeries).add(v, ts, clock, seq);
      }
    }
    mv.noteSource(e.topic, e.partition, e.offset);
    if (ev.sessionId !== null) {
      const redone = this.redo.observe(ev.modelId, ev.sessionId, ev.requestId, ts);
      if (redone !== null) {
        const prev = this.join.get(redone);
        if (prev !== undefined) prev.redo = true;
      }
    }
    const req: OpenRequest<ModelVersionState> = {
      requestId: ev.requestId,
      modelId: ev.modelId,
      ts,
      expiresAt: ts + this.join.ttlMs,
      mv,
      sliceIds,
      outputs: [],
      label: null,
      redo: false,
      switchedToTyping: false,
    };
    const early = this.join.openRequest(req, this.finaliseRequest);
    for (const w of early) {
      if (w.event.type === 'output') this.onOutput(req, w, w.event);
      else if (w.event.type === 'feedback') this.onFeedback(req, w, w.event);
    }
    if (mv.tick(ts, this.windowSize) && !this.profileOnly) this.closeWindow(mv, ts);
  }

  private onOutput(req: OpenRequest<ModelVersionState>, e: MergedEvent, ev: OutputEvent): void {
    const sameModel = ev.modelId === req.modelId;
    let mv: ModelVersionState;
    if (sameModel && ev.modelVersion === req.mv.version) {
      mv = req.mv;
      mv.lastSeen = this.eventTime;
    } else {
      mv = this.modelVersion(ev.modelId, ev.modelVersion);
    }
    // Slices come from the input's segment; an output of another model id only feeds its whole model.
    const sliceIds = sameModel ? req.sliceIds : [0];
    const clock = this.clockOf(mv);
    const seq = mv.seq;
    const ts = ev.ts;
    for (let i = 0; i < sliceIds.length; i++) {
      const sid = sliceIds[i] as number;
      (mv.get(sid, M_NULL_OUTPUT) as RateSeries).add(ev.nullOutput ? 1 : 0, ts, clock, seq);
      if (ev.confidence !== null) (mv.get(sid, M_CONFIDENCE) as ContinuousSeries).add(ev.confidence, ts, clock, seq);
      if (ev.latencyMs !== null) (mv.get(sid, M_LATENCY_MS) as ContinuousSeries).add(ev.latencyMs, ts, clock, seq);
      if (req.label !== null) (mv.get(sid, M_ERROR_RATE) as RateSeries).add(ev.prediction === req.label ? 0 : 1, ts, clock, seq);
    }
    mv.noteSource(e.topic, e.partition, e.offset);
    const joined = { mv, prediction: ev.prediction, sliceIds };
    // Most requests get one output: an exact-size array (push() on [] would reserve 17 slots).
    if (req.outputs.length === 0) req.outputs = [joined];
    else req.outputs.push(joined);
    // A version that only answers shadow/canary copies of another version's inputs has no inputs of
    // its own: its outputs drive its window clock.
    if (mv !== req.mv && mv.tick(ts, this.windowSize) && !this.profileOnly) this.closeWindow(mv, ts);
  }

  private onFeedback(req: OpenRequest<ModelVersionState>, e: MergedEvent, ev: FeedbackEvent): void {
    if (ev.action === 'redo') req.redo = true;
    else if (ev.action === 'switch_to_typing') req.switchedToTyping = true;
    if (ev.label !== null && req.label === null) {
      req.label = ev.label;
      for (const o of req.outputs) {
        const clock = this.clockOf(o.mv);
        for (let i = 0; i < o.sliceIds.length; i++) {
          (o.mv.get(o.sliceIds[i] as number, M_ERROR_RATE) as RateSeries).add(o.prediction === ev.label ? 0 : 1, ev.ts, clock, o.mv.seq);
        }
      }
    }
    req.mv.noteSource(e.topic, e.partition, e.offset);
  }

  /** A request's TTL ended (or it was evicted): its redo and switch_to_typing values are final. */
  private finalise(r: OpenRequest<ModelVersionState>): void {
    const mv = r.mv;
    const clock = this.clockOf(mv);
    const ts = r.ts > this.eventTime ? r.ts : this.eventTime;
    for (let i = 0; i < r.sliceIds.length; i++) {
      const sid = r.sliceIds[i] as number;
      (mv.get(sid, M_REDO) as RateSeries).add(r.redo ? 1 : 0, ts, clock, mv.seq);
      (mv.get(sid, M_SWITCH_TO_TYPING) as RateSeries).add(r.switchedToTyping ? 1 : 0, ts, clock, mv.seq);
    }
  }

  private closeWindow(mv: ModelVersionState, ts: number): void {
    const sink: AlertSink = this.out;
    this.testsRun += evaluateWindow(mv, ts, this.config, this.trailing, this.alertManager, sink);
    this.windowsClosed++;
    mv.advance();
  }

  /**
   * The references of every series as a baseline profile (for `driftwatch baseline`; meaningful
   * with `profileOnly`, where every value of the input went to the references).
   */
  exportProfile(): ProfileSeries[] {
    const out: ProfileSeries[] = [];
    for (const [modelId, m] of this.models.models) {
      for (const [version, mv] of m.versions) {
        mv.series.forEach((row) => {
          if (row === undefined) return;
          for (const s of row) {
            if (s === undefined || s.refCount === 0) continue;
            const base = { model_id: modelId, model_version: version, slice: { ...s.slice.value }, metric: s.def.name };
            if (s.type === 'continuous') out.push({ ...base, type: 'continuous', values: s.referenceValues() });
            else if (s.type === 'rate') out.push({ ...base, type: 'rate', k: s.refSuccesses, n: s.refCount });
            else out.push({ ...base, type: 'categorical', counts: Object.fromEntries(s.ref) });
          }
        });
      }
    }
    return out;
  }
}
