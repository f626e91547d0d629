import { Queue } from 'bullmq';
import { DriftwatchError } from '../../detectors/errors';
import type { RetrainTrigger } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import { createLogger } from '../logging';
import { redisConnectionOptions } from './redis-connection-options';
import { bullJobId, retrainJobOptions, RETRAIN_JOB_NAME } from './retrain-job';

/** What happened to one trigger. */
export type RetrainOutcome =
  /** A new BullMQ job was added. */
  | 'enqueued'
  /** A job with this incident id already exists (a repeated alert, a replay, another instance). */
  | 'duplicate'
  /** Another incident of the same model got a job less than `retrain.minIntervalMs` ago. */
  | 'rate_limited'
  /** The outbox was full while Redis was unreachable: the trigger is lost (durable outbox: issue 5). */
  | 'dropped';

/** Hooks the service wiring maps to its metrics (src/ops/metrics.ts); all optional. */
export interface RetrainQueueObserver {
  /** Called once per trigger with its final outcome. */
  outcome?(outcome: RetrainOutcome, trigger: RetrainTrigger): void;
  /** Called whenever the number of triggers waiting for Redis changes. */
  outboxSize?(size: number): void;
}

/** The subset of a pino logger the queue uses. */
export interface RetrainLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of {@link RetrainQueue}; every field is optional. */
export interface RetrainQueueOptions {
  /** Triggers kept in memory while Redis is unreachable. Default 10,000 (each is a few KB). */
  outboxCapacity?: number;
  logger?: RetrainLogger;
  observer?: RetrainQueueObserver;
}

/** Counters since start, for tests, `/metrics` and shutdown logs. */
export interface RetrainQueueStats {
  enqueued: number;
  duplicate: number;
  rateLimited: number;
  dropped: number;
  /** Triggers waiting for Redis. */
  outbox: number;
  /** Failed delivery attempts (Redis unreachable or erroring). */
  deliveryErrors: number;
}

