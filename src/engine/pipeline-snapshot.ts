/**
 * The envelope of a PartitionPipeline snapshot (a checkpoint's content): format name and version,
 * and a fingerprint of the config options that shape the engine's state, so that a checkpoint is
 * only ever restored into a pipeline that would have built the same state from the same records.
 * The parts' encodings live with their classes (stream-merger, request-join, redo-tracker,
 * slice-registry, model-version-state, series, data-quality-monitor).
 */
import { createHash } from 'node:crypto';
import { DriftwatchError } from '../../detectors/errors';
import type { DriftwatchConfig } from '../config/config-types';
import type { DataQualitySnapshot } from './data-quality-monitor';
import type { ModelVersionSnapshot } from './model-version-state';
import type { RedoTrackerSnapshot } from './redo-tracker';
import type { RequestJoinSnapshot } from './request-join';
import { invalidSnapshot, readInt, readObject, readString, type Rec, type SnapNumber } from './snapshot-codec';
import type { StreamMergerSnapshot } from './stream-merger';

export const SNAPSHOT_FORMAT = 'driftwatch-pipeline';
/** Bumped whenever the encoding or the meaning of a field changes (older snapshots are then incompatible). */
export const SNAPSHOT_VERSION = 1;

export interface PipelineSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  /** {@link stateFingerprint} of the config the snapshot was taken under. */
  fingerprint: string;
  /** Topic names, referred to by index in the parts (record coordinates of events and sources). */
  topics: string[];
  /** Latest event time processed (drives join expiry). */
  eventTime: SnapNumber;
  windowsClosed: number;
  testsRun: number;
  merger: StreamMergerSnapshot;
  /** Open requests and early arrivals; model versions by index in `models` order (versions flattened). */
  join: RequestJoinSnapshot;
  redo: RedoTrackerSnapshot;
  quality: DataQualitySnapshot;
  /** Models in first-seen order: their slices and their versions in first-seen order. */
  models: { id: string; slices: string[]; versions: [string, ModelVersionSnapshot][] }[];
}

/** JSON with object keys sorted (a stable text of the same options however they were written). */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Rec;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
}

/**
 * Hash of every option that shapes the engine's state or what it does with it: a snapshot made
 * under other windows, references, detection policy, features, slices, redo/join/alert settings or
 * input limits would not continue as the new config would have run from the start.
 */
export function stateFingerprint(config: Readonly<DriftwatchConfig>, profileOnly: boolean): string {
  const shaping = {
    windows: config.windows,
    reference: config.reference,
    detection: config.detection,
    features: config.features,
    missingFeatures: config.missingFeatures,
    slices: config.slices,
    redo: config.redo,
    join: config.join,
    alerts: config.alerts,
    limits: config.limits,
    profileOnly,
  };
  return createHash('sha256').update(canonical(shaping)).digest('hex').slice(0, 32);
}

/**
 * Checks the envelope of a parsed snapshot: `DRIFTWATCH_CHECKPOINT_INVALID` when it is not one,
 * `DRIFTWATCH_CHECKPOINT_INCOMPATIBLE` when it is one of another format version or config.
 */
export function readEnvelope(v: unknown, fingerprint: string): Rec {
  const o = readObject(v, '(root)');
  if (o.format !== SNAPSHOT_FORMAT) throw invalidSnapshot('format', `not "${SNAPSHOT_FORMAT}"`);
  const version = readInt(o.version, 'version', 1);
  const fp = readString(o.fingerprint, 'fingerprint');
  if (version !== SNAPSHOT_VERSION) {
    throw new DriftwatchError('DRIFTWATCH_CHECKPOINT_INCOMPATIBLE', `pipeline snapshot of format version ${version}; this build reads version ${SNAPSHOT_VERSION}`, {
      details: { version, expected: SNAPSHOT_VERSION },
    });
  }
  if (fp !== fingerprint) {
    throw new DriftwatchError(
      'DRIFTWATCH_CHECKPOINT_INCOMPATIBLE',
      'pipeline snapshot taken under another config (windows, reference, detection, features, missingFeatures, slices, redo, join, alerts or limits differ)',
      { details: { fingerprint: fp, expected: fingerprint } },
    );
  }
  return o;
}
