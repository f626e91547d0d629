/** Shared loader and helpers for the PageHinkley / KSWIN / CUSUM golden tests (fixture sequential_b). */
import { loadGolden } from '../golden/load-golden';
import type { DriftDetector } from '../../detectors/drift-detector';
import { isDriftwatchError } from '../../detectors/errors';

export interface GoldenCase<O> {
  stream: string;
  options: O;
  indices: number[];
  final?: Record<string, number>;
  finalPValue?: number;
  pValues?: number[];
}

export interface SequentialBFixture {
  streams: Record<string, number[]>;
  riverAsserted: {
    pageHinkley: GoldenCase<Record<string, unknown>>[];
    kswin: GoldenCase<Record<string, unknown>>[];
  };
  pageHinkley: GoldenCase<Record<string, unknown>>[];
  kswin: GoldenCase<Record<string, unknown>>[];
  cusum: GoldenCase<Record<string, unknown>>[];
}

export const fixture = loadGolden<SequentialBFixture>('sequential_b');

export function streamOf(name: string): number[] {
  const s = fixture.streams[name];
  if (s === undefined) throw new Error(`fixture stream ${name} missing`);
  return s;
}

/** Indices at which `d` reports a drift over `stream`, starting at index `from`. */
export function driftIndices(d: DriftDetector, stream: readonly number[], from = 0): number[] {
  const out: number[] = [];
  for (let i = from; i < stream.length; i++) if (d.update(stream[i] as number).driftDetected) out.push(i);
  return out;
}

/**
 * Runs half the stream, snapshots through JSON text, restores with `restore`, runs the rest on both
 * the original and the restored detector, and returns both index lists (they must be equal).
 */
export function midwayRoundTrip<D extends DriftDetector>(
  d: D,
  restore: (json: unknown) => D,
  stream: readonly number[],
): { original: number[]; restored: number[]; sameFinalState: boolean } {
  const half = Math.floor(stream.length / 2);
  const first = driftIndices(d, stream.slice(0, half));
  const copy = restore(JSON.parse(JSON.stringify(d.toJSON())));
  const rest = stream.slice(half);
  const a = driftIndices(d, rest).map((i) => i + half);
  const b = driftIndices(copy, rest).map((i) => i + half);
  return {
    original: [...first, ...a],
    restored: [...first, ...b],
    sameFinalState: JSON.stringify(d.toJSON()) === JSON.stringify(copy.toJSON()),
  };
}

/** The DRIFTWATCH_ code thrown by `f`, 'not-coded' for another error, undefined when nothing is thrown. */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDriftwatchError(e) ? e.code : 'not-coded';
  }
  return undefined;
}