// Atomically: a job with this id exists → duplicate; else take the per-model interval slot unless
// another incident holds it. The slot's value is the job id that took it, so retrying the same
// trigger after a failure between this script and the add (or after a crash, with issue 5's outbox)
// proceeds instead of rate-limiting itself. One script = one round trip, and several service
// instances agree because Redis runs it atomically.
const CLAIM_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'duplicate' end
local interval = tonumber(ARGV[2])
if interval <= 0 then return 'claimed' end
local holder = redis.call('GET', KEYS[2])
if holder == ARGV[1] then return 'claimed' end
if holder then return 'rate_limited' end
redis.call('SET', KEYS[2], ARGV[1], 'PX', interval)
return 'claimed'
`;
const CLAIM_COMMAND = 'driftwatchRetrainClaim';

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 1_000;

/** Redis key of the per-model interval slot (outside BullMQ's `bull:<queue>:*` keys). */
export function modelIntervalKey(queueName: string, modelId: string): string {
  return `driftwatch:retrain-interval:${queueName}:${modelId}`;
}

/**
 * The producer side of the retraining queue (DESIGN.md §2.3): one BullMQ job per drift incident
 * on `config.retrain.queue`, job id = incident id, at most one job per model per
 * `config.retrain.minIntervalMs`.
 *
 * {@link enqueue} never blocks and never throws, so the alert path cannot be slowed or broken by
 * Redis: triggers go to a bounded in-memory outbox (deduplicated by job id) that one background
 * loop delivers in order, retrying every 100 ms … 1 s while Redis is unreachable. When the outbox
 * is full, further triggers are dropped with an error log and the `dropped` outcome. Triggers still
 * in the outbox when the process ends are lost; issue 5 replaces the outbox with a durable one that
 * calls {@link deliver}, which is idempotent.
 */
export class RetrainQueue {
  readonly queueName: string;
  private readonly config: Readonly<DriftwatchConfig>;
  private readonly queue: Queue;
  private readonly capacity: number;
  private readonly logger: RetrainLogger;
  private readonly observer: RetrainQueueObserver;
  /** job id → trigger, in arrival order (a Map iterates in insertion order). */
  private readonly outbox = new Map<string, RetrainTrigger>();
  private readonly counts: RetrainQueueStats = { enqueued: 0, duplicate: 0, rateLimited: 0, dropped: 0, outbox: 0, deliveryErrors: 0 };
  private draining: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** No more enqueues (close() was called). */
  private closing = false;
  /** The delivery loop must stop (close() gave up waiting). */
  private stopped = false;
  private unreachableSince: number | undefined;
  private lastRedisErrorLog = 0;
  private scriptDefined = false;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(config: Readonly<DriftwatchConfig>, options: RetrainQueueOptions = {}) {
    const url = config.redis.url;
    if (url === undefined) {
      throw new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_MISSING', 'retraining triggers need redis.url (or DRIFTWATCH_REDIS_URL); without it the service runs with retraining off');
    }
    this.config = config;
    this.queueName = config.retrain.queue;
    this.capacity = options.outboxCapacity ?? 10_000;
    this.logger = options.logger ?? createLogger(config, 'retrain-queue');
    this.observer = options.observer ?? {};
    this.queue = new Queue(this.queueName, { connection: redisConnectionOptions(url, 'producer') });
    // Without a listener an 'error' event would throw; errors are expected while Redis is down.
    this.queue.on('error', (error: Error) => this.redisError(error));
  }

  /**
   * Hands a trigger to the queue. Returns at once; delivery happens in the background. A trigger
   * whose job id is already waiting in the outbox is ignored (a repeated alert during an outage).
   */
  enqueue(trigger: RetrainTrigger): void {
    if (this.closing) {
      this.logger.warn({ job_id: trigger.job_id, model_id: trigger.model_id }, 'retrain trigger after close: ignored');
      return;
    }
    if (this.outbox.has(trigger.job_id)) return;
    if (this.outbox.size >= this.capacity) {
      this.counts.dropped++;
      this.logger.error(
        { code: 'DRIFTWATCH_RETRAIN_OUTBOX_FULL', job_id: trigger.job_id, model_id: trigger.model_id, capacity: this.capacity },
        'retrain outbox full while Redis is unreachable: trigger dropped',
      );
      this.observer.outcome?.('dropped', trigger);
      return;
    }
    this.outbox.set(trigger.job_id, trigger);
    this.outboxChanged();
    if (this.draining === undefined) this.draining = this.drain();
    else this.wake?.();
  }

  /**
   * Delivers one trigger now: the atomic dedupe + per-model interval check, then the BullMQ add.
   * Idempotent (job id = incident id), so it is safe to call again after a failure or a crash.
   * Rejects when Redis is unreachable. Used by the outbox loop; issue 5's durable outbox calls it
   * directly.
   */
  async deliver(trigger: RetrainTrigger): Promise<Exclude<RetrainOutcome, 'dropped'>> {
    const jobId = bullJobId(trigger.job_id);
    const client = await this.queue.getBackend().client;
    if (!this.scriptDefined) {
      client.defineCommand(CLAIM_COMMAND, { numberOfKeys: 2, lua: CLAIM_SCRIPT });
      this.scriptDefined = true;
    }
    const claim = (await client.runCommand(CLAIM_COMMAND, [
      this.queue.toKey(jobId),
      modelIntervalKey(this.queueName, trigger.model_id),
      jobId,
      String(this.config.retrain.minIntervalMs),
    ])) as string;
    if (claim === 'duplicate') return 'duplicate';
    if (claim === 'rate_limited') return 'rate_limited';
    await this.queue.add(RETRAIN_JOB_NAME, trigger, { ...retrainJobOptions(this.config), jobId });
    return 'enqueued';
  }

  /** Resolves once the outbox is empty (everything delivered, deduplicated or rate limited). */
  idle(): Promise<void> {
    if (this.outbox.size === 0 && this.draining === undefined) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): RetrainQueueStats {
    return { ...this.counts, outbox: this.outbox.size };
  }

  /**
   * Stops accepting triggers, gives the outbox up to `timeoutMs` (default 5,000) to drain, then
   * closes the BullMQ connection (forcibly when Redis does not answer). Triggers still buffered
   * are logged as lost.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const timeoutMs = options.timeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.idle(), deadline]);
    this.stopped = true;
    const lost = this.outbox.size;
    if (lost > 0) {
      this.logger.error({ code: 'DRIFTWATCH_RETRAIN_OUTBOX_FULL', lost }, 'closing with retrain triggers still waiting for Redis: they are lost (durable outbox: issue 5)');
    }
    this.outbox.clear();
    this.outboxChanged();
    this.wake?.();
    clearTimeout(timer);
    // While Redis is down, BullMQ's close() sends QUIT (which fails at once: no offline queue),
    // marks the client ended and returns, but ioredis' reconnect timer would keep reconnecting
    // forever. Disconnecting the raw client first stops that. (A client that never connected is
    // still pending here; BullMQ's close() disconnects that one itself.)
    const client = await Promise.race([this.queue.getBackend().client, new Promise<undefined>((r) => setTimeout(r, 50, undefined))]).catch(() => undefined);
    if (client !== undefined && client.status !== 'ready') client.disconnect();
    await this.queue.close().catch((error: unknown) => this.logger.warn({ err: error }, 'retrain queue: error while closing the Redis connection'));
    // A delivery in flight is rejected by the disconnect; do not wait for it longer than a second.
    const draining = this.draining;
    if (draining !== undefined) await Promise.race([draining, new Promise((r) => setTimeout(r, 1_000).unref())]);
    this.resolveIdle();
  }

  /**
   * The one delivery loop. It clears `draining` itself, synchronously with finding the outbox
   * empty, so an enqueue that follows an `idle()` always sees either a running loop that will take
   * its trigger, or none (and starts one).
   */
  private async drain(): Promise<void> {
    let delay = RETRY_MIN_MS;
    // The try/finally is in this very function: a nested async call would add a microtask hop in
    // which an idle() waiter could run and enqueue while `draining` is still set.
    try {
      for (;;) {
        const first = this.outbox.values().next();
        if (first.done === true || this.stopped) break;
        const trigger = first.value;
        try {
          const outcome = await this.deliver(trigger);
          this.outbox.delete(trigger.job_id);
          this.outboxChanged();
          this.record(outcome, trigger);
          delay = RETRY_MIN_MS;
          if (this.unreachableSince !== undefined) {
            this.logger.info({ down_ms: Date.now() - this.unreachableSince, outbox: this.outbox.size }, 'Redis reachable again: delivering buffered retrain triggers');
            this.unreachableSince = undefined;
          }
        } catch (error) {
          if (this.stopped) break;
          this.counts.deliveryErrors++;
          if (this.unreachableSince === undefined) {
            this.unreachableSince = Date.now();
            this.logger.warn({ err: error, outbox: this.outbox.size }, 'retrain trigger not delivered (Redis unreachable?): buffering and retrying');
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delay);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wake = undefined;
          delay = Math.min(delay * 2, RETRY_MAX_MS);
        }
      }
    } finally {
      this.draining = undefined;
      this.resolveIdle();
    }
  }

  private record(outcome: Exclude<RetrainOutcome, 'dropped'>, trigger: RetrainTrigger): void {
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

  private outboxChanged(): void {
    this.counts.outbox = this.outbox.size;
    this.observer.outboxSize?.(this.outbox.size);
  }

  private resolveIdle(): void {
    if (!this.stopped && (this.outbox.size !== 0 || this.draining !== undefined)) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private redisError(error: Error): void {
    // ioredis reports every failed reconnect; one line per 30 s is enough.
    const now = Date.now();
    if (now - this.lastRedisErrorLog < 30_000) return;
    this.lastRedisErrorLog = now;
    this.logger.warn({ err: { message: error.message }, queue: this.queueName }, 'retrain queue: Redis connection error');
  }
}
