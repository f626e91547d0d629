/**
 * The per-series tests run when a window closes: one function per metric type. Each returns the
 * statistic, p-value and effect size, and whether both the (Bonferroni-adjusted) significance and
 * the minimum effect size are met. Why these tests: docs/detection.md.
 */
import type { SampleSummary } from '../alerts/alert-types';
import { chiSquareTest } from '../../detectors/chi-square-test';
import { jensenShannon } from '../../detectors/jensen-shannon';
import { kstwoSf } from '../../detectors/kolmogorov-distribution';
import { twoProportionZTest } from '../../detectors/two-proportion-z-test';

export type Direction = 'up' | 'down' | 'changed';

export interface SeriesTestResult {
  detector: 'ks' | 'two_proportion_z' | 'chi_square';
  statistic: number;
  pValue: number;
  /** The p-value threshold used: alpha / number of tests in the window (Bonferroni). */
  threshold: number;
  /** KS D, |Δ rate| or Jensen–Shannon distance: the quantity held against the minimum effect. */
  effectSize: number;
  /** The minimum effect size that applied. */
  minEffect: number;
  drifted: boolean;
  direction: Direction;
  reference: SampleSummary;
  current: SampleSummary;
}

function median(sorted: Float64Array): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const h = n >> 1;
  return n % 2 === 1 ? (sorted[h] as number) : ((sorted[h - 1] as number) + (sorted[h] as number)) / 2;
}

function mean(xs: Float64Array): number | null {
  if (xs.length === 0) return null;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s / xs.length;
}

const { sqrt, exp } = Math;

/** kstwobign.sf(x) = 2 Σ (−1)^(k−1) exp(−2k²x²): the Kolmogorov limit, an approximation only. */
export function kolmogorovLimitSf(x: number): number {
  if (x < 0.2) return 1;
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const t = exp(-2 * k * k * x * x);
    s += k % 2 === 1 ? t : -t;
    if (t < 1e-17) break;
  }
  const p = 2 * s;
  return p > 1 ? 1 : p < 0 ? 0 : p;
}

/** count, mean and p50 of a sorted sample (the §2.2 reference/current summary). */
export function summariseSorted(sorted: Float64Array): SampleSummary {
  return { count: sorted.length, mean: mean(sorted), p50: median(sorted) };
}

/**
 * Two-sample KS statistic D = max |F_ref − F_cur| on two sorted samples (ties handled as
 * scipy's ks_2samp: both ECDFs are evaluated after all copies of a value).
 */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  // No Math.* in the loop: under jest's vm context every global lookup is slow.
  while (i < n && j < m) {
    const ai = a[i] as number;
    const bj = b[j] as number;
    const x = ai < bj ? ai : bj;
    while (i < n && (a[i] as number) <= x) i++;
    while (j < m && (b[j] as number) <= x) j++;
    let diff = i / n - j / m;
    if (diff < 0) diff = -diff;
    if (diff > d) d = diff;
  }
  return d;
}

/**
 * Continuous metric: two-sided KS, asymptotic p-value as scipy's `ks_2samp(method='asymp')`
 * (kstwo.sf(D, round(n·m/(n+m)))). The exact p-value would cost O(n·m·D) per test for little
 * gain at these sizes; the asymptotic one is accurate to ~1e-3 relative at n ≥ 100.
 */
export function testContinuous(
  refSorted: Float64Array,
  curSorted: Float64Array,
  threshold: number,
  minKs: number,
  needPValue = true,
  /** summariseSorted(refSorted) when the caller has it already (a reference that did not change). */
  refSummary?: SampleSummary,
): SeriesTestResult {
  const d = ksStatisticSorted(refSorted, curSorted);
  const n = refSorted.length;
  const m = curSorted.length;
  const en = Math.round((n * m) / (n + m));
  // The exact kstwo tail (Simard–L'Ecuyer, costly for small n) only where it decides something or
  // is reported: below the minimum effect the window cannot drift, and when the Kolmogorov limit
  // is 100× above the threshold (the finite-n tail is smaller than the limit, but never by 100×
  // at these sizes) it cannot be significant. Otherwise, or when the caller reports the p-value
  // (a firing series: the resolve message carries it), the exact value.
  let pValue: number;
  if (d === 0) pValue = 1;
  else if (needPValue) pValue = kstwoSf(d, en);
  else if (d < minKs) pValue = kolmogorovLimitSf(d * sqrt(en));
  else {
    const limit = kolmogorovLimitSf(d * sqrt(en));
    pValue = limit >= 100 * threshold ? limit : kstwoSf(d, en);
  }
  const reference = refSummary ?? summariseSorted(refSorted);
  const current = summariseSorted(curSorted);
  const direction: Direction =
    reference.mean === null || current.mean === null || current.mean === reference.mean ? 'changed' : current.mean > reference.mean ? 'up' : 'down';
  return {
    detector: 'ks',
    statistic: d,
    pValue,
    threshold,
    effectSize: d,
    minEffect: minKs,
    drifted: pValue < threshold && d >= minKs,
    direction,
    reference,
    current,
  };
}

/** Rate metric (a 0/1 per request): pooled two-proportion z-test, two-sided. */
export function testRate(refK: number, refN: number, curK: number, curN: number, threshold: number, minChange: number): SeriesTestResult {
  const r = twoProportionZTest(curK, curN, refK, refN);
  const change = Math.abs(r.rateA - r.rateB);
  return {
    detector: 'two_proportion_z',
    statistic: r.statistic,
    pValue: r.pValue,
    threshold,
    effectSize: change,
    minEffect: minChange,
    drifted: r.pValue < threshold && change >= minChange,
    direction: r.rateA === r.rateB ? 'changed' : r.rateA > r.rateB ? 'up' : 'down',
    reference: { count: refN, mean: r.rateB, p50: null, rate: r.rateB },
    current: { count: curN, mean: r.rateA, p50: null, rate: r.rateA },
  };
}

function topShares(counts: Map<string, number>, total: number, k = 5): Record<string, number> {
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  const sorted = [...counts.entries()].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, k);
  for (const [c, n] of sorted) out[c] = Math.round((n / total) * 1e4) / 1e4;
  return out;
}

/**
 * Categorical metric: chi-square test of homogeneity on the 2×k table (reference row, current row)
 * over the categories seen on either side, plus the Jensen–Shannon distance (base 2, in [0, 1], as
 * `detection.minJensenShannon` is defined) as the effect size. Returns null when fewer than two categories were seen (no test).
 */
export function testCategorical(
  ref: Map<string, number>,
  refTotal: number,
  cur: Map<string, number>,
  curTotal: number,
  threshold: number,
  minJs: number,
): SeriesTestResult | null {
  const cats = new Set<string>();
  for (const c of ref.keys()) cats.add(c);
  for (const c of cur.keys()) cats.add(c);
  if (cats.size < 2 || refTotal === 0 || curTotal === 0) return null;
  const order = [...cats].sort();
  const a = order.map((c) => ref.get(c) ?? 0);
  const b = order.map((c) => cur.get(c) ?? 0);
  const r = chiSquareTest([a, b]);
  const js = jensenShannon(a, b, { base: 2 });
  return {
    detector: 'chi_square',
    statistic: r.statistic,
    pValue: r.pValue,
    threshold,
    effectSize: js,
    minEffect: minJs,
    drifted: r.pValue < threshold && js >= minJs,
    direction: 'changed',
    reference: { count: refTotal, mean: null, p50: null, categories: topShares(ref, refTotal) },
    current: { count: curTotal, mean: null, p50: null, categories: topShares(cur, curTotal) },
  };
}
