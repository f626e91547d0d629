/**
 * The row every benchmark module returns to run-bench.ts: one measured operation, ours beside a
 * baseline measured in the same run (River, scipy, …), with an optional target to show.
 */
export interface BenchRow {
  /** Group heading, e.g. "sequential detectors". */
  readonly group: string;
  /** What was measured, e.g. "ADWIN update". */
  readonly name: string;
  /** Unit of `ours` / `baseline`, e.g. "updates/s" (higher is better). */
  readonly unit: string;
  /** Our throughput. */
  readonly ours: number;
  /** The baseline's throughput in the same run; null when the baseline is not available. */
  readonly baseline: number | null;
  /** Name of the baseline, e.g. "River 0.26.1". */
  readonly baselineLabel: string;
  /** The target to show, e.g. "≥ 10× River" or "≥ 20 M/s"; undefined when there is none. */
  readonly target?: string;
  /** Whether the target is met (undefined when there is no target or it cannot be judged). */
  readonly targetMet?: boolean;
  /** Free-form note (sample sizes, caveats). */
  readonly note?: string;
}
