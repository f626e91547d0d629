/**
 * The two-sided one-sample Kolmogorov–Smirnov distribution for finite `n`: `P(D_n <= d)` and
 * `P(D_n > d)`, as scipy's `kstwo.cdf(d, n)` / `kstwo.sf(d, n)` (scipy 1.17.1, `_ksstats.kolmogn`).
 *
 * scipy follows Simard & L'Ecuyer (2011): depending on `n` and `n·d²` it uses the Ruben–Gambino
 * closed forms, the Durbin matrix (Marsaglia–Tsang–Wang), the Pomeranz recursion, the Pelz–Good
 * asymptotic series, or twice the one-sided Smirnov tail. This file applies the same choice at the
 * same thresholds, so results match scipy to rounding — including where scipy uses an approximation
 * (Pelz–Good), which matters because `ks_2samp`'s asymptotic p-value is `kstwo.sf(D, round(en))`.
 */
import { DriftwatchError } from './errors';
import { smirnovSf } from './smirnov-distribution';

const E128 = 128;
const EP128 = Math.pow(2, E128);
const EM128 = Math.pow(2, -E128);
const SQRT2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const MIN_LOG = -708;
const SQRT3 = Math.sqrt(3);
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;
/** Stirling-series coefficients of log(n!/n^n), highest power first (scipy `_STIRLING_COEFFS`). */
const STIRLING_COEFFS = [
  -0.029550653594771242, 0.00641025641025641, -0.0019175269175269176, 0.0008417508417508417,
  -0.0005952380952380953, 0.0007936507936507937, -0.002777777777777778, 0.08333333333333333,
];

/**
 * Survival function of the two-sided Kolmogorov–Smirnov statistic for a sample of size `n`:
 * `P(D_n > d)`, as `scipy.stats.kstwo.sf(d, n)`.
 *
 * Outside the support (d <= 0.5/n gives 1, d >= 1 gives 0) the values are scipy's.
 *
 * @param d - the statistic (any number; NaN is rejected).
 * @param n - the sample size, an integer >= 1.
 * @throws DriftwatchError `DRIFTWATCH_INVALID_PARAMETER` when `n` is not an integer >= 1 or `d` is NaN.
 *
 * @example
 * ```ts
 * import { kstwoSf } from 'driftwatch/detectors';
 * console.log(kstwoSf(0.2, 30).toFixed(5)); // 0.15797 (the Kolmogorov limit would give 0.18130)
 * ```
 */
export function kstwoSf(d: number, n: number): number {
  checkArgs('kstwoSf', d, n);
  if (d <= 0.5 / n) return 1;
  if (d >= 1) return 0;
  return kolmogn(n, d, false);
}

/**
 * Cumulative distribution function of the two-sided Kolmogorov–Smirnov statistic for a sample of
 * size `n`: `P(D_n <= d)`, as `scipy.stats.kstwo.cdf(d, n)`.
 *
 * @param d - the statistic (any number; NaN is rejected).
 * @param n - the sample size, an integer >= 1.
 * @throws DriftwatchError `DRIFTWATCH_INVALID_PARAMETER` when `n` is not an integer >= 1 or `d` is NaN.
 *
 * @example
 * ```ts
 * import { kstwoCdf } from 'driftwatch/detectors';
 * console.log(kstwoCdf(0.2, 30).toFixed(5)); // 0.84203
 * ```
 */
export function kstwoCdf(d: number, n: number): number {
  checkArgs('kstwoCdf', d, n);
  if (d <= 0.5 / n) return 0;
  if (d >= 1) return 1;
  return kolmogn(n, d, true);
}

function checkArgs(fn: string, d: number, n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `${fn}: n must be an integer >= 1, got ${String(n)}`, {
      details: { n },
    });
  }
  if (typeof d !== 'number' || Number.isNaN(d)) {
    throw new DriftwatchError('DRIFTWATCH_INVALID_PARAMETER', `${fn}: d must be a number (0 <= d <= 1 is the support), got ${String(d)}`, {
      details: { d },
    });
  }
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

function select(cdfProb: number, sfProb: number, cdf: boolean): number {
  return clip01(cdf ? cdfProb : sfProb);
}

/** p * 2^e without overflowing or underflowing the intermediate power of two. */
function ldexp(p: number, e: number): number {
  let r = p;
  let k = e;
  while (k > 1000) {
    r *= Math.pow(2, 1000);
    k -= 1000;
  }
  while (k < -1000) {
    r *= Math.pow(2, -1000);
    k += 1000;
  }
  return r * Math.pow(2, k);
}

function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n;
  const u = rn / n;
  let poly = 0;
  for (const c of STIRLING_COEFFS) poly = poly * u + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/** scipy `_kolmogn`: the Simard–L'Ecuyer choice of algorithm. Requires 0.5/n < x < 1. */
function kolmogn(n: number, x: number, cdf: boolean): number {
  if (x >= 1) return select(1, 0, cdf);
  if (x <= 0) return select(0, 1, cdf);
  const t = n * x;
  if (t <= 1) {
    // Ruben–Gambino: 1/2n <= x <= 1/n.
    if (t <= 0.5) return select(0, 1, cdf);
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return select(prob, 1 - prob, cdf);
  }
  if (t >= n - 1) {
    const prob = 2 * Math.pow(1 - x, n);
    return select(1 - prob, prob, cdf);
  }
  if (x >= 0.5) {
    const prob = 2 * smirnovSf(n, x);
    return select(1 - prob, prob, cdf);
  }
  const nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) {
      const prob = durbinMatrix(n, x);
      return select(prob, 1 - prob, cdf);
    }
    if (nxsquared <= 4) {
      const prob = pomeranz(n, x);
      return select(prob, 1 - prob, cdf);
    }
    const prob = 2 * smirnovSf(n, x);
    return select(1 - prob, prob, cdf);
  }
  if (!cdf) {
    if (nxsquared >= 370) return 0;
    if (nxsquared >= 2.2) return clip01(2 * smirnovSf(n, x));
  }
  let cdfprob: number;
  if (nxsquared >= 18) cdfprob = 1;
  else if (n <= 100000 && n * Math.pow(x, 1.5) <= 1.4) cdfprob = durbinMatrix(n, x);
  else cdfprob = pelzGood(n, x);
  return select(cdfprob, 1 - cdfprob, cdf);
}

