/**
 * Chi-square test of independence on a contingency table, as `scipy.stats.chi2_contingency`.
 */
import { DriftwatchError } from './errors';
import { pairwiseSum } from './pairwise-sum';
import { powerDivergence, resolveLambda, type PowerDivergenceLambda } from './power-divergence';
import { chiSquareSf } from './special-functions';
import { checkCounts, invalidParameter } from './test-inputs';

/** Options of {@link chiSquareTest}. */
export interface ChiSquareTestOptions {
  /** Yates' continuity correction, applied only when dof = 1 (scipy's default: true). */
  correction?: boolean;
  /**
   * Power-divergence exponent, by scipy name ('pearson', 'log-likelihood' = G-test,
   * 'freeman-tukey', 'mod-log-likelihood', 'neyman', 'cressie-read') or number. Default: Pearson (1).
   */
  lambda?: PowerDivergenceLambda;
}

/** Result of {@link chiSquareTest}. */
export interface ChiSquareTestResult {
  /** Power-divergence statistic (Pearson's X² by default). */
  statistic: number;
  /** Upper-tail probability of the chi-square distribution with `dof` degrees of freedom. */
  pValue: number;
  /** Degrees of freedom (rows − 1)(columns − 1). */
  dof: number;
  /** Expected frequencies under independence: outer(row sums, column sums) / total. */
  expected: number[][];
}

const FN = 'chiSquareTest';

/**
 * Chi-square test of independence of the rows and columns of an r×c table of counts, with the
 * same rules and results as `scipy.stats.chi2_contingency`:
 * - expected = outer(row sums, column sums) / total; a zero expected cell (an empty row or column)
 *   throws `DRIFTWATCH_ZERO_EXPECTED_FREQUENCY`;
 * - dof = (r − 1)(c − 1); when dof = 0 (one row or one column) the result is statistic 0, p-value 1;
 * - Yates' correction only when dof = 1: each observed count moves toward its expected count by
 *   min(0.5, |O − E|);
 * - `lambda` selects the power-divergence statistic (`'log-likelihood'` gives the G-test).
 *
 * Counts may be non-integer (weights) but must be finite and ≥ 0 (`DRIFTWATCH_INVALID_INPUT`).
 *
 * @example
 * ```ts
 * const r = chiSquareTest([[10, 20], [30, 40]]);
 * console.log(r.statistic.toFixed(4), r.pValue.toFixed(4), r.dof); // 0.4464 0.5040 1
 * ```
 */
export function chiSquareTest(table: ArrayLike<ArrayLike<number>>, options: ChiSquareTestOptions = {}): ChiSquareTestResult {
  const correction = options.correction ?? true;
  if (typeof correction !== 'boolean') throw invalidParameter(FN, 'correction', 'must be a boolean');
  const lambda = resolveLambda(FN, options.lambda);
  if (table === null || typeof table !== 'object' || typeof table.length !== 'number' || table.length === 0) {
    throw new DriftwatchError('DRIFTWATCH_EMPTY_SAMPLE', `${FN}: table must be a non-empty array of rows`, {
      details: { function: FN },
    });
  }
  const r = table.length;
  const rows: Float64Array[] = [];
  for (let i = 0; i < r; i++) rows.push(checkCounts(FN, `table[${i}]`, table[i]));
  const c = (rows[0] as Float64Array).length;
  for (let i = 1; i < r; i++) {
    if ((rows[i] as Float64Array).length !== c) {
      throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${FN}: table rows must all have ${c} columns (row ${i} has ${(rows[i] as Float64Array).length})`, {
        details: { function: FN, row: i },
      });
    }
  }
  const flat = new Float64Array(r * c);
  rows.forEach((row, i) => flat.set(row, i * c));
  const rowSums = rows.map((row) => pairwiseSum(row));
  const colSums = new Float64Array(c);
  for (const row of rows) for (let j = 0; j < c; j++) colSums[j] = (colSums[j] as number) + (row[j] as number);
  const total = pairwiseSum(flat);
  const expectedFlat = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const e = ((rowSums[i] as number) * (colSums[j] as number)) / total;
      if (!(e > 0)) {
        throw new DriftwatchError(
          'DRIFTWATCH_ZERO_EXPECTED_FREQUENCY',
          `${FN}: the expected frequency of cell (${i}, ${j}) is zero (an empty row or column); every row and column needs a positive total`,
          { details: { function: FN, row: i, column: j } },
        );
      }
      expectedFlat[i * c + j] = e;
    }
  }
  const expected: number[][] = [];
  for (let i = 0; i < r; i++) expected.push(Array.from(expectedFlat.subarray(i * c, (i + 1) * c)));
  const dof = (r - 1) * (c - 1);
  if (dof === 0) return { statistic: 0, pValue: 1, dof, expected };
  let observed = flat;
  if (dof === 1 && correction) {
    observed = new Float64Array(flat.length);
    for (let k = 0; k < flat.length; k++) {
      const diff = (expectedFlat[k] as number) - (flat[k] as number);
      observed[k] = (flat[k] as number) + Math.min(0.5, Math.abs(diff)) * Math.sign(diff);
    }
  }
  const statistic = powerDivergence(observed, expectedFlat, lambda);
  return { statistic, pValue: chiSquareSf(statistic, dof), dof, expected };
}
