/**
 * What `driftwatch demo` plays: simulated speech-recognition traffic (src/simulate/speech-traffic.ts,
 * default models asr-en with two versions, asr-de and asr-fr; devices android/ios/web; regions)
 * with five drifts injected at announced request counts, and the readable one-line form of an
 * alert. Pure (no I/O), so the scenario and the formatting are testable without a broker.
 */
import type { DriftAlert } from '../alerts/alert-types';
import type { DriftSpec } from '../simulate/speech-traffic';

/** One announced drift: the simulator's spec plus what the demo says about it. */
export interface DemoDrift {
  spec: DriftSpec;
  /** Shown when the drift starts, e.g. "longer inputs". */
  description: string;
}

/**
 * The drifts, each late enough for its series to have a full reference (5,000 values per series
 * by default; a slice sees only its share of the model's traffic) and spaced so that their alerts
 * arrive one after the other.
 */
export const DEMO_DRIFTS: readonly DemoDrift[] = [
  // In the order they start with the default traffic mix (asr-en 40%, asr-de 40%, asr-fr 20%).
  { spec: { metric: 'redo', model: 'asr-en', atRequest: 7_000 }, description: 'more redos (users repeat themselves)' },
  { spec: { metric: 'missing_values', model: 'asr-de', atRequest: 8_000 }, description: 'more missing values (snr_db / volume / noise dropped by a client release)' },
  { spec: { metric: 'brightness', model: 'asr-fr', atRequest: 5_500 }, description: 'darker images (camera frames sent with the audio)' },
  { spec: { metric: 'null_output', model: 'asr-de', slice: { device: 'android' }, atRequest: 12_000 }, description: 'more null outputs, on android only' },
  { spec: { metric: 'input_length', model: 'asr-en', atRequest: 13_000 }, description: 'longer inputs (users ramble into the mic)' },
];

/** True when `alert` reports `drift` (same model and metric; same slice for a slice drift). */
export function alertMatchesDrift(alert: Pick<DriftAlert, 'model_id' | 'metric' | 'slice'>, drift: DriftSpec): boolean {
  if (alert.model_id !== drift.model || alert.metric !== drift.metric) return false;
  if (drift.slice === undefined) return true;
  return Object.entries(drift.slice).every(([k, v]) => alert.slice[k] === v);
}

/** "device=android", or "(all)" for the whole model. */
export function sliceLabel(slice: Readonly<Record<string, string>>): string {
  const parts = Object.entries(slice).map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? '(all)' : parts.join(',');
}

function num(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(1);
  return a >= 100 ? x.toFixed(0) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** Reference → current in the terms of the metric: a rate, a mean, or the top category shares. */
function shift(alert: DriftAlert): string {
  const { reference: r, current: c } = alert;
  if (r.rate !== undefined && c.rate !== undefined) return `rate ${(100 * r.rate).toFixed(1)}% → ${(100 * c.rate).toFixed(1)}%`;
  if (r.mean !== null && c.mean !== null) return `mean ${num(r.mean)} → ${num(c.mean)}`;
  if (r.categories !== undefined && c.categories !== undefined) {
    const top = Object.keys(r.categories).slice(0, 2);
    return top.map((k) => `${k} ${num(r.categories?.[k])} → ${num(c.categories?.[k])}`).join(', ');
  }
  return `n ${r.count} → ${c.count}`;
}

/**
 * One alert in one or two readable lines:
 * `10:41:07  FIRING    critical  asr-en@2026.11.1  (all)  input_length  ks=0.31 p=1.2e-9  mean 36.1 → 52.9`
 * then an indented second line with the alert's own message.
 */
export function formatAlert(alert: DriftAlert, clock: (ms: number) => string = isoTime): string {
  const status = alert.status === 'firing' ? 'FIRING  ' : 'resolved';
  const test = `${alert.detector}=${num(alert.statistic)}${alert.p_value === null ? '' : ` p=${num(alert.p_value)}`}`;
  const head = [clock(alert.detected_at), status, alert.severity.padEnd(8), `${alert.model_id}@${alert.model_version}`, sliceLabel(alert.slice), alert.metric, test, shift(alert)];
  return `${head.join('  ')}\n      ${alert.message}`;
}

/** hh:mm:ss of an event time (UTC). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}
