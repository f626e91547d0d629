/**
 * Issue 4 acceptance, in-process: stationary traffic of ≥ 200,000 events over several models,
 * versions and slices gives zero alerts with the default configuration — while thousands of
 * tests really ran (the zero is not vacuous).
 */
import { engineConfig, runSim } from './engine-fixture';

describe('engine: stationary traffic', () => {
  it('gives zero alerts over 220,000 events (3 models, 4 versions, 6 segment values, 4 features)', () => {
    const run = runSim({ seed: 4242 }, 220_000, engineConfig());
    const stats = run.pipeline.stats();
    // Throughput of decode + engine + the simulator itself on this machine (not asserted: no wall-clock thresholds).
    console.log(
      `stationary: ${run.records} records in ${run.elapsedMs.toFixed(0)} ms (${Math.round((run.records / run.elapsedMs) * 1000)} records/s incl. simulation), ` +
        `${stats.windowsClosed} windows, ${stats.testsRun} tests, ${stats.series} series`,
    );
    expect(run.totals.consumed).toBe(220_000);
    expect(run.totals.rejected).toBe(0);
    expect(run.totals.late).toBe(0);
    expect(run.totals.orphans).toBe(0);
    expect(stats.windowsClosed).toBeGreaterThan(60);
    expect(stats.testsRun).toBeGreaterThan(3000);
    expect(run.alerts.map((a) => a.message)).toEqual([]);
  });
});
