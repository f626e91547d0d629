import { CUSUM, type CusumOptions } from '../../detectors/cusum';
import { codeOf, driftIndices, fixture, midwayRoundTrip, streamOf } from './sequential-b-golden';

describe('CUSUM: parity with the independent numpy tabular CUSUM reference', () => {
  test(`${fixture.cusum.length} cases on ${new Set(fixture.cusum.map((c) => c.stream)).size} streams: identical indices`, () => {
    expect(new Set(fixture.cusum.map((c) => c.stream)).size).toBeGreaterThanOrEqual(20);
    for (const c of fixture.cusum) {
      const got = driftIndices(new CUSUM(c.options as CusumOptions), streamOf(c.stream));
      expect({ stream: c.stream, options: c.options, indices: got }).toEqual({
        stream: c.stream,
        options: c.options,
        indices: c.indices,
      });
    }
  });

  test('snapshot round trip midway gives identical outputs', () => {
    for (const c of fixture.cusum) {
      const r = midwayRoundTrip(new CUSUM(c.options as CusumOptions), CUSUM.fromJSON, streamOf(c.stream));
      expect(r.restored).toEqual(r.original);
      expect(r.original).toEqual(c.indices);
      expect(r.sameFinalState).toBe(true);
    }
  });

  test('textbook behaviour: a 2σ step with known parameters alarms every 4 values (C+ = 1.5, 3, 4.5, 6 > h)', () => {
    const c = new CUSUM({ target: 0, sigma: 1 });
    const s = [...Array<number>(100).fill(0), ...Array<number>(20).fill(2)];
    expect(driftIndices(c, s)).toEqual([103, 107, 111, 115, 119]);
  });

  test('a constant warm-up is extended until a value differs', () => {
    const c = new CUSUM();
    for (let i = 0; i < 100; i++) c.update(3);
    expect(c.reference).toBeNull();
    c.update(4);
    expect(c.reference).not.toBeNull();
  });

  test('reset() returns to a fresh state', () => {
    const c = new CUSUM({ warmUp: 10 });
    const fresh = JSON.stringify(c.toJSON());
    driftIndices(c, streamOf('abrupt_up_normal'));
    c.reset();
    expect(JSON.stringify(c.toJSON())).toBe(fresh);
  });

  test('parameter validation and input validation throw coded errors', () => {
    const bad: CusumOptions[] = [
      { k: -0.1 },
      { h: 0 },
      { warmUp: 1 },
      { warmUp: 10.5 },
      { target: 0 },
      { sigma: 1 },
      { target: 0, sigma: 0 },
      { mode: 'x' as never },
    ];
    for (const o of bad) expect(codeOf(() => new CUSUM(o))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(codeOf(() => new CUSUM().update(NaN))).toBe('DRIFTWATCH_INVALID_INPUT');
    expect(codeOf(() => CUSUM.fromJSON({ ...new CUSUM().toJSON(), version: 2 }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
  });
});
