/**
 * What happens when a (model, version) window closes:
 * 1. every series of the version that is ready (reference and window both hold at least
 *    `windows.minSamples` values, and for rates enough expected successes and failures for the
 *    normal approximation) is tested at the Bonferroni-adjusted level alpha / (number of tests in
 *    this window); series not ready keep their values for the next window (small slices accumulate);
 * 2. per metric, the drifted series are attributed to the right slice (see {@link attribute});
 * 3. the results go through the alert manager (attributed drift fires, explained drift is held).
 */
import type { DriftwatchConfig } from '../config/config-types';
import type { AlertManager, AlertSink } from './alert-manager';
import { testCategorical, testContinuous, testRate, type SeriesTestResult } from './detection-tests';
import type { ModelVersionState } from './model-version-state';
import type { CategoricalSeries, ContinuousSeries, RateSeries, Series } from './series';

/** Classical rule for the two-proportion z-test: n·p and n·(1−p) at least 5 on both sides. */
const MIN_EXPECTED = 5;

function ready(s: Series, clock: number, minSamples: number): boolean {
  if (clock < s.refUntil) return false;
  if (s.refCount < minSamples || s.winCount < minSamples) return false;
  if (s.type === 'rate') {
    const p = (s.refSuccesses + s.winK) / (s.refCount + s.winN);
    const m = Math.min(p, 1 - p);
    // With a pooled rate of exactly 0 or 1 the test says "no change" (p = 1): still a clean window.
    if (m > 0 && (s.winN * m < MIN_EXPECTED || s.refCount * m < MIN_EXPECTED)) return false;
  }
  return true;
}

interface Tested {
  s: Series;
  r: SeriesTestResult;
  /** Drifted, but explained by another series of the same metric: no incident fires for it. */
  held: boolean;
}

/** The other slices of `s`'s field, same metric, with a reference (out of their reference period). */
function siblings(mv: ModelVersionState, s: Series): Series[] {
  const out: Series[] = [];
  for (const row of mv.series) {
    const o = row?.[s.metricIndex];
    if (o !== undefined && o !== s && o.slice.field === s.slice.field && mv.clock >= o.refUntil && o.refCount > 0) out.push(o);
  }
  return out;
}

/**
 * Is the shift of slice series `s` specific to its slice? It is when the other values of the same
 * field, pooled (ios + web for android), did not move: their pooled current windows are tested
 * against their pooled references at the unadjusted `alpha` with half the minimum effect (this
 * chooses where to report a drift the window tests already found; it raises no alarm). Each side
 * is compared with its own reference, so slices that differ at baseline (android users speaking
 * longer than ios users) do not matter. A shift of the whole model moves the rest too; a shift of
 * one slice leaves it where it was.
 */
function localized(mv: ModelVersionState, s: Series, config: Readonly<DriftwatchConfig>): boolean {
  const rest = siblings(mv, s);
  const d = config.detection;
  const minSamples = config.windows.minSamples;
  let refN = 0;
  let winN = 0;
  for (const o of rest) {
    refN += o.refCount;
    winN += o.winCount;
  }
  // Too little of the rest to tell: not localized (the whole model or the slice fires as usual).
  if (refN < minSamples || winN < minSamples) return false;
  const alpha = d.alpha;
  let restMoved: boolean;
  if (s.type === 'continuous') {
    const pool = (part: (o: ContinuousSeries) => Float64Array): Float64Array => {
      const out = new Float64Array(rest.reduce((k, o) => k + part(o as ContinuousSeries).length, 0));
      let at = 0;
      for (const o of rest) {
        const x = part(o as ContinuousSeries);
        out.set(x, at);
        at += x.length;
      }
      return out.sort();
    };
    const ref = pool((o) => o.refSorted());
    const cur = pool((o) => o.win.values.subarray(0, o.win.length));
    restMoved = testContinuous(ref, cur, alpha, d.minKsStatistic / 2).drifted;
  } else if (s.type === 'rate') {
    let rk = 0;
    let wk = 0;
    for (const o of rest) {
      rk += (o as RateSeries).refSuccesses;
      wk += (o as RateSeries).winK;
    }
    restMoved = testRate(rk, refN, wk, winN, alpha, d.minRateChange / 2).drifted;
  } else {
    const ref = new Map<string, number>();
    const cur = new Map<string, number>();
    for (const o of rest) {
      for (const [c, k] of (o as CategoricalSeries).ref) ref.set(c, (ref.get(c) ?? 0) + k);
      for (const [c, k] of (o as CategoricalSeries).win) cur.set(c, (cur.get(c) ?? 0) + k);
    }
    restMoved = testCategorical(ref, refN, cur, winN, alpha, d.minJensenShannon / 2)?.drifted ?? true;
  }
  return !restMoved;
}

