/**
 * The model versions one partition index tracks, each with its slices and series, in bounded
 * memory whatever model ids and versions producers send:
 * - Caps, like the slice caps (slice-registry.ts): model ids beyond `models.maxModels` share model
 *   `__other__`, versions of a model beyond `models.maxVersionsPerModel` share its version
 *   `__other__`; one limit hit per event folded.
 * - Idle versions: a version without inputs or outputs for `models.idleTtlMs` of event time is
 *   forgotten with its series (a model left without versions with its slices), so that a service
 *   that deploys often does not accumulate versions, and the caps count versions in use.
 *
 * Forgetting is decided by event time alone, at fixed points of it (every SWEEP_PARTS-th of the
 * TTL, counted from 0), so a replay, a restart from a checkpoint and a live run forget the same
 * versions at the same event. It cannot strand an open request of the join on a forgotten state:
 * a request referring to a version (its input's, or an output's) opened or was joined while the
 * version was marked seen at event time t, and expires at input ts + join TTL ≤ t + join TTL; the
 * config requires idleTtlMs ≥ that TTL, and the join expires requests before the sweep runs.
 */
import { OTHER_CATEGORY } from '../../detectors/frequency-table';
import type { ModelVersionState } from './model-version-state';
import type { SliceRegistry } from './slice-registry';

/** The shared model id / version of events beyond a cap (the slices' `__other__` as well). */
export const OTHER_MODEL = OTHER_CATEGORY;

/** The caps, as `PipelineCounters.limitHits` and `driftwatch_limit_hits_total` name them. */
export type ModelLimit = 'maxModels' | 'maxVersionsPerModel';

/** Sweeps per idle TTL: a version is forgotten between 1 and 1 + 1/SWEEP_PARTS TTLs after its last event. */
const SWEEP_PARTS = 8;

export interface ModelLimits {
  maxModels: number;
  maxVersionsPerModel: number;
  idleTtlMs: number;
}

export interface TrackedModel {
  readonly slices: SliceRegistry;
  readonly versions: Map<string, ModelVersionState>;
}

export class ModelRegistry {
  /** Model id → its slices and versions, in first-seen order. */
  readonly models = new Map<string, TrackedModel>();
  private readonly sweepEveryMs: number;

  constructor(
    private readonly limits: Readonly<ModelLimits>,
    private readonly newSlices: () => SliceRegistry,
    private readonly newVersion: (modelId: string, version: string, slices: SliceRegistry) => ModelVersionState,
    private readonly onLimitHit: (limit: ModelLimit) => void,
  ) {
    // An infinite TTL (baseline building) never passes a sweep point once event time is finite.
    this.sweepEveryMs = Math.max(1, Math.floor(limits.idleTtlMs / SWEEP_PARTS));
  }

  /** The state of (model, version), after the caps, created on first use; marked seen at `now`. */
  get(modelId: string, version: string, now: number): ModelVersionState {
    let m = this.models.get(modelId);
    if (m === undefined) {
      if (modelId !== OTHER_MODEL && this.realModels() >= this.limits.maxModels) {
        this.onLimitHit('maxModels');
        return this.get(OTHER_MODEL, version, now);
      }
      m = this.addModel(modelId);
    }
    let mv = m.versions.get(version);
    if (mv === undefined) {
      if (version !== OTHER_MODEL && m.versions.size - (m.versions.has(OTHER_MODEL) ? 1 : 0) >= this.limits.maxVersionsPerModel) {
        this.onLimitHit('maxVersionsPerModel');
        return this.get(modelId, OTHER_MODEL, now);
      }
      mv = this.newVersion(modelId, version, m.slices);
      m.versions.set(version, mv);
    }
    mv.lastSeen = now;
    return mv;
  }

  /** A model without versions (a snapshot's restore adds them; no cap applies to restored state). */
  addModel(modelId: string): TrackedModel {
    const m: TrackedModel = { slices: this.newSlices(), versions: new Map() };
    this.models.set(modelId, m);
    return m;
  }

  /** Event time advanced from `before` to `now`: forgets idle versions when a sweep point was passed. */
  advance(before: number, now: number): void {
    if (Math.floor(now / this.sweepEveryMs) === Math.floor(before / this.sweepEveryMs)) return;
    for (const [modelId, m] of this.models) {
      for (const [version, mv] of m.versions) if (now - mv.lastSeen > this.limits.idleTtlMs) m.versions.delete(version);
      if (m.versions.size === 0) this.models.delete(modelId);
    }
  }

  /** Every tracked version. */
  *versions(): IterableIterator<ModelVersionState> {
    for (const m of this.models.values()) yield* m.versions.values();
  }

  private realModels(): number {
    return this.models.size - (this.models.has(OTHER_MODEL) ? 1 : 0);
  }
}
