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

// --- sketches and windows ---
