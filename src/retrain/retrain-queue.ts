import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DriftwatchError } from '../../detectors/errors';
import type { RetrainTrigger } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import { createLogger } from '../logging';
import { redisConnectionOptions } from './redis-connection-options';
import { redisConnectionError, redisErrorFields, redisFailure } from './redis-errors';
import { bullJobId, retrainJobOptions, RETRAIN_JOB_NAME } from './retrain-job';

/** What happened to one trigger. */
export type RetrainOutcome =
  /** A new BullMQ job was added. */
  | 'enqueued'
  /** A job with this incident id already exists (a repeated alert, a redelivery, another instance). */
  | 'duplicate'
  /** Another incident of the same model got a job less than `retrain.minIntervalMs` before this one. */
  | 'rate_limited';

/** Hooks the service wiring maps to its metrics (src/ops/metrics.ts); all optional. */
export interface RetrainQueueObserver {
  /** Called once per successful delivery with its outcome. */
  outcome?(outcome: RetrainOutcome, trigger: RetrainTrigger): void;
  /** Called when the Redis connection goes down (false) or is ready again (true). */
  connected?(up: boolean): void;
}

/** The subset of a pino logger the queue uses. */
export interface RetrainLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of {@link RetrainQueue}; every field is optional. */
export interface RetrainQueueOptions {
  logger?: RetrainLogger;
  observer?: RetrainQueueObserver;
}

/** Counters since start, for tests, `/metrics` and shutdown logs. */
export interface RetrainQueueStats {
  enqueued: number;
  duplicate: number;
  rateLimited: number;
  /** Failed deliveries (Redis unreachable, refusing the credentials, or erroring). */
  deliveryErrors: number;
  /** The Redis connection is ready now. */
  connected: boolean;
}

