import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { DriftwatchError, isDriftwatchError } from '../../detectors/errors';
import type { RetrainTrigger } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import { redisConnectionError, redisErrorFields } from './redis-errors';
import { parseOutboxMessage } from './retrain-outbox';
import type { RetrainLogger, RetrainOutcome, RetrainQueue } from './retrain-queue';

/** Hooks for metrics; all optional. */
export interface RetrainOutboxRelayObserver {
  /** A trigger was delivered (its offset will be committed). */
  delivered?(outcome: RetrainOutcome, trigger: RetrainTrigger): void;
  /** Redis became unreachable for the relay (true) or delivery resumed (false). */
  blocked?(blocked: boolean): void;
  /** An outbox record that is not a trigger was skipped. */
  invalid?(): void;
}

/** Options of {@link RetrainOutboxRelay}. */
export interface RetrainOutboxRelayOptions {
  logger: RetrainLogger;
  /** Where triggers go: its deliver() is idempotent by job id. */
  queue: RetrainQueue;
  observer?: RetrainOutboxRelayObserver;
  /** First retry delay while Redis fails; doubles up to `retryMaxMs`. Default 200 ms. */
  retryMinMs?: number;
  /** Retry delay cap. Default 5,000 ms. */
  retryMaxMs?: number;
  /** A delivery that neither succeeds nor fails within this long counts as failed (and is not repeated while pending). Default 5,000 ms. */
  attemptTimeoutMs?: number;
  /** How long stop() waits for the consumer to leave. Default 10,000 ms. */
  stopTimeoutMs?: number;
}

/** Counters since start. */
export interface RetrainOutboxRelayStats {
  /** Outbox records delivered to Redis (any outcome), i.e. acknowledged and committable. */
  delivered: number;
  enqueued: number;
  duplicate: number;
  rateLimited: number;
  /** Records that were not triggers, logged and skipped. */
  invalid: number;
  /** Tombstones written for delivered triggers (see the class comment). */
  tombstones: number;
  /** Tombstone writes that failed (logged; those records just stay in the topic longer). */
  tombstoneFailures: number;
  /** Failed delivery attempts (each followed by a backoff and a retry of the same record). */
  failedAttempts: number;
  /** Outages seen: periods in which delivery failed until it succeeded again. */
  outages: number;
  /** Delivery is failing right now (the relay holds its position and retries). */
  blocked: boolean;
}

/** How often committed progress is written while a batch is being delivered. */
const COMMIT_EVERY_MS = 1_000;

/**
 * Relays the retraining outbox topic to BullMQ (docs/retraining.md, "The outbox").
 *
 * A kafkajs consumer of its own (group `${kafka.groupId}.retrain-outbox`, `read_committed`, from
 * the beginning for a new group) reads `kafka.topics.retrainOutbox`: only triggers whose alert
 * transaction committed. Each record is handed to {@link RetrainQueue.deliver} (idempotent by job
 * id), and its offset is committed only AFTER Redis acknowledged, so every committed trigger becomes
 * a job at least once and, by the job-id dedupe, exactly once.
 *
 * While Redis fails, the relay retries the SAME record with capped exponential backoff
 * (200 ms … 5 s), heartbeating the group meanwhile: it holds its position (nothing skipped), holds
 * no more than one fetched batch in memory, and at most one delivery is outstanding. It logs one
 * warning when an outage starts and one line when delivery resumes. Alerts never wait on it: it
 * is a separate consumer, and the service's transactions do not depend on Redis.
 *
 * A record that is not a trigger cannot have come from the service: it is logged with
 * `DRIFTWATCH_RETRAIN_OUTBOX_INVALID` and skipped.
 *
 * After committing the offsets of delivered triggers, the relay writes a tombstone (same key = job
 * id, same partition, null value) for each: the outbox topic is compacted, so the broker then drops
 * the delivered trigger (and, after `delete.retention.ms`, the tombstone), and the topic holds the
 * undelivered triggers plus recent history instead of one record per incident forever. Undelivered
 * triggers are never tombstoned, so the topic still buffers an outage of any length. A later record
 * of the same incident written before the tombstone may be compacted away with it before it is
 * relayed; it could only have been a `duplicate` (the job id exists in Redis), so nothing is lost.
 * Tombstones read back are skipped silently. A failed tombstone write is logged
 * (`DRIFTWATCH_RETRAIN_OUTBOX_CLEANUP_FAILED`) and not retried: the trigger stays until a later
 * redelivery tombstones it, which costs space, never a job.
 */
