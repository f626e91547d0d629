/**
 * The fixed metric names of DESIGN.md §2.2, their alert kind and their statistical type. The type
 * decides the detector: continuous → KS, rate (a 0/1 per request) → two-proportion z + HDDM_A,
 * categorical → chi-square + Jensen–Shannon.
 */
import type { AlertKind } from '../alerts/alert-types';
import type { FeatureSpec } from '../config/config-types';

export type MetricType = 'continuous' | 'rate' | 'categorical';

export interface MetricDef {
  /** Wire name, e.g. `input_length` or `feature:snr_db`. */
  readonly name: string;
  readonly kind: AlertKind;
  readonly type: MetricType;
}

/** Indexes of the standard metrics in every metric table (features follow at FIRST_FEATURE). */
export const M_INPUT_LENGTH = 0;
export const M_MISSING_VALUES = 1;
export const M_BRIGHTNESS = 2;
export const M_NULL_OUTPUT = 3;
export const M_REDO = 4;
export const M_SWITCH_TO_TYPING = 5;
export const M_CONFIDENCE = 6;
export const M_LATENCY_MS = 7;
export const M_ERROR_RATE = 8;
export const FIRST_FEATURE = 9;

export const STANDARD_METRICS: readonly MetricDef[] = [
  { name: 'input_length', kind: 'data_drift', type: 'continuous' },
  { name: 'missing_values', kind: 'data_drift', type: 'continuous' },
  { name: 'brightness', kind: 'data_drift', type: 'continuous' },
  { name: 'null_output', kind: 'concept_drift', type: 'rate' },
  { name: 'redo', kind: 'concept_drift', type: 'rate' },
  { name: 'switch_to_typing', kind: 'concept_drift', type: 'rate' },
  { name: 'confidence', kind: 'concept_drift', type: 'continuous' },
  { name: 'latency_ms', kind: 'concept_drift', type: 'continuous' },
  { name: 'error_rate', kind: 'concept_drift', type: 'rate' },
];

/**
 * The data-quality metric: the share of records of one stream (topic-partition) and model key that
 * decoding or validation rejected. Not in DESIGN §2.2's list of names because §2.2 names only
 * event metrics; `kind` is `data_quality`.
 */
export const REJECTED_RECORDS_METRIC = 'rejected_records';

/** The metric table of a config: the standard metrics, then one `feature:<name>` per configured feature. */
export function metricCatalog(features: readonly FeatureSpec[]): MetricDef[] {
  const out = STANDARD_METRICS.slice();
  for (const f of features) {
    out.push({ name: `feature:${f.name}`, kind: 'data_drift', type: f.type === 'categorical' ? 'categorical' : 'continuous' });
  }
  return out;
}
