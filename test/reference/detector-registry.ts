/**
 * The sequential detectors the quality harness and the benchmarks run, each with the matching River
 * 0.26.1 class and arguments. Looked up by name in detectors/index.ts so a detector that is not
 * exported yet is simply absent; adding a detector = one row in ROWS.
 */
import * as lib from '../../detectors/index';
import type { DriftDetector } from '../../detectors/drift-detector';

/** One detector: how to build ours and which River class (dotted path under `river.`) matches it. */
export interface DetectorEntry {
  readonly name: string;
  readonly make: () => DriftDetector;
  /** `null` when River has no counterpart (CUSUM). */
  readonly river: { readonly cls: string; readonly kwargs: Readonly<Record<string, unknown>> } | null;
}

interface Row {
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly river: DetectorEntry['river'];
}

const ROWS: readonly Row[] = [
  { name: 'ADWIN', options: {}, river: { cls: 'drift.ADWIN', kwargs: {} } },
  { name: 'DDM', options: {}, river: { cls: 'drift.binary.DDM', kwargs: {} } },
  { name: 'EDDM', options: {}, river: { cls: 'drift.binary.EDDM', kwargs: {} } },
  { name: 'HDDM_A', options: {}, river: { cls: 'drift.binary.HDDMA', kwargs: {} } },
  { name: 'HDDM_W', options: {}, river: { cls: 'drift.binary.HDDMW', kwargs: {} } },
  { name: 'PageHinkley', options: {}, river: { cls: 'drift.PageHinkley', kwargs: {} } },
  { name: 'CUSUM', options: {}, river: null },
  { name: 'KSWIN', options: { seed: 42 }, river: { cls: 'drift.KSWIN', kwargs: { seed: 42 } } },
];

type DetectorClass = new (options?: Record<string, unknown>) => DriftDetector;

/** The detectors of ROWS that detectors/index.ts exports, with River defaults (KSWIN seeded with 42). */
export function sequentialDetectors(): DetectorEntry[] {
  const exported = lib as unknown as Record<string, unknown>;
  const out: DetectorEntry[] = [];
  for (const row of ROWS) {
    const C = exported[row.name];
    if (typeof C !== 'function') continue;
    const Ctor = C as DetectorClass;
    out.push({ name: row.name, make: () => new Ctor({ ...row.options }), river: row.river });
  }
  return out;
}
