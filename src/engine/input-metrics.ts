/**
 * Per-input values of the data-drift metrics, shared by the live pipeline and `driftwatch baseline`
 * so that a profile is built with exactly the extraction the detectors see.
 */
import type { FeatureSpec } from '../config/config-types';
import type { FeatureValue, InputEvent } from '../pipeline/events';

// Module-level copies of globals (fast under jest's vm context too).
const hasOwn = Object.prototype.hasOwnProperty;
const finite = Number.isFinite;

function isMissing(v: FeatureValue | undefined): boolean {
  return v === undefined || v === null || v !== v; // v !== v: NaN
}

/**
 * `missing_values`: how many of `missingFeatures` (or, when absent, of the keys the input sent) are
 * absent, null or NaN.
 */
export function missingCount(ev: InputEvent, missingFeatures: readonly string[] | undefined): number {
  const f = ev.features;
  let n = 0;
  if (missingFeatures !== undefined) {
    for (const name of missingFeatures) if (isMissing(hasOwn.call(f, name) ? f[name] : undefined)) n++;
    return n;
  }
  for (const k in f) if (isMissing(f[k])) n++;
  return n;
}

/** A numeric feature's value (booleans as 0/1), or null when missing or not numeric. */
export function numericFeature(ev: InputEvent, spec: FeatureSpec): number | null {
  const v = hasOwn.call(ev.features, spec.name) ? ev.features[spec.name] : undefined;
  if (typeof v === 'number') return finite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

/** A categorical feature's category (numbers and booleans as text), or null when missing. */
export function categoricalFeature(ev: InputEvent, spec: FeatureSpec): string | null {
  const v = hasOwn.call(ev.features, spec.name) ? ev.features[spec.name] : undefined;
  if (v === undefined || v === null || v !== v) return null;
  return typeof v === 'string' ? v : `${v}`;
}
