/**
 * Baseline profiles (`reference.mode: profile`): the reference of each series taken from training
 * or known-good data by `driftwatch baseline`, with the same extraction as the live pipeline.
 * A series finds its reference by (model, version, slice, metric), else by (model, slice, metric)
 * from any version of the model in the profile (training data usually predates the version);
 * series with no entry fall back to `first-n`.
 */
import { readFileSync } from 'node:fs';
import { DriftwatchError } from '../../detectors/errors';
import type { ProfileLookup } from './model-version-state';

interface ProfileSeriesBase {
  model_id: string;
  model_version: string;
  slice: Record<string, string>;
  metric: string;
}

export type ProfileSeries =
  | (ProfileSeriesBase & { type: 'continuous'; values: number[] })
  | (ProfileSeriesBase & { type: 'rate'; k: number; n: number })
  | (ProfileSeriesBase & { type: 'categorical'; counts: Record<string, number> });

export interface BaselineProfile {
  format: 'driftwatch-baseline';
  version: 1;
  /** reference.size when the profile was built (values per continuous series, at most). */
  reference_size: number;
  series: ProfileSeries[];
}

/** The canonical slice text of a wire slice ({} → "", { device: "ios" } → "device=ios"). */
export function sliceKeyOf(slice: Record<string, string>): string {
  const k = Object.keys(slice)[0];
  return k === undefined ? '' : `${k}=${slice[k]}`;
}

function invalid(path: string, why: string): DriftwatchError {
  return new DriftwatchError('DRIFTWATCH_BASELINE_INVALID', `baseline profile ${path}: ${why}`, { details: { path } });
}

function isRecordOfNumbers(x: unknown): x is Record<string, number> {
  return typeof x === 'object' && x !== null && Object.values(x).every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0);
}

/** Checks the shape of a parsed profile (throws DRIFTWATCH_BASELINE_INVALID naming the problem). */
export function checkProfile(json: unknown, path = '<profile>'): BaselineProfile {
  const p = json as Partial<BaselineProfile> | null;
  if (p === null || typeof p !== 'object' || p.format !== 'driftwatch-baseline' || p.version !== 1 || !Array.isArray(p.series)) {
    throw invalid(path, 'expected { format: "driftwatch-baseline", version: 1, series: [...] }');
  }
  p.series.forEach((s, i) => {
    const ok =
      typeof s === 'object' && s !== null && typeof s.model_id === 'string' && typeof s.model_version === 'string' &&
      typeof s.metric === 'string' && typeof s.slice === 'object' && s.slice !== null &&
      ((s.type === 'continuous' && Array.isArray(s.values) && s.values.every((v) => typeof v === 'number' && Number.isFinite(v))) ||
        (s.type === 'rate' && Number.isInteger(s.k) && Number.isInteger(s.n) && s.k >= 0 && s.k <= s.n) ||
        (s.type === 'categorical' && isRecordOfNumbers(s.counts)));
    if (!ok) throw invalid(path, `series[${i}] is malformed`);
  });
  return p as BaselineProfile;
}

/** Reads and checks a profile file. */
export function loadBaselineProfile(path: string): BaselineProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new DriftwatchError('DRIFTWATCH_BASELINE_INVALID', `baseline profile ${path} cannot be read`, { cause, details: { path } });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DriftwatchError('DRIFTWATCH_BASELINE_INVALID', `baseline profile ${path} is not JSON`, { cause, details: { path } });
  }
  return checkProfile(json, path);
}

/** Index of a profile for the series factory. */
export function profileLookup(profile: BaselineProfile): ProfileLookup {
  const exact = new Map<string, ProfileSeries>();
  const anyVersion = new Map<string, ProfileSeries>();
  for (const s of profile.series) {
    const sk = sliceKeyOf(s.slice);
    exact.set(`${s.model_id}\u001f${s.model_version}\u001f${sk}\u001f${s.metric}`, s);
    const k = `${s.model_id}\u001f${sk}\u001f${s.metric}`;
    if (!anyVersion.has(k)) anyVersion.set(k, s);
  }
  const find = (m: string, v: string, sk: string, metric: string): ProfileSeries | undefined =>
    exact.get(`${m}\u001f${v}\u001f${sk}\u001f${metric}`) ?? anyVersion.get(`${m}\u001f${sk}\u001f${metric}`);
  return {
    continuous(m, v, sk, metric) {
      const s = find(m, v, sk, metric);
      return s?.type === 'continuous' && s.values.length > 0 ? s.values : undefined;
    },
    rate(m, v, sk, metric) {
      const s = find(m, v, sk, metric);
      return s?.type === 'rate' && s.n > 0 ? { k: s.k, n: s.n } : undefined;
    },
    categorical(m, v, sk, metric) {
      const s = find(m, v, sk, metric);
      return s?.type === 'categorical' ? s.counts : undefined;
    },
  };
}

/** Profiles read from files, by path: the pipelines of one worker share one copy. */
const fileCache = new Map<string, BaselineProfile>();

/** {@link loadBaselineProfile}, read once per path and process (thread). */
export function cachedBaselineProfile(path: string): BaselineProfile {
  let p = fileCache.get(path);
  if (p === undefined) {
    p = loadBaselineProfile(path);
    fileCache.set(path, p);
  }
  return p;
}