export class RetrainOutboxRelay {
  private readonly kafka: Kafka;
  private readonly config: Readonly<DriftwatchConfig>;
  private readonly logger: RetrainLogger;
  private readonly queue: RetrainQueue;
  private readonly observer: RetrainOutboxRelayObserver;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly attemptTimeoutMs: number;
  private readonly stopTimeoutMs: number;
  private consumer: Consumer | undefined;
  /** Writes the tombstones of delivered triggers (plain, not transactional: see the class comment). */
  private producer: Producer | undefined;
  private stopping = false;
  /** Wakes a backoff sleep early (stop()). */
  private wake: (() => void) | undefined;
  /** The one delivery that may still be pending after its attempt timed out. */
  private inflight: { jobId: string; settled: Promise<Settled> } | undefined;
  private blockedSince: number | undefined;
  private blockedAttempts = 0;
  private readonly counts = { delivered: 0, enqueued: 0, duplicate: 0, rateLimited: 0, invalid: 0, tombstones: 0, tombstoneFailures: 0, failedAttempts: 0, outages: 0 };

  constructor(kafka: Kafka, config: Readonly<DriftwatchConfig>, options: RetrainOutboxRelayOptions) {
    this.kafka = kafka;
    this.config = config;
    this.logger = options.logger;
    this.queue = options.queue;
    this.observer = options.observer ?? {};
    this.retryMinMs = options.retryMinMs ?? 200;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 5_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  }

  /** The relay's consumer group. */
  get groupId(): string {
    return `${this.config.kafka.groupId}.retrain-outbox`;
  }