// Atomically, in one round trip (several relays and instances agree because Redis runs it alone):
// - a job with this id exists → duplicate;
// - this trigger was rate limited before (it is being delivered again: a relay crash before its
//   offset commit, a replayed outbox) → rate limited again, so a redelivery gets the SAME outcome
//   even after the model's slot has expired (else it would become a job the first delivery denied);
// - else take the per-model interval slot unless another incident holds it. The slot's value is
//   the job id that took it, so redelivering the same trigger after a failure between this script
//   and the add proceeds instead of rate-limiting itself.
// KEYS: job key, model slot key, rate-limited hash. ARGV: job id, interval ms, model id.
const CLAIM_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'duplicate' end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 'rate_limited' end
local interval = tonumber(ARGV[2])
if interval <= 0 then return 'claimed' end
local holder = redis.call('GET', KEYS[2])
if holder == ARGV[1] then return 'claimed' end
if holder then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  return 'rate_limited'
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', interval)
return 'claimed'
`;
const CLAIM_COMMAND = 'driftwatchRetrainClaim';

/** Redis key of the per-model interval slot (outside BullMQ's `bull:<queue>:*` keys). */
export function modelIntervalKey(queueName: string, modelId: string): string {
  return `driftwatch:retrain-interval:${queueName}:${modelId}`;
}

/**
 * Redis hash of the triggers that were rate limited (field = job id, value = model id): the
 * record that makes a redelivery rate limited again. One small field per rate-limited incident,
 * kept like BullMQ keeps completed jobs; delete the hash to forget them.
 */
export function rateLimitedKey(queueName: string): string {
  return `driftwatch:retrain-rate-limited:${queueName}`;
}

/**
 * The producer side of the retraining queue (DESIGN.md §2.3): one BullMQ job per drift incident
 * on `config.retrain.queue`, job id = incident id, at most one job per model per
 * `config.retrain.minIntervalMs`.
 *
 * It holds no buffer: the durable buffer is the Kafka outbox topic, and
 * src/retrain/retrain-outbox-relay.ts calls {@link deliver} for each committed trigger, retrying
 * while it rejects. While Redis is not connected, deliver() rejects AT ONCE with a coded error
 * (`DRIFTWATCH_RETRAIN_REDIS_UNREACHABLE`, `…_AUTH_FAILED` or `…_TLS_FAILED`): nothing waits in
 * memory. Connection loss and recovery are logged once each (not per reconnect attempt).
 */
export class RetrainQueue {
  readonly queueName: string;
  private readonly config: Readonly<DriftwatchConfig>;
  private readonly client: Redis;
  private queue: Queue;
  private readonly logger: RetrainLogger;
  private readonly observer: RetrainQueueObserver;
  private readonly counts = { enqueued: 0, duplicate: 0, rateLimited: 0, deliveryErrors: 0 };
  private closing = false;
  /** The connection is (believed) down since this time; undefined while connected. */
  private downSince: number | undefined;
  private lastError: unknown;
  private scriptDefined = false;

  constructor(config: Readonly<DriftwatchConfig>, options: RetrainQueueOptions = {}) {
    if (config.redis.url === undefined) {
      throw new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_MISSING', 'retraining triggers need redis.url (or DRIFTWATCH_REDIS_URL); without it the service runs with retraining off');
    }
    this.config = config;
    this.queueName = config.retrain.queue;
    this.logger = options.logger ?? createLogger(config, 'retrain-queue');
    this.observer = options.observer ?? {};
    // Our own client, handed to BullMQ: deliver() needs its status to fail fast while Redis is
    // down, and close() must be able to end it whatever state it is in.
    this.client = new Redis(redisConnectionOptions(config.redis, 'producer'));
    this.downSince = Date.now();
    this.client.on('error', (error: unknown) => this.connectionError(error));
    this.client.on('ready', () => this.connectionReady());
    this.client.on('close', () => {
      if (this.downSince === undefined && !this.closing) {
        this.downSince = Date.now();
        this.observer.connected?.(false);
      }
    });
    this.queue = this.newQueue();
  }

  /**
   * Delivers one trigger now: the atomic dedupe + per-model interval check, then the BullMQ add.
   * Idempotent (job id = incident id; a rate-limited trigger stays rate limited), so it is safe to
   * call again after a failure, a crash or a redelivery.
   *
   * @throws DriftwatchError (retryable) `DRIFTWATCH_RETRAIN_REDIS_UNREACHABLE`,
   * `DRIFTWATCH_RETRAIN_REDIS_AUTH_FAILED` or `DRIFTWATCH_RETRAIN_REDIS_TLS_FAILED` when Redis is
   * not connected or the commands fail; `DRIFTWATCH_RETRAIN_QUEUE_CLOSED` after close().
   */
  async deliver(trigger: RetrainTrigger): Promise<RetrainOutcome> {
    if (this.closing) throw new DriftwatchError('DRIFTWATCH_RETRAIN_QUEUE_CLOSED', 'the retrain queue is closed');
    if (this.client.status !== 'ready') {
      this.counts.deliveryErrors++;
      throw redisConnectionError(this.lastError ?? new Error(`not connected (${this.client.status})`), 'retrain queue');
    }
    let outcome: RetrainOutcome;
    try {
      outcome = await this.claimAndAdd(trigger);
    } catch (error) {
      this.counts.deliveryErrors++;
      throw error instanceof DriftwatchError ? error : redisConnectionError(error, 'retrain queue');
    }
    this.record(outcome, trigger);
    return outcome;
  }

  /**
   * Resolves once the connection is ready; rejects after `timeoutMs` (default 10,000) with the
   * coded error of the last failure (wrong password, untrusted certificate, unreachable).
   */
  async connected(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.client.status !== 'ready') {
      if (this.closing) throw new DriftwatchError('DRIFTWATCH_RETRAIN_QUEUE_CLOSED', 'the retrain queue is closed');
      if (Date.now() > deadline) throw redisConnectionError(this.lastError ?? new Error(`not connected within ${timeoutMs} ms`), 'retrain queue');
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.queue.waitUntilReady();
  }

  stats(): RetrainQueueStats {
    return { ...this.counts, connected: this.client.status === 'ready' };
  }

  /**
   * Closes the BullMQ queue and the connection, within `timeoutMs` (default 5,000) even when Redis
   * does not answer. A delivery in flight is rejected; its trigger is still in the outbox topic.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // Not connected: end the client first, so BullMQ's close does not wait for a connection that
    // may never come (and ioredis stops reconnecting).
    if (this.client.status !== 'ready') this.client.disconnect();
    const timeoutMs = options.timeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.queue.close().catch((error: unknown) => this.logger.warn(redisErrorFields(redisConnectionError(error, 'retrain queue close')), 'retrain queue: error while closing')),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.client.disconnect();
  }

  private async claimAndAdd(trigger: RetrainTrigger): Promise<RetrainOutcome> {
    const jobId = bullJobId(trigger.job_id);
    if (!this.scriptDefined) {
      this.client.defineCommand(CLAIM_COMMAND, { numberOfKeys: 3, lua: CLAIM_SCRIPT });
      this.scriptDefined = true;
    }
    const claim = (await (this.client as unknown as Record<string, (...args: string[]) => Promise<unknown>>)[CLAIM_COMMAND]!(
      this.queue.toKey(jobId),
      modelIntervalKey(this.queueName, trigger.model_id),
      rateLimitedKey(this.queueName),
      jobId,
      String(this.config.retrain.minIntervalMs),
      trigger.model_id,
    )) as string;
    if (claim === 'duplicate') return 'duplicate';
    if (claim === 'rate_limited') return 'rate_limited';
    await this.queue.add(RETRAIN_JOB_NAME, trigger, { ...retrainJobOptions(this.config), jobId });
    return 'enqueued';
  }

  /**
   * A BullMQ queue on our client. BullMQ's initialisation (version check) can fail for good if the
   * connection drops right after it became ready; then a fresh queue replaces it, so a short
   * flap cannot leave deliveries failing forever.
   */
  private newQueue(): Queue {
    const queue = new Queue(this.queueName, { connection: this.client });
    // Client errors are re-emitted by BullMQ; the client's own handler logs them (once per outage).
    queue.on('error', () => undefined);
    queue.waitUntilReady().catch(() => {
      if (this.closing || this.queue !== queue) return;
      this.queue = this.newQueue();
      void queue.close().catch(() => undefined);
    });
    return queue;
  }

  private record(outcome: RetrainOutcome, trigger: RetrainTrigger): void {
    const fields = { job_id: trigger.job_id, model_id: trigger.model_id, model_version: trigger.model_version, queue: this.queueName };
    if (outcome === 'enqueued') {
      this.counts.enqueued++;
      this.logger.info(fields, 'retrain job enqueued');
    } else if (outcome === 'duplicate') {
      this.counts.duplicate++;
    } else {
      this.counts.rateLimited++;
      this.logger.info({ ...fields, min_interval_ms: this.config.retrain.minIntervalMs }, 'retrain trigger skipped: this model had a job within retrain.minIntervalMs');
    }
    this.observer.outcome?.(outcome, trigger);
  }

  private connectionError(error: unknown): void {
    const first = this.lastError === undefined;
    // Keep the telling cause: after a refused password or certificate, ioredis' follow-up errors
    // ("Stream isn't writeable", resets) say less about what the operator must fix.
    if (first || redisFailure(error) !== 'unreachable' || redisFailure(this.lastError) === 'unreachable') this.lastError = error;
    if (this.closing) return;
    if (this.downSince === undefined) {
      this.downSince = Date.now();
      this.observer.connected?.(false);
    }
    // ioredis reports every failed reconnect: log the first error of an outage only (with a code,
    // never the ioredis error object, whose AUTH command carries the password).
    if (first) this.logger.warn({ ...redisErrorFields(redisConnectionError(error, 'retrain queue')), queue: this.queueName }, 'retrain queue: Redis connection failed; retrying in the background');
  }

  private connectionReady(): void {
    const since = this.downSince;
    const hadError = this.lastError !== undefined;
    this.downSince = undefined;
    this.lastError = undefined;
    this.observer.connected?.(true);
    if (hadError && since !== undefined) this.logger.info({ down_ms: Date.now() - since, queue: this.queueName }, 'retrain queue: Redis connection restored');
  }
}
