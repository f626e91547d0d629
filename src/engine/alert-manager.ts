/**
 * Turns per-window test results into incidents: one incident per (model, version, slice, metric).
 * - fire: `detection.persistence` consecutive drifted windows (or one drifted window confirming
 *   the sequential early signal of a whole-model rate), and not in cooldown;
 * - resolve: `alerts.resolveAfterCleanWindows` consecutive clean windows while firing;
 * - cooldown: `alerts.cooldownWindows` tested windows after a resolve during which it cannot fire;
 * - severity: `critical` when the effect size is at least twice the minimum effect size (a shift
 *   the minimum-effect rule alone would pass twice over), else `warning`; a resolve keeps the
 *   severity it fired with.
 * - attribution: a drifted window `held` because another series of the same metric explains it
 *   (see window-evaluation.ts) does not fire, restarts the persistence count, and is not clean.
 * One alert per state change (firing, resolved); a RetrainTrigger per firing.
 */
import type { AlertSeverity, DriftAlert, RetrainTrigger, SourceRange } from '../alerts/alert-types';
import { alertId, incidentId } from './alert-ids';
import { firingMessage, resolvedMessage, where } from './alert-message';
import type { SeriesTestResult } from './detection-tests';
import type { MetricDef } from './metric-catalog';
import type { IncidentState } from './series';

export interface AlertPolicy {
  persistence: number;
  resolveAfterCleanWindows: number;
  cooldownWindows: number;
}

export interface EvaluationContext {
  modelId: string;
  modelVersion: string;
  slice: { key: string; value: Readonly<Record<string, string>> };
  metric: MetricDef;
  window: { start: number; end: number; count: number };
  detectedAt: number;
  sources: () => SourceRange[];
  /** A sequential detector flagged this series since its last test. */
  earlySignal: boolean;
  /**
   * Drifted but explained by another series of the same metric (the whole model, or the slice
   * the shift is localized to): does not fire, and restarts its persistence count (so a series
   * explained in most windows cannot fire on one window where the explanation is missed).
   */
  held?: boolean;
}

export interface AlertSink {
  alerts: DriftAlert[];
  retrain: RetrainTrigger[];
}

export class AlertManager {
  constructor(
    private readonly policy: AlertPolicy,
    private readonly now: () => number,
  ) {}

  /** Applies one tested window of one series to its incident state. */
  onTested(state: IncidentState, ctx: EvaluationContext, r: SeriesTestResult, out: AlertSink): void {
    const coolingDown = !state.firing && state.cooldownLeft > 0;
    if (coolingDown) state.cooldownLeft--;
    if (r.drifted && ctx.held === true) {
      // Explained by another series: neither a step toward firing nor a clean window.
      state.consecutiveDrifted = 0;
      state.cleanStreak = 0;
      return;
    }
    if (r.drifted) {
      state.consecutiveDrifted++;
      state.cleanStreak = 0;
      const persistent = state.consecutiveDrifted >= this.policy.persistence || ctx.earlySignal;
      if (!state.firing && !coolingDown && persistent) this.fire(state, ctx, r, out);
      return;
    }
    state.consecutiveDrifted = 0;
    if (!state.firing) return;
    state.cleanStreak++;
    if (state.cleanStreak >= this.policy.resolveAfterCleanWindows) this.resolve(state, ctx, r, out);
  }

  private fire(state: IncidentState, ctx: EvaluationContext, r: SeriesTestResult, out: AlertSink): void {
    const id = incidentId({
      modelId: ctx.modelId,
      modelVersion: ctx.modelVersion,
      sliceKey: ctx.slice.key,
      metric: ctx.metric.name,
      detector: r.detector,
      windowStart: ctx.window.start,
      windowEnd: ctx.window.end,
    });
    state.firing = true;
    state.incidentId = id;
    state.cleanStreak = 0;
    const severity: AlertSeverity = r.effectSize >= 2 * r.minEffect ? 'critical' : 'warning';
    state.severity = severity;
    const sources = ctx.sources();
    const alert = this.record(id, 'firing', severity, ctx, r, sources, firingMessage(where(ctx.modelId, ctx.modelVersion, ctx.slice.key), ctx.metric.name, r));
    out.alerts.push(alert);
    out.retrain.push({
      job_id: id,
      model_id: ctx.modelId,
      model_version: ctx.modelVersion,
      alerts: [alert],
      data_range: { start: ctx.window.start, end: ctx.window.end, sources },
    });
  }

  private resolve(state: IncidentState, ctx: EvaluationContext, r: SeriesTestResult, out: AlertSink): void {
    const id = state.incidentId as string;
    const severity = state.severity;
    const msg = resolvedMessage(where(ctx.modelId, ctx.modelVersion, ctx.slice.key), ctx.metric.name, r, state.cleanStreak);
    out.alerts.push(this.record(id, 'resolved', severity, ctx, r, ctx.sources(), msg));
    state.firing = false;
    state.incidentId = null;
    state.cleanStreak = 0;
    state.consecutiveDrifted = 0;
    state.cooldownLeft = this.policy.cooldownWindows;
  }

  private record(
    id: string,
    status: 'firing' | 'resolved',
    severity: AlertSeverity,
    ctx: EvaluationContext,
    r: SeriesTestResult,
    sources: SourceRange[],
    message: string,
  ): DriftAlert {
    return {
      alert_id: alertId(id, status, ctx.window.start, ctx.window.end),
      incident_id: id,
      status,
      kind: ctx.metric.kind,
      severity,
      model_id: ctx.modelId,
      model_version: ctx.modelVersion,
      slice: { ...ctx.slice.value },
      metric: ctx.metric.name,
      detector: r.detector,
      statistic: r.statistic,
      p_value: r.pValue,
      threshold: r.threshold,
      effect_size: r.effectSize,
      reference: r.reference,
      current: r.current,
      window: { ...ctx.window },
      detected_at: ctx.detectedAt,
      emitted_at: this.now(),
      sources,
      message,
    };
  }
}
