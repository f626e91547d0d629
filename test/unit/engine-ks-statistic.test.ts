import fc from 'fast-check';
import { ksStatisticSorted } from '../../src/engine/detection-tests';

/**
 * The definition, evaluated at every value of either sample (scipy's ks_2samp: both ECDFs counted
 * after all copies of a value), with the difference formed in the same order as the engine's.
 */
function ksByDefinition(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (const x of [...a, ...b]) {
    const i = a.filter((v) => v <= x).length;
    const j = b.filter((v) => v <= x).length;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

const sorted = (xs: number[]): Float64Array => Float64Array.from(xs).sort();

describe('engine KS statistic (window vs reference)', () => {
  // Few distinct values (counts such as missing_values: long runs of ties) and continuous ones;
  // sizes from equal to far apart (a window against a 5,000-value reference), in either order.
  const values = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true }));
  const sample = (minLength: number, maxLength: number) => fc.array(values, { minLength, maxLength, size: 'max' });

  it('equals the definition to the last bit, whichever sample is larger', () => {
    fc.assert(
      fc.property(sample(1, 30), sample(240, 900), fc.boolean(), (small, large, swap) => {
        const [a, b] = swap ? [sorted(large), sorted(small)] : [sorted(small), sorted(large)];
        expect(ksStatisticSorted(a, b)).toBe(ksByDefinition(a, b));
      }),
      { numRuns: 150 },
    );
  });

  it('samples of similar size (the merge walk)', () => {
    fc.assert(
      fc.property(sample(1, 200), sample(1, 200), (x, y) => {
        const [a, b] = [sorted(x), sorted(y)];
        expect(ksStatisticSorted(a, b)).toBe(ksByDefinition(a, b));
      }),
      { numRuns: 200 },
    );
  });

  it('known values: identical samples 0, disjoint samples 1, an empty sample 0', () => {
    const ref = sorted(Array.from({ length: 5_000 }, (_, k) => k % 97));
    expect(ksStatisticSorted(ref, sorted([3, 50, 96]))).toBe(ksByDefinition(ref, sorted([3, 50, 96])));
    expect(ksStatisticSorted(ref, ref)).toBe(0);
    expect(ksStatisticSorted(ref, sorted([1_000, 2_000]))).toBe(1);
    expect(ksStatisticSorted(sorted([-5]), ref)).toBe(1);
    expect(ksStatisticSorted(new Float64Array(0), ref)).toBe(0);
  });
});
