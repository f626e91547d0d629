// Shared helpers for the River-parity tests of ADWIN, DDM, EDDM, HDDM_A and HDDM_W: loading the
// fixtures written by test/golden/gen_sequential_a.py and running a detector over a case's stream.
import { loadGolden } from '../golden/load-golden';
import type { DriftDetector } from '../../detectors/drift-detector';

export interface GoldenCase {
  name: string;
  params: Record<string, number | boolean>;
  stream: { bits: string } | { values: number[] };
  drifts: number[];
  warnings: [number, number][];
  checkpoints: ({ i: number } & Record<string, number>)[];
}

export interface GoldenFile {
  river: string;
  detector: string;
  cases: GoldenCase[];
}

export function loadCases(name: string): GoldenFile {
  return loadGolden<GoldenFile>(name);
}

/** The stream of a case as a Float64Array (bits decoded to 0/1). */
export function streamOf(c: GoldenCase): Float64Array {
  if ('bits' in c.stream) {
    const s = c.stream.bits;
    const out = new Float64Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) - 48;
    return out;
  }
  return Float64Array.from(c.stream.values);
}

/** Inclusive [start, end] runs -> sorted indices. */
export function expandRuns(runs: [number, number][]): number[] {
  const out: number[] = [];
  for (const [a, b] of runs) for (let i = a; i <= b; i++) out.push(i);
  return out;
}

export interface RunResult {
  drifts: number[];
  warnings: number[];
  /** Per-step output bits: 2 = drift, 1 = warning (for bit-identical comparisons). */
  flags: Uint8Array;
}

/** Feeds xs[from..] into d and records drift/warning indices (absolute positions). */
export function run(d: DriftDetector, xs: Float64Array, from = 0, to = xs.length): RunResult {
  const drifts: number[] = [];
  const warnings: number[] = [];
  const flags = new Uint8Array(to - from);
  for (let i = from; i < to; i++) {
    d.update(xs[i] as number);
    let f = 0;
    if (d.driftDetected) {
      drifts.push(i);
      f |= 2;
    }
    if (d.warningDetected) {
      warnings.push(i);
      f |= 1;
    }
    flags[i - from] = f;
  }
  return { drifts, warnings, flags };
}

/**
 * Positions at which to snapshot a stream: a few fixed fractions plus the step right after the
 * first drift (the step whose next update must self-reset) and the drift step itself.
 */
export function snapshotPoints(n: number, drifts: number[]): number[] {
  const pts = new Set<number>([0, Math.floor(n / 3), Math.floor(n / 2), n - 1]);
  const first = drifts[0];
  if (first !== undefined) {
    pts.add(first);
    if (first + 1 < n) pts.add(first + 1);
  }
  return [...pts].filter((p) => p >= 0 && p < n).sort((a, b) => a - b);
}

/** What the shared parity suite needs to know about one detector class. */
export interface DetectorUnderTest<D extends DriftDetector> {
  /** Fixture name, e.g. 'sequential-ddm'. */
  fixture: string;
  create(params: Record<string, number | boolean>): D;
  fromJSON(json: unknown): D;
  /** The detector's stats in the fixture's checkpoint vocabulary (River's private fields). */
  stats(d: D): Record<string, number>;
  /** River's own asserted drift indices, by case name. */
  riverAsserted: [string, number[]][];
  /** Invalid option sets, each must throw DRIFTWATCH_INVALID_PARAMETER. */
  badOptions: Record<string, unknown>[];
}

/**
 * The River-parity, snapshot, validation and reset tests shared by DDM, EDDM, HDDM_A and HDDM_W.
 * Every expected value comes from the River 0.26.1 fixtures; comparisons are exact.
 */
