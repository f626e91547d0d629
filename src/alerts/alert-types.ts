/**
 * The public output records (DESIGN.md §2.2 and §2.3). Field names are the wire names (snake_case)
 * because these objects are serialised as they are.
 */

export type AlertKind = 'data_drift' | 'concept_drift' | 'data_quality';
export type AlertStatus = 'firing' | 'resolved';
export type AlertSeverity = 'warning' | 'critical';

/** Summary of one side of a comparison; `mean`/`p50` are null for categorical metrics. */
export interface SampleSummary {
  count: number;
  mean: number | null;
  p50: number | null;
  /** Share of 1s for rate metrics, category shares for categorical ones (top categories only). */
  rate?: number;
  categories?: Record<string, number>;
}

export interface SourceRange {
  topic: string;
  partition: number;
  from_offset: number;
  to_offset: number;
}

/** One message on `drift.alerts`: one state change of an incident. */
export interface DriftAlert {
  alert_id: string;
  incident_id: string;
  status: AlertStatus;
  kind: AlertKind;
  severity: AlertSeverity;
  model_id: string;
  model_version: string;
  /** {} for the whole model, else the one segment field and value, e.g. { device: 'android' }. */
  slice: Record<string, string>;
  metric: string;
  detector: string;
  statistic: number;
  p_value: number | null;
  threshold: number;
  effect_size: number | null;
  reference: SampleSummary;
  current: SampleSummary;
  window: { start: number; end: number; count: number };
  detected_at: number;
  emitted_at: number;
  sources: SourceRange[];
  message: string;
}

/** One record rejected by decoding or validation, as written to the DLQ topic / `--dlq-out`. */
export interface DlqEntry {
  topic: string;
  partition: number;
  offset: number;
  /** A DRIFTWATCH_* code from docs/error-codes.md. */
  error_code: string;
  error_message: string;
  /** The raw value in base64, so nothing is lost. */
  value_b64: string;
  key: string | null;
  /**
   * Set (true) on the DLQ topic when the raw value was too large to fit a DLQ record: `value_b64`
   * then holds only its first 512 KiB; the whole record is still at its coordinates.
   */
  value_truncated?: boolean;
  /** Set (true) on the DLQ topic when the key was longer than 1024 characters: `key` is its start. */
  key_truncated?: boolean;
}

/** What the alert manager asks the retraining queue for: one job per incident (job id = incident id). */
export interface RetrainTrigger {
  job_id: string;
  model_id: string;
  model_version: string;
  alerts: DriftAlert[];
  /** Event-time range and Kafka offsets of the drifted data to retrain on. */
  data_range: { start: number; end: number; sources: SourceRange[] };
}
