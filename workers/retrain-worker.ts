/**
 * The retraining worker (DESIGN.md §2.3): a BullMQ worker on `config.retrain.queue` that runs
 * `config.retrain.command` and/or POSTs to `config.retrain.webhook` for every job. A failed run
 * (non-zero exit, non-2xx answer) throws, so BullMQ retries it `retrain.attempts` times with
 * exponential backoff from `retrain.backoffMs` (the options are set on the job by the producer,
 * src/retrain/retrain-job.ts).
 *
 * Run it as `driftwatch retrain-worker --config driftwatch.yaml` or
 * `node dist/workers/retrain-worker.js --config driftwatch.yaml`; SIGTERM/SIGINT close it
 * gracefully (the running job finishes, up to `shutdownTimeoutMs`; then it is aborted, which fails
 * that attempt, and BullMQ retries it later).
 */
import { parseArgs } from 'node:util';
import { Job, Worker } from 'bullmq';
import { DriftwatchError } from '../detectors/errors';
import type { DriftwatchConfig } from '../src/config/config-types';
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/logging';
import { redisConnectionOptions } from '../src/retrain/redis-connection-options';
import { redisConnectionError, redisErrorFields } from '../src/retrain/redis-errors';
import { callRetrainWebhook, redactUrl, runRetrainCommand } from '../src/retrain/retrain-actions';
import type { RetrainJobData } from '../src/retrain/retrain-job';
import type { RetrainLogger } from '../src/retrain/retrain-queue';

/** Options of {@link startRetrainWorker}; every field is optional. */
export interface RetrainWorkerOptions {
  logger?: RetrainLogger;
  /** Jobs run at the same time. Default 1: retraining is heavy; scale with more workers. */
  concurrency?: number;
  /** Per-request timeout of the webhook. Default 30,000 ms. */
  webhookTimeoutMs?: number;
}

