/**
 * The human-readable `message` of an alert (DESIGN.md §2.2's example:
 * "input_length shifted up: KS D=0.31, p=1.2e-9 (threshold 0.01), mean 36.1 -> 52.9"),
 * prefixed with the model, version and slice so a message read alone says where.
 */
import type { SampleSummary } from '../alerts/alert-types';
import type { SeriesTestResult } from './detection-tests';

/** 3 significant digits; exponent form for very small or large magnitudes. */
export function fmt(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return 'n/a';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e6) return x.toExponential(1);
  return String(Number(x.toPrecision(3)));
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? 'n/a' : `${fmt(x * 100)}%`;
}

function topCategory(s: SampleSummary): string {
  const cats = s.categories ?? {};
  const first = Object.keys(cats)[0];
  return first === undefined ? 'n/a' : `${first} ${pct(cats[first])}`;
}

function evidence(metric: string, r: SeriesTestResult): string {
  const test = `p=${fmt(r.pValue)} (threshold ${fmt(r.threshold)})`;
  if (r.detector === 'ks') {
    return `KS D=${fmt(r.statistic)}, ${test}, mean ${fmt(r.reference.mean)} -> ${fmt(r.current.mean)}`;
  }
  if (r.detector === 'two_proportion_z') {
    return `z=${fmt(r.statistic)}, ${test}, rate ${pct(r.reference.rate)} -> ${pct(r.current.rate)}`;
  }
  void metric;
  return `chi2=${fmt(r.statistic)}, ${test}, JS=${fmt(r.effectSize)}, top ${topCategory(r.reference)} -> ${topCategory(r.current)}`;
}

export function where(modelId: string, modelVersion: string, sliceKey: string): string {
  return `[${modelId} ${modelVersion}${sliceKey === '' ? '' : ` ${sliceKey}`}]`;
}

export function firingMessage(place: string, metric: string, r: SeriesTestResult): string {
  const verb = r.detector === 'ks' ? 'shifted' : r.detector === 'two_proportion_z' ? 'rate went' : 'distribution';
  const dir = r.detector === 'chi_square' ? 'changed' : r.direction === 'changed' ? 'changed' : r.direction;
  return `${place} ${metric} ${verb} ${dir}: ${evidence(metric, r)}`;
}

export function resolvedMessage(place: string, metric: string, r: SeriesTestResult, cleanWindows: number): string {
  return `${place} ${metric} back within reference after ${cleanWindows} clean windows: ${evidence(metric, r)}`;
}
