/**
 * driftwatch's statistics library: `require('driftwatch/detectors')`.
 * Pure TypeScript, no I/O: two-sample tests, distances, sequential drift detectors and sketches.
 */
export { DriftwatchError, isDriftwatchError } from './errors';

// --- two-sample tests ---
export { ksTest, type KsAlternative, type KsMethod, type KsTestOptions, type KsTestResult } from './ks-test';
export { kstwoSf, kstwoCdf } from './kolmogorov-distribution';
export { chiSquareTest, type ChiSquareTestOptions, type ChiSquareTestResult } from './chi-square-test';
export { chiSquareGoodnessOfFit, type ChiSquareGoodnessOfFitOptions, type ChiSquareGoodnessOfFitResult } from './chi-square-goodness-of-fit';
export { welchTTest, type WelchTTestOptions, type WelchTTestResult } from './welch-t-test';
export { twoProportionZTest, type TwoProportionZTestOptions, type TwoProportionZTestResult } from './two-proportion-z-test';
export { fisherExactTest, type FisherExactTestOptions, type FisherExactTestResult } from './fisher-exact-test';
export { cramerVonMises, type CramerVonMisesMethod, type CramerVonMisesOptions, type CramerVonMisesResult } from './cramer-von-mises';
export { andersonDarling, type AndersonDarlingResult } from './anderson-darling';
export { POWER_DIVERGENCE_LAMBDAS, type PowerDivergenceLambda } from './power-divergence';
export type { Alternative, NumericSample } from './test-inputs';
export * as specialFunctions from './special-functions';

// --- distances ---
export { psi, type PsiOptions } from './psi';
export { jensenShannon, type JensenShannonOptions } from './jensen-shannon';
export { hellinger, type HellingerOptions } from './hellinger';
export { wasserstein } from './wasserstein';
export { binSamples, quantileEdges, sturgesEdges, DEFAULT_QUANTILE_BINS, type Binning, type BinnedPair } from './binning';

// --- sequential detectors ---
export type { DriftDetector, DetectorSnapshotHeader } from './drift-detector';
export { ADWIN, type ADWINOptions, type ADWINSnapshot } from './adwin';
export { DDM, type DDMOptions, type DDMSnapshot } from './ddm';
export { EDDM, type EDDMOptions, type EDDMSnapshot } from './eddm';
export { HDDM_A, type HDDMAOptions, type HDDMASnapshot } from './hddm-a';
export { HDDM_W, type HDDMWOptions, type HDDMWSnapshot, type HDDMWSample } from './hddm-w';
export { PageHinkley, type PageHinkleyOptions, type PageHinkleyMode, type PageHinkleySnapshot } from './page-hinkley';
export { CUSUM, type CusumOptions, type CusumMode, type CusumResolvedOptions, type CusumSnapshot } from './cusum';
export { KSWIN, type KswinOptions, type KswinResolvedOptions, type KswinSnapshot } from './kswin';
export { PythonRandom, type PythonRandomState } from './python-random';

// --- sketches and windows ---
export { KllSketch, type KllSketchOptions, type KllSketchSnapshot } from './kll-sketch';
export { RunningMoments, type RunningMomentsSnapshot } from './running-moments';
export { FixedHistogram, type FixedHistogramSnapshot } from './fixed-histogram';
export { FrequencyTable, OTHER_CATEGORY, type FrequencyTableOptions, type FrequencyTableSnapshot } from './frequency-table';
export { RingBuffer, type RingBufferSnapshot } from './ring-buffer';
export { ksFromSketches, psiFromSketches, jensenShannonFromSketches, sketchQuantileBins, psiFromHistograms, jensenShannonFromHistograms, alignFrequencyTables, jensenShannonFromTables, type SketchKsResult, type SketchBinningOptions } from './sketch-distances';
