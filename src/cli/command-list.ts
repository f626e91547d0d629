import type { CliCommand } from './cli-command';
import { validateConfigCommand } from './validate-config-command';
import { runCommand } from './run-command';
import { replayCommand } from './replay-command';
import { baselineCommand } from './baseline-command';
import { retrainWorkerCommand } from './retrain-worker-command';
import { demoCommand } from './demo-command';

/**
 * Every `driftwatch` command, in the order `driftwatch --help` lists them. Adding a command = one
 * import line and one entry here (each command's owner adds its own).
 */
export const commands: readonly CliCommand[] = [
  runCommand,
  replayCommand,
  baselineCommand,
  validateConfigCommand,
  retrainWorkerCommand,
  demoCommand,
];