/**
 * Attribution of one metric's drifted series in a window, so that a shift is reported once and on
 * the right slice:
 * - slices that moved (drifted, or significant at the unadjusted `alpha` with the minimum effect)
 *   and whose shift is localized (the rest of their field did not move) take it — only those of
 *   the field whose localized slice moved most: the drifted ones among them fire; the whole model
 *   and the other slices are held (they show the localized shift diluted or mixed in);
 * - else, if the whole model changed significantly, the slices are held (they all moved together)
 *   and the whole model fires if its change also reaches the minimum effect;
 * - else the drifted slices fire as they are (nothing explains them).
 */
function attribute(mv: ModelVersionState, group: Tested[], config: Readonly<DriftwatchConfig>): void {
  const drifted = group.filter((t) => t.r.drifted);
  if (drifted.length === 0 || (drifted.length === 1 && group.length === 1)) return;
  const alpha = config.detection.alpha;
  const moved = group.filter((t) => t.s.slice.id !== 0 && (t.r.drifted || (t.r.pValue < alpha && t.r.effectSize >= t.r.minEffect)));
  let loc = moved.filter((t) => localized(mv, t.s, config));
  if (loc.length > 0) {
    // A shift of one region shows, diluted, in each device slice too, and may look localized there
    // when the other devices happen not to move significantly: the field whose localized slice
    // moved most is the one that carries the shift.
    const best = loc.reduce((a, b) => (b.r.effectSize > a.r.effectSize ? b : a));
    loc = loc.filter((t) => t.s.slice.field === best.s.slice.field);
    for (const t of drifted) t.held = !loc.includes(t);
    return;
  }
  // The whole model explains its slices when it moved significantly, even below the minimum
  // effect (then nothing fires on this metric in this window).
  const whole = group.find((t) => t.s.slice.id === 0);
  if (whole !== undefined && whole.r.pValue < whole.r.threshold) for (const t of drifted) t.held = t !== whole;
}

/** Evaluates the version's closing window; returns the number of tests run. */
export function evaluateWindow(
  mv: ModelVersionState,
  detectedAt: number,
  config: Readonly<DriftwatchConfig>,
  trailing: boolean,
  alerts: AlertManager,
  out: AlertSink,
): number {
  const minSamples = config.windows.minSamples;
  const candidates: Series[] = [];
  for (const row of mv.series) {
    if (row === undefined) continue;
    for (const s of row) if (s !== undefined && ready(s, mv.clock, minSamples)) candidates.push(s);
  }
  if (candidates.length === 0) return 0;
  const d = config.detection;
  const threshold = d.alpha / candidates.length;
  const byMetric = new Map<number, Tested[]>();
  for (const s of candidates) {
    let r: SeriesTestResult | null;
    try {
      if (s.type === 'continuous') r = testContinuous(s.refSorted(), s.win.sortInPlace(), threshold, d.minKsStatistic, s.incident.firing, s.refSummary());
      else if (s.type === 'rate') r = testRate(s.refSuccesses, s.refCount, s.winK, s.winN, threshold, d.minRateChange);
      else r = testCategorical(s.ref, s.refTotal, s.win, s.winTotal, threshold, d.minJensenShannon);
    } catch {
      // No input may stop the stream: a statistic that cannot be computed on these values
      // (none is known; the property tests look for them) leaves the window untested.
      r = null;
    }
    if (r === null) continue;
    let g = byMetric.get(s.metricIndex);
    if (g === undefined) {
      g = [];
      byMetric.set(s.metricIndex, g);
    }
    g.push({ s, r, held: false });
  }
  for (const group of byMetric.values()) {
    try {
      attribute(mv, group, config);
    } catch {
      for (const t of group) t.held = false;
    }
    for (const { s, r, held } of group) {
      alerts.onTested(
        s.incident,
        {
          modelId: mv.modelId,
          modelVersion: mv.version,
          slice: s.slice,
          metric: s.def,
          window: { start: s.winStartTs, end: s.winEndTs, count: s.winCount },
          detectedAt,
          sources: () => mv.sourcesSince(s.winFirstSeq),
          earlySignal: s.earlySignal,
          held,
        },
        r,
        out,
      );
    }
  }
  for (const s of candidates) {
    s.earlySignal = false;
    s.closeWindow(trailing);
  }
  return candidates.length;
}
