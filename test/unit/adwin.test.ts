import { ADWIN, type ADWINOptions } from '../../detectors/adwin';
import { isDriftwatchError } from '../../detectors/errors';
import { expandRuns, loadCases, run, snapshotPoints, streamOf } from './sequential-a-golden';

const golden = loadCases('sequential-adwin');

describe('ADWIN — River 0.26.1 parity', () => {
  it('uses the fixtures of River 0.26.1', () => {
    expect(golden.river).toBe('0.26.1');
    expect(golden.cases.length).toBeGreaterThanOrEqual(25);
  });

  // River's own assertions (river/drift/test_drift_detectors.py, test_adwin_regression.py, docstring).
  it.each([
    ['river-stream-1/default', [1023]],
    ['river-docstring/default', [1023]],
    ['river-regression-multi/default', [1023, 2015, 3007]],
  ])('%s detects exactly River’s asserted indices', (name, expected) => {
    const c = golden.cases.find((k) => k.name === name);
    expect(c).toBeDefined();
    if (!c) return;
    expect(run(new ADWIN(c.params as ADWINOptions), streamOf(c)).drifts).toEqual(expected);
  });

  it.each(golden.cases.map((c) => [c.name, c] as const))('%s: same drift indices and window stats', (_n, c) => {
    const xs = streamOf(c);
    const d = new ADWIN(c.params as ADWINOptions);
    const drifts: number[] = [];
    let cp = 0;
    for (let i = 0; i < xs.length; i++) {
      d.update(xs[i] as number);
      if (d.driftDetected) drifts.push(i);
      const want = c.checkpoints[cp];
      if (want !== undefined && want.i === i) {
        // Same operations in the same order as River: the doubles are identical, not merely close.
        expect({ i, width: d.width, estimation: d.estimation, variance: d.variance, total: d.total }).toEqual(want);
        cp++;
      }
      expect(d.warningDetected).toBe(false);
    }
    expect(cp).toBe(c.checkpoints.length);
    expect(drifts).toEqual(c.drifts);
    expect(expandRuns(c.warnings)).toEqual([]);
  });
});

describe('ADWIN — snapshots', () => {
  const cases = golden.cases.filter((c) => c.drifts.length > 0).slice(0, 12);

  it.each(cases.map((c) => [c.name, c] as const))('%s: fromJSON(toJSON()) midway continues bit-identically', (_n, c) => {
    const xs = streamOf(c);
    const full = run(new ADWIN(c.params as ADWINOptions), xs);
    for (const p of snapshotPoints(xs.length, c.drifts)) {
      const a = new ADWIN(c.params as ADWINOptions);
      run(a, xs, 0, p + 1);
      const b = ADWIN.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
      expect(b.toJSON()).toEqual(a.toJSON());
      expect(b.driftDetected).toBe(a.driftDetected);
      const rest = run(b, xs, p + 1);
      expect(Buffer.from(rest.flags).equals(Buffer.from(full.flags.subarray(p + 1)))).toBe(true);
      run(a, xs, p + 1);
      expect(b.toJSON()).toEqual(a.toJSON());
    }
  });

  it('round-trips a window whose variance overflowed', () => {
    const a = new ADWIN({ clock: 1000 });
    a.update(1e300).update(-1e300).update(1e300);
    const b = ADWIN.fromJSON(JSON.parse(JSON.stringify(a)));
    expect(Object.is(b.variance, a.variance)).toBe(true);
    expect(b.toJSON()).toEqual(a.toJSON());
  });

  it.each([
    ['not an object', 3],
    ['wrong type', { ...new ADWIN().toJSON(), type: 'DDM' }],
    ['wrong version', { ...new ADWIN().toJSON(), version: 2 }],
    ['width inconsistent with buckets', { ...new ADWIN().update(1).toJSON(), width: 5 }],
    ['tick out of range', { ...new ADWIN().toJSON(), tick: 32 }],
    ['too many buckets in a level', { ...new ADWIN().toJSON(), totals: [[1, 1, 1, 1, 1, 1]], variances: [[0, 0, 0, 0, 0, 0]] }],
    ['NaN total', { ...new ADWIN().toJSON(), total: null }],
  ])('fromJSON rejects %s with DRIFTWATCH_INVALID_SNAPSHOT', (_n, bad) => {
    expect(() => ADWIN.fromJSON(bad)).toThrow(expect.objectContaining({ code: 'DRIFTWATCH_INVALID_SNAPSHOT' }));
  });
});

describe('ADWIN — API', () => {
  it('has River’s defaults', () => {
    const a = new ADWIN();
    expect([a.delta, a.clock, a.maxBuckets, a.minWindowLength, a.gracePeriod]).toEqual([0.002, 32, 5, 5, 10]);
    expect(a.estimation).toBe(0);
    expect(a.width).toBe(0);
  });

  it.each([
    [{ delta: 0 }],
    [{ delta: 1 }],
    [{ delta: Number.NaN }],
    [{ clock: 0 }],
    [{ clock: 1.5 }],
    [{ maxBuckets: 0 }],
    [{ maxBuckets: 1 }],
    [{ minWindowLength: -1 }],
    [{ gracePeriod: -1 }],
  ])('rejects %j with DRIFTWATCH_INVALID_PARAMETER naming the range', (opts) => {
    let err: unknown;
    try {
      new ADWIN(opts as ADWINOptions);
    } catch (e) {
      err = e;
    }
    expect(isDriftwatchError(err, 'DRIFTWATCH_INVALID_PARAMETER')).toBe(true);
    expect((err as Error).message).toMatch(/must be (a finite number|an integer) in [[(]/);
  });

  it.each([[Number.NaN], [Number.POSITIVE_INFINITY], [Number.NEGATIVE_INFINITY]])('update(%p) throws DRIFTWATCH_INVALID_INPUT and leaves the state alone', (x) => {
    const a = new ADWIN();
    a.update(1).update(2);
    const before = a.toJSON();
    expect(() => a.update(x)).toThrow(expect.objectContaining({ code: 'DRIFTWATCH_INVALID_INPUT' }));
    expect(a.toJSON()).toEqual(before);
  });

  it('reset() equals a fresh instance and self-reset happens on the update after a drift', () => {
    const c = golden.cases.find((k) => k.name === 'river-stream-1/default');
    if (!c) throw new Error('fixture case missing');
    const xs = streamOf(c);
    const a = new ADWIN({ delta: 0.01 });
    run(a, xs, 0, 1500);
    a.reset();
    expect(a.toJSON()).toEqual(new ADWIN({ delta: 0.01 }).toJSON());
    expect(run(a, xs).flags).toEqual(run(new ADWIN({ delta: 0.01 }), xs).flags);

    const b = new ADWIN();
    run(b, xs, 0, 1024);
    expect(b.driftDetected).toBe(true);
    expect(b.nDetections).toBe(1);
    b.update(xs[1024] as number);
    expect(b.width).toBe(1);
    expect(b.nDetections).toBe(0);
  });
});
