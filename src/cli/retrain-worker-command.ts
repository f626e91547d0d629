/**
 * `driftwatch retrain-worker --config <file>`: the BullMQ retraining worker in the foreground
 * (workers/retrain-worker.ts), until SIGTERM/SIGINT.
 */
import { RETRAIN_WORKER_USAGE, runRetrainWorkerCli } from '../../workers/retrain-worker';
import type { CliCommand } from './cli-command';

export const retrainWorkerCommand: CliCommand = {
  name: 'retrain-worker',
  summary: 'consume the retraining queue: run retrain.command / POST retrain.webhook per drift incident',
  usage: RETRAIN_WORKER_USAGE,
  run: (argv) => runRetrainWorkerCli(argv),
};
