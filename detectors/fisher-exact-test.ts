/**
 * Fisher's exact test on a 2×2 table, as `scipy.stats.fisher_exact` (same odds ratio, same
 * "at least as extreme" rule with scipy's relative tolerance of 1e-14).
 */
import { DriftwatchError } from './errors';
import { pairwiseSum } from './pairwise-sum';
import { checkAlternative, type Alternative } from './test-inputs';

/** Options of {@link fisherExactTest}. */
export interface FisherExactTestOptions {
  /** 'two-sided' (default), 'less' (odds ratio < 1) or 'greater'. */
  alternative?: Alternative;
}

/** Result of {@link fisherExactTest}. */
export interface FisherExactTestResult {
  /** Sample odds ratio a·d / (b·c) (Infinity when b·c = 0; NaN when a row or column is empty). */
  statistic: number;
  pValue: number;
}

const FN = 'fisherExactTest';

/**
 * Hypergeometric distribution of the number of marked items among `draws` draws from `total`
 * items of which `marked` are marked. The pmf is built by the ratio recurrence outward from the
 * mode and normalised by its sum, so each value is accurate to a few ulps times the distance from
 * the mode; a distribution symmetric about its centre is mirrored so that tied tables compare equal.
 */
class Hypergeometric {
  readonly lo: number;
  readonly hi: number;
  private readonly p: Float64Array;

  constructor(total: number, marked: number, draws: number) {
    const lo = Math.max(0, draws - (total - marked));
    const hi = Math.min(draws, marked);
    this.lo = lo;
    this.hi = hi;
    const w = new Float64Array(hi - lo + 1);
    const other = total - marked - draws;
    let mode = Math.floor(((draws + 1) * (marked + 1)) / (total + 2));
    mode = Math.min(hi, Math.max(lo, mode));
    const symmetric = 2 * marked === total || 2 * draws === total;
    w[mode - lo] = 1;
    let v = 1;
    for (let x = mode; x < hi; x++) {
      v *= ((marked - x) * (draws - x)) / ((x + 1) * (other + x + 1));
      w[x + 1 - lo] = v;
      if (v === 0) break;
    }
    v = 1;
    for (let x = mode; x > lo; x--) {
      v *= (x * (other + x)) / ((marked - x + 1) * (draws - x + 1));
      w[x - 1 - lo] = v;
      if (v === 0) break;
    }
    if (symmetric) {
      // pmf(x) = pmf(lo + hi − x) exactly; copy the side computed from the mode outwards.
      const m = w.length;
      const centre = (m - 1) / 2;
      const fromUpper = mode - lo >= centre; // the half containing the mode is the accurate one near it
      for (let i = 0; i < m; i++) {
        const j = m - 1 - i;
        if (fromUpper ? i < j : i > j) w[i] = w[j] as number;
      }
    }
    const s = pairwiseSum(w);
    for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) / s;
    this.p = w;
  }

  pmf(x: number): number {
    return x < this.lo || x > this.hi ? 0 : (this.p[x - this.lo] as number);
  }

  /** P(X ≤ x), summed from the lower end. */
  cdf(x: number): number {
    if (x < this.lo) return 0;
    if (x >= this.hi) return 1;
    return pairwiseSum(this.p, 0, x - this.lo + 1);
  }

  /** P(X > x), summed over the upper tail. */
  sf(x: number): number {
    if (x < this.lo) return 1;
    if (x >= this.hi) return 0;
    return pairwiseSum(this.p, x + 1 - this.lo, this.hi - x);
  }
}

/** scipy's `_binary_search_for_binom_tst`: index i in [lo, hi] with a(i) ≤ d < a(i+1). */
function binarySearch(a: (x: number) => number, d: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const midval = a(mid);
    if (midval < d) lo = mid + 1;
    else if (midval > d) hi = mid - 1;
    else return mid;
  }
  return a(lo) <= d ? lo : lo - 1;
}

function checkTable(table: unknown): [number, number, number, number] {
  const bad = (): DriftwatchError =>
    new DriftwatchError('DRIFTWATCH_INVALID_INPUT', `${FN}: table must be [[a, b], [c, d]] of whole numbers ≥ 0`, {
      details: { function: FN },
    });
  if (!Array.isArray(table) || table.length !== 2) throw bad();
  const cells: number[] = [];
  for (const row of table as unknown[]) {
    if (!Array.isArray(row) || row.length !== 2) throw bad();
    for (const v of row as unknown[]) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > Number.MAX_SAFE_INTEGER) throw bad();
      cells.push(v);
    }
  }
  return cells as [number, number, number, number];
}

/**
 * Fisher's exact test of independence on the 2×2 table [[a, b], [c, d]] (e.g. rows = reference /
 * current window, columns = event / no event). The p-value sums hypergeometric probabilities of
 * the tables (with the observed margins) that are at least as extreme as the observed one; for the
 * two-sided test "as extreme" means a probability ≤ the observed one × (1 + 1e-14), as in scipy.
 *
 * A table with an empty row or column gives statistic NaN and p-value 1 (as scipy).
 *
 * @example
 * ```ts
 * const r = fisherExactTest([[6, 2], [1, 4]]);
 * console.log(r.statistic, r.pValue.toFixed(6)); // 12 0.102564
 * ```
 */
export function fisherExactTest(table: ArrayLike<ArrayLike<number>>, options: FisherExactTestOptions = {}): FisherExactTestResult {
  const alternative = checkAlternative(FN, options.alternative);
  const [a, b, c, d] = checkTable(table);
  if (a + b === 0 || c + d === 0 || a + c === 0 || b + d === 0) return { statistic: Number.NaN, pValue: 1 };
  const statistic = c > 0 && b > 0 ? (a * d) / (c * b) : Number.POSITIVE_INFINITY;
  const n1 = a + b;
  const n2 = c + d;
  const n = a + c;
  let pValue: number;
  if (alternative === 'less') {
    pValue = new Hypergeometric(n1 + n2, n1, n).cdf(a);
  } else if (alternative === 'greater') {
    pValue = new Hypergeometric(n1 + n2, n1, b + d).cdf(b);
  } else {
    const dist = new Hypergeometric(n1 + n2, n1, n);
    const pmf = (x: number): number => dist.pmf(x);
    const mode = Math.trunc(((n + 1) * (n1 + 1)) / (n1 + n2 + 2));
    const pexact = pmf(a);
    const pmode = pmf(mode);
    const epsilon = 1e-14;
    const gamma = 1 + epsilon;
    if (Math.abs(pexact - pmode) / Math.max(pexact, pmode) <= epsilon) return { statistic, pValue: 1 };
    if (a < mode) {
      const plower = dist.cdf(a);
      if (pmf(n) > pexact * gamma) return { statistic, pValue: plower };
      const guess = binarySearch((x) => -pmf(x), -pexact * gamma, mode, n);
      pValue = plower + dist.sf(guess);
    } else {
      const pupper = dist.sf(a - 1);
      if (pmf(0) > pexact * gamma) return { statistic, pValue: pupper };
      const guess = binarySearch(pmf, pexact * gamma, 0, mode);
      pValue = pupper + dist.cdf(guess);
    }
  }
  return { statistic, pValue: Math.min(pValue, 1) };
}
