import { KSWIN, type KswinOptions } from '../../detectors/kswin';
import { relClose } from '../golden/load-golden';
import { codeOf, driftIndices, fixture, midwayRoundTrip, streamOf } from './sequential-b-golden';

describe('KSWIN: River 0.26.1 parity (CPython sample + scipy ks_2samp)', () => {
  test.each(fixture.riverAsserted.kswin.map((c) => [c.stream, JSON.stringify(c.options), c] as const))(
    "River's asserted indices on %s %s",
    (stream, _o, c) => {
      expect(driftIndices(new KSWIN(c.options as KswinOptions), streamOf(stream))).toEqual(c.indices);
    },
  );

  test("River's test_kswin (literal [1042]) and docstring (literal 1016)", () => {
    expect(driftIndices(new KSWIN({ alpha: 0.0001, windowSize: 200, statSize: 100, seed: 42 }), streamOf('river_1'))).toEqual([
      1042,
    ]);
    expect(driftIndices(new KSWIN({ alpha: 0.0001, seed: 42 }), streamOf('river_docstring'))).toEqual([1016]);
  });

  test(`${fixture.kswin.length} generated cases: identical indices and final p-value`, () => {
    expect(new Set(fixture.kswin.map((c) => c.stream)).size).toBeGreaterThanOrEqual(20);
    let worst = 0;
    for (const c of fixture.kswin) {
      const d = new KSWIN(c.options as KswinOptions);
      const s = streamOf(c.stream);
      const got: number[] = [];
      for (let i = 0; i < s.length; i++) {
        d.update(s[i] as number);
        if (d.driftDetected) got.push(i);
        const want = c.pValues?.[i];
        if (want !== undefined) {
          worst = Math.max(worst, Math.abs(d.pValue - want) / Math.max(Math.abs(want), 1e-300));
          expect(relClose(d.pValue, want, 1e-9, 1e-300)).toBe(true);
        }
      }
      expect({ stream: c.stream, options: c.options, indices: got }).toEqual({
        stream: c.stream,
        options: c.options,
        indices: c.indices,
      });
      expect(relClose(d.pValue, c.finalPValue as number, 1e-9, 1e-300)).toBe(true);
    }
    expect(worst).toBeLessThan(1e-9);
  });

  test('snapshot round trip midway (generator state included) gives identical outputs', () => {
    for (const c of fixture.kswin.filter((_, i) => i % 3 === 0)) {
      const r = midwayRoundTrip(new KSWIN(c.options as KswinOptions), KSWIN.fromJSON, streamOf(c.stream));
      expect(r.restored).toEqual(r.original);
      expect(r.original).toEqual(c.indices);
      expect(r.sameFinalState).toBe(true);
    }
  });

  test('windowData pre-fills the window; reset() restores it, the automatic reset empties it', () => {
    const d = new KSWIN({ seed: 1, windowSize: 10, statSize: 3, windowData: [1, 2, 3] });
    expect(d.window).toEqual([1, 2, 3]);
    const fresh = JSON.stringify(d.toJSON());
    for (let i = 0; i < 50; i++) d.update(i);
    d.reset();
    expect(JSON.stringify(d.toJSON())).toBe(fresh);
  });

  test('parameter validation and input validation throw coded errors', () => {
    const bad: KswinOptions[] = [
      { alpha: -0.1 },
      { alpha: 1.1 },
      { windowSize: -10 },
      { windowSize: 10, statSize: 30 },
      { windowSize: 50, statSize: 30 },
      { statSize: 0 },
      { seed: 0.5 },
      { windowData: [1, NaN] },
    ];
    for (const o of bad) expect(codeOf(() => new KSWIN(o))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(codeOf(() => new KSWIN({ seed: 1 }).update(NaN))).toBe('DRIFTWATCH_INVALID_INPUT');
    const snap = { ...new KSWIN({ seed: 1 }).toJSON(), rng: { mt: [], index: 0 } };
    expect(codeOf(() => KSWIN.fromJSON(snap))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
  });
});
