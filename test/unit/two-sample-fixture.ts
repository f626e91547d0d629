// Typed access to test/golden/fixtures/two-sample-tests.json (written by test/golden/gen_tests.py).
import { loadGolden } from '../golden/load-golden';

export interface Pair {
  a: number[];
  b: number[];
  kind: string;
}

export interface TwoSampleFixture {
  scipy: string;
  pairs: Pair[];
  chi2_contingency: {
    table: number[][];
    correction: boolean;
    lambda: string | number | null;
    statistic: number;
    pvalue: number;
    dof: number;
    expected: number[][];
  }[];
  chisquare: {
    observed: number[];
    reference: number[];
    kind: string;
    pseudoCount: number;
    lambda: string | number | null;
    ddof: number;
    categories: number[];
    expected: number[];
    statistic: number;
    pvalue: number;
  }[];
  two_proportion_z: {
    x1: number;
    n1: number;
    x2: number;
    n2: number;
    alternative: 'two-sided' | 'less' | 'greater';
    statistic: number;
    pvalue: number;
  }[];
  fisher_exact: { table: number[][]; alternative: 'two-sided' | 'less' | 'greater'; statistic: number; pvalue: number }[];
  welch: { pair: number; kind: string; alternative: 'two-sided' | 'less' | 'greater'; statistic: number; pvalue: number; df: number }[];
  cramervonmises: { pair: number; kind: string; method: string; statistic: number; pvalue: number }[];
  anderson_ksamp: { pair?: number; samples?: number[][]; statistic: number; pvalue: number; critical: number[] }[];
}

let cached: TwoSampleFixture | undefined;

/** The fixture, parsed once per test file. */
export function twoSampleFixture(): TwoSampleFixture {
  cached ??= loadGolden<TwoSampleFixture>('two-sample-tests');
  return cached;
}

/** Collects mismatches so a failing test lists every case at once. */
export function mismatches<T>(cases: T[], check: (c: T, i: number) => string | undefined): string[] {
  const out: string[] = [];
  cases.forEach((c, i) => {
    const m = check(c, i);
    if (m !== undefined) out.push(`case ${i}: ${m}`);
  });
  return out;
}
