/**
 * Deterministic ids (DESIGN.md §2.2): pure functions of (model, version, slice, metric, detector,
 * window), so a replay or a restart produces the same ids and consumers can deduplicate.
 * sha256 over the fields joined by a unit separator (which cannot occur in the JSON-decoded
 * strings ambiguously with the field boundaries), hex, truncated to 32 characters (128 bits).
 */
import { createHash } from 'node:crypto';

const SEP = '\u001f';

function hash(parts: readonly (string | number)[]): string {
  return createHash('sha256').update(parts.map(String).join(SEP)).digest('hex').slice(0, 32);
}

export interface IncidentKey {
  modelId: string;
  modelVersion: string;
  /** Canonical slice text: "" (whole model) or "field=value". */
  sliceKey: string;
  metric: string;
  detector: string;
  /** Event-time range of the window in which the incident first fired. */
  windowStart: number;
  windowEnd: number;
}

export function incidentId(k: IncidentKey): string {
  return hash(['incident', k.modelId, k.modelVersion, k.sliceKey, k.metric, k.detector, k.windowStart, k.windowEnd]);
}

export function alertId(incident: string, status: string, windowStart: number, windowEnd: number): string {
  return hash(['alert', incident, status, windowStart, windowEnd]);
}
