import { loadGolden } from '../golden/load-golden';
import { PythonRandom } from '../../detectors/python-random';
import { isDriftwatchError } from '../../detectors/errors';

interface Case {
  seed: number;
  bits32: number[];
  bits: number[];
  floats: number[];
  samples: { n: number; k: number; draw: number[] }[];
  below: number[];
}

const golden = loadGolden<{ cases: Case[] }>('python_random');

describe('PythonRandom reproduces CPython 3.11 random.Random bit for bit', () => {
  test.each(golden.cases.map((c) => [c.seed, c] as const))('seed %p', (_seed, c) => {
    const r = new PythonRandom(c.seed);
    expect(c.bits32.map(() => r.getrandbits(32))).toEqual(c.bits32);
    expect([1, 7, 13, 31].map((k) => r.getrandbits(k))).toEqual(c.bits);
    expect(c.floats.map(() => r.random())).toEqual(c.floats);
    for (const s of c.samples) expect(r.sample(s.n, s.k)).toEqual(s.draw);
    expect([1, 2, 3, 1000, 2 ** 31 + 5].map((n) => r.randbelow(n))).toEqual(c.below);
  });

  test('state round trip continues the same sequence', () => {
    const a = new PythonRandom(42);
    a.sample(1000, 30);
    const b = PythonRandom.fromState(JSON.parse(JSON.stringify(a.getState())));
    expect(b.sample(70, 30)).toEqual(a.sample(70, 30));
    expect(b.random()).toBe(a.random());
  });

  test('invalid seeds, sizes and states throw coded errors', () => {
    const codeOf = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return isDriftwatchError(e) ? e.code : 'not-coded';
      }
      return undefined;
    };
    expect(codeOf(() => new PythonRandom(1.5))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(codeOf(() => new PythonRandom(2 ** 60))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(codeOf(() => new PythonRandom(1).sample(3, 4))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(codeOf(() => new PythonRandom(1).getrandbits(33))).toBe('DRIFTWATCH_INVALID_PARAMETER');
    expect(codeOf(() => PythonRandom.fromState({ mt: [1, 2], index: 0 }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
  });
});