/** A running retraining worker. */
export interface RetrainWorkerHandle {
  readonly worker: Worker<RetrainJobData, string>;
  /** Resolves once the worker is connected and waiting for jobs. */
  ready(): Promise<void>;
  /**
   * Stops taking jobs, lets the running one finish for up to `timeoutMs` (default
   * `config.shutdownTimeoutMs`), then aborts it and closes the connections.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** Starts a worker on the configured queue. Needs `redis.url` and `retrain.command` or `retrain.webhook`. */
export function startRetrainWorker(config: Readonly<DriftwatchConfig>, options: RetrainWorkerOptions = {}): RetrainWorkerHandle {
  if (config.redis.url === undefined) {
    throw new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_MISSING', 'the retrain worker needs redis.url (or DRIFTWATCH_REDIS_URL)');
  }
  const { command, webhook } = config.retrain;
  if (command === undefined && webhook === undefined) {
    throw new DriftwatchError('DRIFTWATCH_RETRAIN_NOT_CONFIGURED', 'the retrain worker needs retrain.command or retrain.webhook (or both) to have something to run');
  }
  const logger = options.logger ?? createLogger(config, 'retrain-worker');
  const webhookTimeoutMs = options.webhookTimeoutMs ?? 30_000;
  // Aborted when a shutdown runs out of time, so a long command does not outlive the worker.
  const abort = new AbortController();

  const processJob = async (job: Job<RetrainJobData, string>): Promise<string> => {
    const context = { jobId: String(job.id), attempt: job.attemptsMade + 1 };
    const fields = { job_id: context.jobId, model_id: job.data.model_id, model_version: job.data.model_version, attempt: context.attempt };
    logger.info(fields, 'retrain job started');
    const results: string[] = [];
    // Both configured: the command runs first, then the webhook (e.g. to notify); either failing fails the job.
    if (command !== undefined) results.push(await runRetrainCommand(command, job.data, context, abort.signal));
    if (webhook !== undefined) results.push(await callRetrainWebhook(webhook, job.data, context, webhookTimeoutMs, abort.signal));
    logger.info(fields, 'retrain job done');
    return results.join('\n');
  };

  const worker = new Worker<RetrainJobData, string>(config.retrain.queue, processJob, {
    connection: redisConnectionOptions(config.redis, 'worker'),
    concurrency: options.concurrency ?? 1,
    autorun: true,
  });
  worker.on('failed', (job, error) => {
    const attempts = job?.opts.attempts ?? 1;
    const made = job?.attemptsMade ?? 0;
    logger.warn(
      { job_id: job?.id, model_id: job?.data.model_id, attempt: made, attempts, err: { message: error.message, code: (error as Partial<DriftwatchError>).code } },
      made >= attempts ? 'retrain job failed for good' : 'retrain job failed: BullMQ will retry it',
    );
  });
  // ioredis reports every failed reconnect: log the first error of an outage only, coded and
  // without the ioredis error object (a failed AUTH carries the password in its command args).
  let connectionFailing = false;
  worker.on('error', (error) => {
    if (connectionFailing) return;
    connectionFailing = true;
    logger.warn({ ...redisErrorFields(redisConnectionError(error, 'retrain worker')), queue: config.retrain.queue }, 'retrain worker: Redis connection failed; retrying in the background');
  });
  const restored = (): void => {
    if (connectionFailing) logger.info({ queue: config.retrain.queue }, 'retrain worker: Redis connection restored');
    connectionFailing = false;
  };
  // The worker emits 'ready' once; its (non-blocking) connection tells every reconnect.
  worker.getBackend().client.then((client) => client.on('ready', restored), () => undefined);
  logger.info({ queue: config.retrain.queue, command: command !== undefined, webhook: webhook === undefined ? undefined : redactUrl(webhook) }, 'retrain worker started');

  let closing: Promise<void> | undefined;
  return {
    worker,
    ready: async () => {
      await worker.waitUntilReady();
    },
    close: (closeOptions = {}) => {
      closing ??= (async () => {
        const timeoutMs = closeOptions.timeoutMs ?? config.shutdownTimeoutMs;
        const graceful = worker.close().then(() => true, () => true);
        if (!(await within(graceful, timeoutMs))) {
          logger.warn({ timeout_ms: timeoutMs }, 'retrain worker: running job did not finish in time: aborting it');
          // The aborted run fails this attempt; BullMQ retries the job (another worker, or this one after a restart).
          abort.abort();
          // Redis may be the reason close is stuck: drop the connections rather than wait for QUIT.
          if (!(await within(graceful, 5_000))) await worker.disconnect().catch(() => undefined);
        }
      })();
      return closing;
    },
  };
}

/** True when `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = await Promise.race([promise.then(() => true), timedOut]);
  clearTimeout(timer);
  return settled;
}

export const RETRAIN_WORKER_USAGE = `Usage: driftwatch retrain-worker [--config <file>]
       node dist/workers/retrain-worker.js [--config <file>]

Consumes the BullMQ retraining queue (retrain.queue on redis.url) and, for every job (one per drift
incident), runs retrain.command with the job JSON on stdin and DRIFTWATCH_JOB_ID /
DRIFTWATCH_MODEL_ID / DRIFTWATCH_MODEL_VERSION / DRIFTWATCH_ATTEMPT in its environment, and/or POSTs
the job JSON to retrain.webhook. A non-zero exit or a non-2xx answer fails the attempt; BullMQ
retries it retrain.attempts times with exponential backoff from retrain.backoffMs. SIGTERM / SIGINT
stop it gracefully (the running job may finish within shutdownTimeoutMs).

Options:
  --config <file>   YAML or JSON config file (defaults < file < DRIFTWATCH_* env vars)
  --help            this text`;

/**
 * The command line of the worker (shared by `driftwatch retrain-worker` and running this file with
 * node): loads the config, starts the worker and resolves with the exit code once a SIGTERM/SIGINT
 * has closed it.
 */
export async function runRetrainWorkerCli(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  if (values.help === true) {
    process.stdout.write(RETRAIN_WORKER_USAGE + '\n');
    return 0;
  }
  const config = loadConfig(values.config === undefined ? {} : { file: values.config });
  const handle = startRetrainWorker(config);
  await handle.ready();
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      createLogger(config, 'retrain-worker').info({ signal }, 'retrain worker stopping');
      handle.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

if (require.main === module) {
  runRetrainWorkerCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const e = error as { code?: string; message?: string };
      process.stderr.write(`driftwatch retrain-worker: ${e.code === undefined ? '' : `${e.code}: `}${e.message ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
