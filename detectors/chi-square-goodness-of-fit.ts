/**
 * Chi-square goodness-of-fit test of observed category counts against a reference distribution,
 * as `scipy.stats.chisquare` / `power_divergence` with the expected counts scaled to the observed total.
 */
import { DriftwatchError } from './errors';
import { pairwiseSum } from './pairwise-sum';
import { powerDivergence, resolveLambda, type PowerDivergenceLambda } from './power-divergence';
import { chiSquareSf } from './special-functions';
import { checkCounts, invalidParameter } from './test-inputs';

/** Options of {@link chiSquareGoodnessOfFit}. */
export interface ChiSquareGoodnessOfFitOptions {
  /** Power-divergence exponent (scipy name or number); default Pearson (1). */
  lambda?: PowerDivergenceLambda;
  /** Degrees of freedom lost to estimated parameters (scipy's `ddof`); default 0. */
  ddof?: number;
  /**
   * Added to every reference entry before scaling (in the units of `reference`); default 0.
   * Use it to allow categories that the reference never saw.
   */
  pseudoCount?: number;
}

/** Result of {@link chiSquareGoodnessOfFit}. */
export interface ChiSquareGoodnessOfFitResult {
  statistic: number;
  pValue: number;
  /** Categories kept − 1 − ddof. */
  dof: number;
  /** Expected counts of the kept categories (reference scaled to the observed total). */
  expected: number[];
  /** Indices (into the inputs) of the categories kept in the test. */
  categories: number[];
}

const FN = 'chiSquareGoodnessOfFit';

/**
 * Tests whether `observed` counts follow the distribution of `reference`, which may be counts or
 * proportions: expected_i = reference_i / Σ reference × Σ observed (so the sums agree, as scipy requires).
 *
 * Zero reference categories: a category whose (smoothed) reference is 0 and whose observed count
 * is 0 carries no information and is dropped (it does not count towards the dof); a category with
 * reference 0 but observed > 0 makes the statistic infinite and throws
 * `DRIFTWATCH_ZERO_EXPECTED_FREQUENCY` — pass `pseudoCount` > 0 to test such data.
 * At least two categories must remain and dof must be ≥ 1 (`DRIFTWATCH_INVALID_INPUT`).
 *
 * @example
 * ```ts
 * const r = chiSquareGoodnessOfFit([16, 18, 16, 14, 12, 12], [1, 1, 1, 1, 1, 1]);
 * console.log(r.statistic, r.pValue.toFixed(6)); // 2 0.849145
 * ```
 */
export function chiSquareGoodnessOfFit(
  observed: ArrayLike<number>,
  reference: ArrayLike<number>,
  options: ChiSquareGoodnessOfFitOptions = {},
): ChiSquareGoodnessOfFitResult {
  const lambda = resolveLambda(FN, options.lambda);
  const ddof = options.ddof ?? 0;
  if (!Number.isInteger(ddof) || ddof < 0) throw invalidParameter(FN, 'ddof', `must be an integer ≥ 0, got ${String(ddof)}`);
  const pseudo = options.pseudoCount ?? 0;
  if (typeof pseudo !== 'number' || !Number.isFinite(pseudo) || pseudo < 0) {
    throw invalidParameter(FN, 'pseudoCount', `must be a finite number ≥ 0, got ${String(pseudo)}`);
  }
  const obs = checkCounts(FN, 'observed', observed);
  const ref = checkCounts(FN, 'reference', reference);
  if (obs.length !== ref.length) {
    throw new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${FN}: observed has ${obs.length} categories but reference has ${ref.length}; they must match`, {
      details: { function: FN },
    });
  }
  const smoothed = pseudo > 0 ? ref.map((v) => v + pseudo) : ref;
  const categories: number[] = [];
  for (let i = 0; i < obs.length; i++) {
    if (smoothed[i] === 0) {
      if (obs[i] !== 0) {
        throw new DriftwatchError(
          'DRIFTWATCH_ZERO_EXPECTED_FREQUENCY',
          `${FN}: category ${i} has reference 0 but observed ${obs[i] as number}; pass pseudoCount > 0 to allow unseen categories`,
          { details: { function: FN, category: i } },
        );
      }
      continue;
    }
    categories.push(i);
  }
  const o = Float64Array.from(categories, (i) => obs[i] as number);
  const r = Float64Array.from(categories, (i) => smoothed[i] as number);
  const obsTotal = pairwiseSum(o);
  const refTotal = pairwiseSum(r);
  if (!(obsTotal > 0)) {
    throw new DriftwatchError('DRIFTWATCH_EMPTY_SAMPLE', `${FN}: observed counts sum to 0; at least one observation is needed`, {
      details: { function: FN },
    });
  }
  const dof = categories.length - 1 - ddof;
  if (categories.length < 2 || dof < 1) {
    throw new DriftwatchError(
      'DRIFTWATCH_INVALID_INPUT',
      `${FN}: ${categories.length} usable categories with ddof ${ddof} leave ${dof} degrees of freedom; at least 1 is needed`,
      { details: { function: FN, categories: categories.length, ddof } },
    );
  }
  const expected = Float64Array.from(r, (v) => (v / refTotal) * obsTotal);
  const statistic = powerDivergence(o, expected, lambda);
  return { statistic, pValue: chiSquareSf(statistic, dof), dof, expected: Array.from(expected), categories };
}