  /** Connects, subscribes and starts relaying; resolves once the consumer runs (not when it has caught up). */
  async start(): Promise<void> {
    if (this.consumer !== undefined) return;
    this.stopping = false;
    const topic = this.config.kafka.topics.retrainOutbox;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      // read_committed: a trigger of an aborted (or still open) alert transaction is never relayed.
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.config.kafka.fetchMaxWaitMs,
    });
    this.consumer = consumer;
    const producer = this.kafka.producer({ allowAutoTopicCreation: false });
    this.producer = producer;
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.relayBatch(consumer, payload),
    });
    this.logger.info({ topic, group: this.groupId, queue: this.queue.queueName }, 'retrain outbox relay started');
  }

  /**
   * Stops relaying within about `stopTimeoutMs`, Redis up or not: a backoff is cut short, a pending
   * delivery is abandoned (its record is not committed, so the next start delivers it again,
   * idempotently), and what was delivered so far is committed.
   */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    if (consumer === undefined) return;
    this.stopping = true;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const left = await Promise.race([
      consumer.disconnect().then(() => true, () => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.stopTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!left) this.logger.warn({ timeout_ms: this.stopTimeoutMs }, 'retrain outbox relay: the consumer did not leave in time; moving on (undelivered triggers stay in the outbox topic)');
    this.consumer = undefined;
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    // Not "delivering again": a stopped relay simply is not blocked any more.
    if (this.blockedSince !== undefined) {
      this.blockedSince = undefined;
      this.observer.blocked?.(false);
    }
  }

  stats(): RetrainOutboxRelayStats {
    return { ...this.counts, blocked: this.blockedSince !== undefined };
  }

  private async relayBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    /** Next offset to commit (last delivered + 1), not committed yet. */
    let pending: string | undefined;
    /** Keys (job ids) of the triggers delivered since the last commit: tombstoned after it. */
    let deliveredKeys: Buffer[] = [];
    let lastCommit = Date.now();
    const commit = async (): Promise<void> => {
      if (pending === undefined) return;
      await consumer.commitOffsets([{ topic, partition, offset: pending }]);
      pending = undefined;
      lastCommit = Date.now();
      const keys = deliveredKeys;
      deliveredKeys = [];
      await this.tombstone(topic, partition, keys);
    };
    for (const message of batch.messages) {
      if (this.stopping || !isRunning() || isStale()) break;
      const outcome = await this.relayRecord(topic, partition, message, heartbeat, commit);
      if (outcome === 'stopped') break;
      if (outcome === 'delivered' && message.key !== null) deliveredKeys.push(message.key);
      resolveOffset(message.offset);
      pending = (BigInt(message.offset) + 1n).toString();
      if (Date.now() - lastCommit >= COMMIT_EVERY_MS) await commit();
    }
    await commit();
  }

  /**
   * Tombstones the delivered triggers' records (after their offsets were committed: a crash in
   * between leaves records that a redelivery finds in Redis as duplicates and tombstones then).
   */
  private async tombstone(topic: string, partition: number, keys: Buffer[]): Promise<void> {
    const producer = this.producer;
    if (keys.length === 0 || producer === undefined) return;
    try {
      await producer.send({ topic, messages: keys.map((key) => ({ key, value: null, partition })) });
      this.counts.tombstones += keys.length;
    } catch (error) {
      this.counts.tombstoneFailures += keys.length;
      this.logger.warn(
        { code: 'DRIFTWATCH_RETRAIN_OUTBOX_CLEANUP_FAILED', topic, partition, count: keys.length, err: { message: (error as Error).message } },
        'retrain outbox relay: tombstones for delivered triggers could not be written; those records stay in the outbox topic (no trigger is lost or repeated)',
      );
    }
  }

  /**
   * Delivers one record, retrying while Redis fails: `delivered` (Redis acknowledged), `skipped` (a
   * tombstone, or not a trigger) or `stopped` (the relay stopped first; not delivered).
   */
  private async relayRecord(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
    commitProgress: () => Promise<void>,
  ): Promise<'delivered' | 'skipped' | 'stopped'> {
    // A tombstone written by a relay after delivering the trigger with this key.
    if (message.value === null) return 'skipped';
    let trigger: RetrainTrigger;
    try {
      trigger = parseOutboxMessage(message.value);
    } catch (error) {
      this.counts.invalid++;
      this.observer.invalid?.();
      const code = isDriftwatchError(error) ? error.code : 'DRIFTWATCH_RETRAIN_OUTBOX_INVALID';
      this.logger.error({ code, topic, partition, offset: message.offset, err: { message: (error as Error).message } }, 'retrain outbox record skipped: not a retraining trigger');
      return 'skipped';
    }
    let delay = this.retryMinMs;
    for (;;) {
      if (this.stopping) return 'stopped';
      const result = await this.attempt(trigger);
      if (result.ok) {
        this.setBlocked(false, undefined);
        this.counts.delivered++;
        if (result.outcome === 'enqueued') this.counts.enqueued++;
        else if (result.outcome === 'duplicate') this.counts.duplicate++;
        else this.counts.rateLimited++;
        this.observer.delivered?.(result.outcome, trigger);
        return 'delivered';
      }
      if (this.stopping) return 'stopped';
      this.counts.failedAttempts++;
      if (this.blockedSince === undefined) {
        // Store the progress made so far before waiting: a restart during the outage resumes here.
        await commitProgress();
        this.setBlocked(true, { error: result.error, topic, partition, offset: message.offset, jobId: trigger.job_id });
      }
      this.blockedAttempts++;
      // The group must not think we died while we wait (kafkajs heartbeats only when asked). A
      // rebalance makes this throw: kafkajs then re-joins and redelivers from the committed offset.
      await heartbeat();
      await this.sleep(delay);
      delay = Math.min(delay * 2, this.retryMaxMs);
    }
  }

  /**
   * One delivery attempt, bounded by `attemptTimeoutMs`. A delivery still pending after that is
   * kept and awaited by the next attempt instead of starting a second one, so at most one is ever
   * outstanding.
   */
  private async attempt(trigger: RetrainTrigger): Promise<Settled> {
    if (this.inflight === undefined) {
      const settled = this.queue.deliver(trigger).then(
        (outcome): Settled => ({ ok: true, outcome }),
        (error: unknown): Settled => ({ ok: false, error }),
      );
      this.inflight = { jobId: trigger.job_id, settled };
    }
    const inflight = this.inflight;
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      inflight.settled,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(resolve, this.attemptTimeoutMs, undefined);
        this.wake = () => resolve(undefined);
      }),
    ]);
    clearTimeout(timer);
    this.wake = undefined;
    if (result === undefined) {
      return { ok: false, error: new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_UNREACHABLE', `retrain outbox relay: delivery got no answer from Redis within ${this.attemptTimeoutMs} ms`, { retryable: true }) };
    }
    this.inflight = undefined;
    // The settled delivery was another record's (a rebalance moved us on): count as not delivered yet.
    if (inflight.jobId !== trigger.job_id) return { ok: false, error: new DriftwatchError('DRIFTWATCH_RETRAIN_REDIS_UNREACHABLE', 'retrain outbox relay: an earlier delivery was still pending', { retryable: true }) };
    return result;
  }

  private setBlocked(blocked: boolean, context: { error: unknown; topic: string; partition: number; offset: string; jobId: string } | undefined): void {
    if (blocked && this.blockedSince === undefined && context !== undefined) {
      this.blockedSince = Date.now();
      this.blockedAttempts = 0;
      this.counts.outages++;
      const error = isDriftwatchError(context.error) ? context.error : redisConnectionError(context.error, 'retrain outbox relay');
      this.logger.warn(
        { ...redisErrorFields(error), topic: context.topic, partition: context.partition, offset: context.offset, job_id: context.jobId },
        'retrain outbox relay: Redis not available; the trigger stays in the outbox topic and is retried (alerts are not affected)',
      );
      this.observer.blocked?.(true);
    } else if (!blocked && this.blockedSince !== undefined) {
      this.logger.info({ blocked_ms: Date.now() - this.blockedSince, failed_attempts: this.blockedAttempts }, 'retrain outbox relay: delivering to Redis again');
      this.blockedSince = undefined;
      this.observer.blocked?.(false);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      this.wake = undefined;
    });
  }
}

type Settled = { ok: true; outcome: RetrainOutcome } | { ok: false; error: unknown };
