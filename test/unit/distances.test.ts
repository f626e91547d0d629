import { loadGolden, relClose } from '../golden/load-golden';
import { binSamples, quantileEdges, sturgesEdges } from '../../detectors/binning';
import { isDriftwatchError } from '../../detectors/errors';
import { hellinger } from '../../detectors/hellinger';
import { jensenShannon } from '../../detectors/jensen-shannon';
import { psi } from '../../detectors/psi';
import { wasserstein } from '../../detectors/wasserstein';

interface Binned {
  edges: number[];
  ref: number[];
  cur: number[];
  psi: number;
  js: number;
  hellinger: number;
}
interface Fixture {
  vectors: { p: number[]; q: number[]; base: number | null; js: number; psi: number; 'psi_eps_1e-3': number; hellinger: number }[];
  samples: ({
    reference: number[];
    current: number[];
    kind: string;
    wasserstein: number;
    uWeights?: number[];
    vWeights?: number[];
    wasserstein_weighted?: number;
  } & Record<'quantile4' | 'quantile10' | 'sturges', Binned>)[];
  sturges_edge_cases: { reference: number[]; current: number[]; edges: number[] }[];
  wasserstein_doc: [number[], number[], number[] | null, number[] | null, number][];
}

const fx = loadGolden<Fixture>('distances');

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isDriftwatchError(e) ? e.code : 'not a DriftwatchError';
  }
  return undefined;
}

const close = (a: number, b: number): boolean => relClose(a, b, 1e-12, 1e-15);

describe('distances on probability / count vectors', () => {
  it(`jensenShannon matches scipy.spatial.distance.jensenshannon on ${fx.vectors.length} vectors (1e-12)`, () => {
    const bad = fx.vectors.filter((c) => !close(jensenShannon(c.p, c.q, c.base === null ? {} : { base: c.base }), c.js));
    expect(bad).toEqual([]);
  });

  it('psi and hellinger match the numpy formulas (1e-12), incl. empty bins and epsilon', () => {
    const bad = fx.vectors.filter(
      (c) => !close(psi(c.p, c.q), c.psi) || !close(psi(c.p, c.q, { epsilon: 1e-3 }), c['psi_eps_1e-3']) || !close(hellinger(c.p, c.q), c.hellinger),
    );
    expect(bad).toEqual([]);
    expect(fx.vectors.some((c) => c.p.includes(0))).toBe(true);
  });
});

describe('binning and distances on raw samples', () => {
  for (const [i, c] of fx.samples.entries()) {
    it(`sample case ${i} (${c.kind}, n=${c.reference.length}, m=${c.current.length})`, () => {
      for (const bins of [4, 10] as const) {
        const g = c[`quantile${bins}`];
        expect(quantileEdges(c.reference, bins)).toEqual(g.edges);
        const h = binSamples(c.reference, c.current, { method: 'quantile', bins });
        expect(Array.from(h.reference)).toEqual(g.ref);
        expect(Array.from(h.current)).toEqual(g.cur);
        const binning = { method: 'quantile', bins } as const;
        expect(close(psi(c.reference, c.current, { binning }), g.psi)).toBe(true);
        expect(close(jensenShannon(c.reference, c.current, { binning }), g.js)).toBe(true);
        expect(close(hellinger(c.reference, c.current, { binning }), g.hellinger)).toBe(true);
      }
      expect(sturgesEdges(c.reference, c.current)).toEqual(c.sturges.edges);
      const s = binSamples(c.reference, c.current, 'sturges');
      expect(Array.from(s.reference)).toEqual(c.sturges.ref);
      expect(Array.from(s.current)).toEqual(c.sturges.cur);
      expect(close(psi(c.reference, c.current, { binning: 'sturges' }), c.sturges.psi)).toBe(true);
      expect(close(jensenShannon(c.reference, c.current, { binning: 'sturges' }), c.sturges.js)).toBe(true);
      expect(close(hellinger(c.reference, c.current, { binning: 'sturges' }), c.sturges.hellinger)).toBe(true);
      expect(close(wasserstein(c.reference, c.current), c.wasserstein)).toBe(true);
      if (c.uWeights && c.vWeights && c.wasserstein_weighted !== undefined) {
        expect(close(wasserstein(c.reference, c.current, c.uWeights, c.vWeights), c.wasserstein_weighted)).toBe(true);
      }
    });
  }

  it('reproduces numpy Sturges edges in edge cases (constant data, exact log2)', () => {
    for (const c of fx.sturges_edge_cases) expect(sturgesEdges(c.reference, c.current)).toEqual(c.edges);
  });

  it('matches the scipy wasserstein_distance documentation examples', () => {
    for (const [u, v, uw, vw, d] of fx.wasserstein_doc) {
      expect(close(wasserstein(u, v, uw ?? undefined, vw ?? undefined), d)).toBe(true);
    }
  });
});

describe('distance input validation', () => {
  it('rejects bad inputs and options with coded errors', () => {
    expect(code(() => psi([1, 2], [1, 2, 3]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => psi([0, 0], [1, 2]))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(code(() => psi([1, 2], [1, 2], { epsilon: 0 }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => jensenShannon([1, Number.NaN], [1, 2]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => jensenShannon([1, 2], [1, 2], { base: 1 }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => hellinger([1, -1], [1, 2]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => hellinger([], []))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(code(() => wasserstein([], [1]))).toBe('DRIFTWATCH_EMPTY_SAMPLE');
    expect(code(() => wasserstein([1, 2], [1], [1]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => wasserstein([1, 2], [1], [0, 0]))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(code(() => psi([1, 2], [3, 4], { binning: { method: 'quantile', bins: 1 } }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => psi([1, 2], [3, 4], { binning: 'deciles' as never }))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(code(() => psi([1, 2], [3, 9], { binning: { method: 'edges', edges: [0, 5] } }))).toBe('DRIFTWATCH_INVALID_INPUT');
  });

  it('has no singularity: identical distributions give 0, disjoint ones the maxima', () => {
    expect(psi([1, 2, 3], [2, 4, 6])).toBe(0);
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(Math.sqrt(Math.LN2), 15);
    expect(hellinger([1, 0], [0, 1])).toBe(1);
  });
});