export function describeParity<D extends DriftDetector>(name: string, t: DetectorUnderTest<D>): void {
  const golden = loadCases(t.fixture);

  describe(`${name} — River 0.26.1 parity`, () => {
    it('uses fixtures of River 0.26.1 with at least 20 streams', () => {
      expect(golden.river).toBe('0.26.1');
      expect(golden.detector).toBe(name);
      expect(golden.cases.length).toBeGreaterThanOrEqual(20);
    });

    it.each(t.riverAsserted)('%s gives River’s asserted drift indices', (caseName, expected) => {
      const c = golden.cases.find((k) => k.name === caseName);
      if (!c) throw new Error(`fixture case ${caseName} missing`);
      expect(run(t.create(c.params), streamOf(c)).drifts).toEqual(expected);
    });

    it.each(golden.cases.map((c) => [c.name, c] as const))('%s: same drift and warning indices and stats', (_n, c) => {
      const xs = streamOf(c);
      const d = t.create(c.params);
      const drifts: number[] = [];
      const warnings: number[] = [];
      let cp = 0;
      for (let i = 0; i < xs.length; i++) {
        d.update(xs[i] as number);
        if (d.driftDetected) drifts.push(i);
        if (d.warningDetected) warnings.push(i);
        const want = c.checkpoints[cp];
        if (want !== undefined && want.i === i) {
          expect({ i, ...t.stats(d) }).toEqual(want);
          cp++;
        }
      }
      expect(cp).toBe(c.checkpoints.length);
      expect(drifts).toEqual(c.drifts);
      expect(warnings).toEqual(expandRuns(c.warnings));
    });
  });

  describe(`${name} — snapshots`, () => {
    const withDrift = golden.cases.filter((c) => c.drifts.length > 0).slice(0, 15);
    it.each(withDrift.map((c) => [c.name, c] as const))('%s: fromJSON(toJSON()) midway continues bit-identically', (_n, c) => {
      const xs = streamOf(c);
      const full = run(t.create(c.params), xs);
      for (const p of snapshotPoints(xs.length, c.drifts)) {
        const a = t.create(c.params);
        run(a, xs, 0, p + 1);
        const b = t.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
        expect(b.toJSON()).toEqual(a.toJSON());
        expect([b.driftDetected, b.warningDetected]).toEqual([a.driftDetected, a.warningDetected]);
        const rest = run(b, xs, p + 1);
        expect(Buffer.from(rest.flags).equals(Buffer.from(full.flags.subarray(p + 1)))).toBe(true);
        run(a, xs, p + 1);
        expect(b.toJSON()).toEqual(a.toJSON());
      }
    });

    it('fromJSON rejects malformed snapshots with DRIFTWATCH_INVALID_SNAPSHOT', () => {
      const good = t.create({}).toJSON() as Record<string, unknown>;
      const bad: unknown[] = [null, 'x', [], { ...good, type: 'OTHER' }, { ...good, version: 99 }];
      for (const [k, v] of Object.entries(good)) {
        if (k === 'type' || k === 'version' || k === 'options') continue;
        bad.push({ ...good, [k]: typeof v === 'boolean' ? 'yes' : 'NaN-ish' });
        bad.push(Object.fromEntries(Object.entries(good).filter(([key]) => key !== k)));
      }
      for (const b of bad) {
        expect(() => t.fromJSON(b)).toThrow(expect.objectContaining({ code: 'DRIFTWATCH_INVALID_SNAPSHOT' }));
      }
    });
  });

  describe(`${name} — API`, () => {
    it.each(t.badOptions.map((o) => [o]))('rejects %j with DRIFTWATCH_INVALID_PARAMETER naming the range', (opts) => {
      let err: unknown;
      try {
        t.create(opts as Record<string, number | boolean>);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'DRIFTWATCH_INVALID_PARAMETER' });
      expect((err as Error).message).toMatch(/must be .*(\[|\(|boolean|≥)/);
    });

    it.each([[Number.NaN], [Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY]])(
      'update(%p) throws DRIFTWATCH_INVALID_INPUT and leaves the state alone',
      (x) => {
        const d = t.create({});
        d.update(1).update(0);
        const before = d.toJSON();
        expect(() => d.update(x)).toThrow(expect.objectContaining({ code: 'DRIFTWATCH_INVALID_INPUT' }));
        expect(d.toJSON()).toEqual(before);
      },
    );

    it('reset() equals a fresh instance; the update after a drift starts from a fresh state', () => {
      const c = golden.cases.find((k) => k.name === 'river-stream-2/default');
      if (!c) throw new Error('fixture case missing');
      const xs = streamOf(c);
      const d = t.create({});
      run(d, xs, 0, 1500);
      d.reset();
      expect(d.toJSON()).toEqual(t.create({}).toJSON());
      expect(Buffer.from(run(d, xs).flags).equals(Buffer.from(run(t.create({}), xs).flags))).toBe(true);

      const first = c.drifts[0];
      if (first === undefined) throw new Error('fixture case has no drift');
      const e = t.create({});
      run(e, xs, 0, first + 1);
      expect(e.driftDetected).toBe(true);
      e.update(xs[first + 1] as number);
      const fresh = t.create({}).update(xs[first + 1] as number);
      expect(e.toJSON()).toEqual(fresh.toJSON());
    });
  });
}