/** C = A·B for dense m×m row-major matrices. */
function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const ci = i * m;
    for (let k = 0; k < m; k++) {
      const aik = a[ci + k] as number;
      if (aik === 0) continue;
      const bk = k * m;
      for (let j = 0; j < m; j++) c[ci + j] = (c[ci + j] as number) + aik * (b[bk + j] as number);
    }
  }
  return c;
}

/** Durbin's matrix algorithm in the Marsaglia–Tsang–Wang form (scipy `_kolmogn_DMTW`), CDF only. */
function durbinMatrix(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  let H: Float64Array = new Float64Array(m * m);
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  for (let j = 1; j <= m; j++) v[j - 1] = 1 - Math.pow(h, j);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (v[j - 1] as number) * fac;
  }
  const tt = Math.pow(Math.max(2 * h - 1, 0), m) - 2 * Math.pow(h, m);
  v[m - 1] = (1 + tt) * fac;
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)] as number;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r] as number;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c] as number;

  let Hpwr: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let Hexpnt = 0;
  const kk = (k - 1) * m + (k - 1);
  while (nn > 0) {
    if (nn % 2) {
      Hpwr = matmul(Hpwr, H, m);
      expnt += Hexpnt;
    }
    nn = Math.floor(nn / 2);
    if (nn === 0) break; // scipy squares once more here, but never uses the result
    H = matmul(H, H, m);
    Hexpnt *= 2;
    if (Math.abs(H[kk] as number) > EP128) {
      for (let i = 0; i < H.length; i++) H[i] = (H[i] as number) / EP128;
      Hexpnt += E128;
    }
  }
  let p = Hpwr[kk] as number;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      expnt -= E128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clip01(p);
}

function pomeranzJ1J2(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pomeranz's recursion (scipy `_kolmogn_Pomeranz`), CDF only. */
function pomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  let expnt = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = ((gpower[m - 1] as number) * gOverN) / m;
    twogpower[m] = ((twogpower[m - 1] as number) * twoGOverN) / m;
    onem2gpower[m] = ((onem2gpower[m - 1] as number) * oneMinusTwoGOverN) / m;
  }
  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzJ1J2(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // conv = np.convolve(V0[k1-V0s : k1-V0s+ln2], pwrs[:ln2]); only the used slice is computed.
      const aStart = k1 - V0s;
      const la = Math.min(aStart + ln2, npwrs) - aStart;
      const lp = Math.min(ln2, npwrs);
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      let vmax = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < convLen; c++) {
        const kIdx = convStart + c;
        let s = 0;
        const iLo = Math.max(0, kIdx - lp + 1);
        const iHi = Math.min(la - 1, kIdx);
        for (let ii = iLo; ii <= iHi; ii++) s += (V0[aStart + ii] as number) * (pwrs[kIdx - ii] as number);
        V1[c] = s;
      }
      for (let c = 0; c < npwrs; c++) if ((V1[c] as number) > vmax) vmax = V1[c] as number;
      if (vmax > 0 && vmax < EM128) {
        for (let c = 0; c < npwrs; c++) V1[c] = (V1[c] as number) * EP128;
        expnt -= E128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s] as number;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP128) {
      ans *= EM128;
      expnt += E128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return clip01(ans);
}

/** The Pelz–Good asymptotic series (scipy `_kolmogn_PelzGood`), CDF only. */
function pelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const zsquared = z ** 2;
  const zthree = z ** 3;
  const zfour = z ** 4;
  const zsix = z ** 6;
  const qlog = -PI_SQUARED / 8 / zsquared;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);
  const k1a = -zsquared;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * zsix + 2 * zfour;
  const k2b = ((2 * zfour - 5 * zsquared) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * zsquared)) / 16;
  const k3d = (PI_SIX * (5 - 30 * zsquared)) / 64;
  const k3c = (PI_FOUR * (-60 * zsquared + 212 * zfour)) / 16;
  const k3b = (PI_SQUARED * (135 * zfour - 96 * zsix)) / 4;
  const k3a = -30 * zsix - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const msquared = m ** 2;
    const mfour = m ** 4;
    const msix = m ** 6;
    const qpower = Math.pow(q, 8 * k);
    K[0] = K[0]! * qpower + 1;
    K[1] = K[1]! * qpower + (k1a + k1b * msquared);
    K[2] = K[2]! * qpower + (k2a + k2b * msquared + k2c * mfour);
    K[3] = K[3]! * qpower + (k3a + k3b * msquared + k3c * mfour + k3d * msix);
  }
  const div = [z, 6 * zfour, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / div[i]!;
  q = Math.exp(-PI_SQUARED / 2 / zsquared);
  const sqrt3z = SQRT3 * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const ksq = k * k;
    const qp = Math.pow(q, ksq);
    const kspi = Math.PI * k;
    k2extra += ksq * qp;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksq * qp;
  }
  K[2] = K[2]! + (k2extra * (PI_SQUARED * SQRT2PI)) / (-36 * zthree);
  K[3] = K[3]! + (k3extra * (PI_SQUARED * SQRT2PI)) / (216 * zsix);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / Math.pow(n, i / 2);
  return sum;
}
