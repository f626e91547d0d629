/**
 * Contract tests that every sequential detector exported from detectors/index.ts must pass
 * (the DriftDetector interface in detectors/drift-detector.ts). Adding a detector = one row in ROWS;
 * a guard test fails when an exported detector class has no row.
 */
import * as lib from '../../detectors/index';
import type { DriftDetector } from '../../detectors/drift-detector';
import { isDriftwatchError } from '../../detectors/errors';

interface DetectorClass {
  new (options?: Record<string, unknown>): DriftDetector;
  fromJSON(json: unknown): DriftDetector;
}

interface Row {
  /** Export name in detectors/index.ts. */
  readonly name: string;
  /** Options that make the detector deterministic (KSWIN's seed); defaults otherwise. */
  readonly options?: Record<string, unknown>;
  /** Option sets that must throw DRIFTWATCH_INVALID_PARAMETER. */
  readonly bad: readonly Record<string, unknown>[];
  /** The detector monitors a 0/1 error stream (fed 0/1 values only). */
  readonly binary?: boolean;
}

// One line per detector.
const ROWS: readonly Row[] = [
  { name: 'ADWIN', bad: [{ delta: 0 }, { delta: 1.5 }, { clock: 0 }, { maxBuckets: 0.5 }] },
  { name: 'DDM', binary: true, bad: [{ warmStart: -1 }, { driftThreshold: Number.NaN }] },
  { name: 'EDDM', binary: true, bad: [{ warmStart: -1 }, { alpha: Number.NaN }] },
  { name: 'HDDM_A', binary: true, bad: [{ driftConfidence: -1 }, { driftConfidence: 2 }] },
  { name: 'HDDM_W', binary: true, bad: [{ driftConfidence: -1 }, { driftConfidence: 2 }] },
  { name: 'PageHinkley', bad: [{ threshold: 0 }, { alpha: 2 }, { mode: 'sideways' }, { minInstances: 0 }] },
  { name: 'CUSUM', bad: [{ h: 0 }, { k: -1 }, { warmUp: 1 }, { target: 1 }] },
  { name: 'KSWIN', options: { seed: 1 }, bad: [{ alpha: 1.1 }, { windowSize: 10, statSize: 30 }, { seed: 0.5 }] },
];

const exportsRecord = lib as unknown as Record<string, unknown>;
const classOf = (name: string): DetectorClass | undefined => {
  const c = exportsRecord[name];
  return typeof c === 'function' ? (c as DetectorClass) : undefined;
};

/**
 * Exported classes that look like sequential detectors: a static fromJSON, a prototype update, and
 * instances with a boolean driftDetected (window summaries and sketches have the first two only).
 */
function exportedDetectorNames(): string[] {
  return Object.entries(exportsRecord)
    .filter(([, v]) => typeof v === 'function')
    .filter(([, v]) => {
      const f = v as { fromJSON?: unknown; prototype?: { update?: unknown } };
      if (typeof f.fromJSON !== 'function' || typeof f.prototype?.update !== 'function') return false;
      if ('driftDetected' in f.prototype) return true; // a getter, as the interface suggests
      try {
        return typeof (new (v as DetectorClass)() as { driftDetected?: unknown }).driftDetected === 'boolean';
      } catch {
        return false; // needs constructor arguments: not a detector (detectors have defaults for everything)
      }
    })
    .map(([k]) => k)
    .sort();
}

const present = ROWS.filter((r) => classOf(r.name) !== undefined);

/** xorshift32: a tiny seeded generator so the streams are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function streams(binary: boolean): Record<string, number[]> {
  const r = rng(12345);
  const n = 3000;
  const gen = (f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));
  if (binary) {
    return {
      random: gen((i) => (r() < (i < n / 2 ? 0.2 : 0.7) ? 1 : 0)),
      zeros: gen(() => 0),
      ones: gen(() => 1),
      alternating: gen((i) => i % 2),
    };
  }
  return {
    random: gen((i) => r() + (i < n / 2 ? 0 : 2)),
    constant: gen(() => 7),
    zeros: gen(() => 0),
    extreme: gen((i) => (i % 3 === 0 ? 1e12 : i % 3 === 1 ? -1e12 : 1e-300)),
    stepToHuge: gen((i) => (i < n / 2 ? r() : 1e12 * (1 + r()))),
  };
}

function hasNaN(value: unknown): boolean {
  if (typeof value === 'number') return Number.isNaN(value);
  if (value === 'NaN') return true;
  if (Array.isArray(value)) return value.some(hasNaN);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasNaN);
  return false;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDriftwatchError(e) ? e.code : 'not-coded';
  }
  return undefined;
}

describe('sequential detector conformance', () => {
  test('every exported sequential detector has a row in the table', () => {
    expect(exportedDetectorNames().filter((n) => !ROWS.some((r) => r.name === n))).toEqual([]);
    expect(present.length).toBeGreaterThan(0);
  });

  describe.each(present.map((r) => [r.name, r] as const))('%s', (name, row) => {
    const C = classOf(name) as DetectorClass;
    const make = (): DriftDetector => new C(row.options);

    test('default construction: flags false, snapshot tagged with type and version', () => {
      const d = new C();
      expect(d.driftDetected).toBe(false);
      expect(d.warningDetected).toBe(false);
      const s = d.toJSON() as { type?: unknown; version?: unknown };
      expect(s.type).toBe(name);
      expect(typeof s.version).toBe('number');
    });

    test('bad parameters throw DRIFTWATCH_INVALID_PARAMETER; bad inputs DRIFTWATCH_INVALID_INPUT', () => {
      for (const o of row.bad) expect({ options: o, code: codeOf(() => new C(o)) }).toEqual({ options: o, code: 'DRIFTWATCH_INVALID_PARAMETER' });
      expect(codeOf(() => make().update(Number.NaN))).toBe('DRIFTWATCH_INVALID_INPUT');
      expect(codeOf(() => C.fromJSON({ type: 'NotADetector', version: 1 }))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
      expect(codeOf(() => C.fromJSON(null))).toBe('DRIFTWATCH_INVALID_SNAPSHOT');
    });

    test.each(Object.entries(streams(row.binary === true)))(
      'stream %s: snapshot round trip midway, no NaN, reset() equals a fresh instance',
      (_s, xs) => {
        const d = make();
        const half = xs.length / 2;
        for (let i = 0; i < half; i++) d.update(xs[i] as number);
        const copy = C.fromJSON(JSON.parse(JSON.stringify(d.toJSON())));
        expect(JSON.stringify(copy.toJSON())).toBe(JSON.stringify(d.toJSON()));
        const flagsA: string[] = [];
        const flagsB: string[] = [];
        for (let i = half; i < xs.length; i++) {
          const x = xs[i] as number;
          d.update(x);
          copy.update(x);
          expect(typeof d.driftDetected).toBe('boolean');
          if (d.driftDetected || d.warningDetected) flagsA.push(`${i}:${d.driftDetected}:${d.warningDetected}`);
          if (copy.driftDetected || copy.warningDetected) flagsB.push(`${i}:${copy.driftDetected}:${copy.warningDetected}`);
          if (i % 97 === 0) expect(hasNaN(d.toJSON())).toBe(false);
        }
        expect(flagsB).toEqual(flagsA);
        expect(hasNaN(d.toJSON())).toBe(false);
        expect(JSON.stringify(copy.toJSON())).toBe(JSON.stringify(d.toJSON()));
        d.reset();
        expect(JSON.stringify(d.toJSON())).toBe(JSON.stringify(make().toJSON()));
      },
    );
  });
});
