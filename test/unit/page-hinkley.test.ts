import { PageHinkley, type PageHinkleyOptions } from '../../detectors/page-hinkley';
import { codeOf, driftIndices, fixture, midwayRoundTrip, streamOf } from './sequential-b-golden';

describe('PageHinkley: River 0.26.1 parity', () => {
  test.each(fixture.riverAsserted.pageHinkley.map((c) => [c.stream, JSON.stringify(c.options), c] as const))(
    "River's asserted indices on %s %s",
    (stream, _o, c) => {
      expect(driftIndices(new PageHinkley(c.options as PageHinkleyOptions), streamOf(stream))).toEqual(c.indices);
    },
  );

  test('River test_drift_detectors indices (literal values from River)', () => {
    const s3 = streamOf('river_3');
    expect(driftIndices(new PageHinkley({ mode: 'up' }), s3)).toEqual([588, 1681]);
    expect(driftIndices(new PageHinkley({ mode: 'down' }), s3)).toEqual([1172]);
    expect(driftIndices(new PageHinkley({ mode: 'both' }), s3)).toEqual([588, 1097, 1585]);
  });

  test(`${fixture.pageHinkley.length} generated cases: identical indices and bit-identical final state`, () => {
    const streams = new Set(fixture.pageHinkley.map((c) => c.stream));
    expect(streams.size).toBeGreaterThanOrEqual(20);
    for (const c of fixture.pageHinkley) {
      const d = new PageHinkley(c.options as PageHinkleyOptions);
      const got = driftIndices(d, streamOf(c.stream));
      expect({ stream: c.stream, options: c.options, indices: got }).toEqual({
        stream: c.stream,
        options: c.options,
        indices: c.indices,
      });
      const s = d.toJSON();
      const f = c.final as Record<string, number>;
      expect([s.n, s.mean, s.sumIncrease, s.sumDecrease, s.maxDecrease]).toEqual([
        f.n,
        f.mean,
        f.sumIncrease,
        f.sumDecrease,
        f.maxDecrease,
      ]);
      expect(s.minIncrease === 'Infinity' ? Infinity : s.minIncrease).toBe(f.minIncrease);
    }
  });

  test('snapshot round trip midway gives identical outputs on every golden stream', () => {
    for (const c of fixture.pageHinkley) {
      const r = midwayRoundTrip(new PageHinkley(c.options as PageHinkleyOptions), PageHinkley.fromJSON, streamOf(c.stream));
      expect(r.restored).toEqual(r.original);
      expect(r.original).toEqual(c.indices);
      expect(r.sameFinalState).toBe(true);
    }
  });

  test('reset() returns to a fresh state; the flag lasts one update', () => {
    const d = new PageHinkley();
    const fresh = JSON.stringify(d.toJSON());
    const s = streamOf('river_3');
    const idx = driftIndices(d, s.slice(0, 600));
    expect(idx).toEqual([588]);
    d.reset();
    expect(JSON.stringify(d.toJSON())).toBe(fresh);
    expect(d.warningDetected).toBe(false);
  });

  test('parameter validation and input validation throw coded errors', () => {
    const bad: PageHinkleyOptions[] = [
      { minInstances: 0 },
      { minInstances: 2.5 },
      { delta: -1 },
      { threshold: 0 },
      { threshold: NaN },
      { alpha: 0 },
      { alpha: 1.5 },
      { mode: 'sideways' as never },
    ];
    for (const o of bad) expect(codeOf(() => new PageHinkley(o))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(codeOf(() => new PageHinkley().update(NaN))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(codeOf(() => new PageHinkley().update(Infinity))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(codeOf(() => PageHinkley.fromJSON({ type: 'CUSUM', version: 1 }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
    const snap = { ...new PageHinkley().toJSON(), mean: 'x' };
    expect(codeOf(() => PageHinkley.fromJSON(snap))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
  });
});
