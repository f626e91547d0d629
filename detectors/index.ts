/**
 * driftwatch's statistics library: `require('driftwatch/detectors')`.
 * Pure TypeScript, no I/O: two-sample tests, distances, sequential drift detectors and sketches.
 */
export { DriftwatchError, isDriftwatchError } from './errors';

// --- two-sample tests ---

// --- distances ---

// --- sequential detectors ---
export type { DriftDetector, DetectorSnapshotHeader } from './drift-detector';
export { ADWIN, type ADWINOptions, type ADWINSnapshot } from './adwin';
export { PageHinkley, type PageHinkleyOptions, type PageHinkleyMode, type PageHinkleySnapshot } from './page-hinkley';
export { CUSUM, type CusumOptions, type CusumMode, type CusumResolvedOptions, type CusumSnapshot } from './cusum';
export { KSWIN, type KswinOptions, type KswinResolvedOptions, type KswinSnapshot } from './kswin';
export { PythonRandom, type PythonRandomState } from './python-random';

// --- sketches and windows ---
