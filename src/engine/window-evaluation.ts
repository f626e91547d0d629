/**
 * What happens when a (model, version) window closes: every series of the version that is ready
 * (reference and window both hold at least `windows.minSamples` values, and for rates enough
 * expected successes and failures for the normal approximation) is tested at the
 * Bonferroni-adjusted level alpha / (number of tests in this window); the results go through the
 * alert manager. Series not ready keep their values for the next window (small slices accumulate).
 */
import type { DriftwatchConfig } from '../config/config-types';
import type { AlertManager, AlertSink } from './alert-manager';
import { testCategorical, testContinuous, testRate, type SeriesTestResult } from './detection-tests';
import type { ModelVersionState } from './model-version-state';
import type { Series } from './series';

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

export function evaluateWindow(
  mv: ModelVersionState,
  detectedAt: number,
  config: Readonly<DriftwatchConfig>,
  trailing: boolean,
  alerts: AlertManager,
  out: AlertSink,
): void {
  const minSamples = config.windows.minSamples;
  const candidates: Series[] = [];
  for (const row of mv.series) {
    if (row === undefined) continue;
    for (const s of row) if (s !== undefined && ready(s, mv.clock, minSamples)) candidates.push(s);
  }
  if (candidates.length === 0) return;
  const d = config.detection;
  const threshold = d.alpha / candidates.length;
  for (const s of candidates) {
    let r: SeriesTestResult | null;
    if (s.type === 'continuous') r = testContinuous(s.refSorted(), s.win.sortedCopy(), threshold, d.minKsStatistic);
    else if (s.type === 'rate') r = testRate(s.refSuccesses, s.refCount, s.winK, s.winN, threshold, d.minRateChange);
    else r = testCategorical(s.ref, s.refTotal, s.win, s.winTotal, threshold, d.minJensenShannon);
    if (r !== null) {
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
        },
        r,
        out,
      );
    }
    s.earlySignal = false;
    s.closeWindow(trailing);
  }
}
