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
import { Job, Worker } from 'bullmq';
import pino from 'pino';
import { DriftwatchError } from '../detectors/errors';
import type { DriftwatchConfig } from '../src/config/config-types';
import { redisConnectionOptions } from '../src/retrain/redis-connection-options';
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
  const url = config.redis.url;
  if (url === undefined) {
    throw new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_MISSING', 'the retrain worker needs redis.url (or DRIFTWATCH_REDIS_URL)');
  }
  const { command, webhook } = config.retrain;
  if (command === undefined && webhook === undefined) {
    throw new DriftwatchError('DRIFTWATCH_RETRAIN_NOT_CONFIGURED', 'the retrain worker needs retrain.command or retrain.webhook (or both) to have something to run');
  }
  const logger = options.logger ?? pino({ level: config.log.level, base: { component: 'retrain-worker' } });
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
    connection: redisConnectionOptions(url, 'worker'),
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
  worker.on('error', (error) => logger.warn({ err: { message: error.message } }, 'retrain worker: Redis connection error'));
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
