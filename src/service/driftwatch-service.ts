/**
 * The service wiring: config → logger → Kafka (topic set-up) → shard pool → alert publisher →
 * retraining queue → consumer group. One graceful stop path (SIGTERM/SIGINT in `driftwatch run`,
 * `handle.stop()` for programmatic use): stop fetching, let the shards answer every batch they
 * were given, produce those alerts and commit their offsets, finish the pipelines (releasing the
 * events buffered behind the watermark) and produce what that gives, then close everything, all
 * within `shutdownTimeoutMs`; past it the workers are terminated and stop() rejects with
 * DRIFTWATCH_SHUTDOWN_TIMEOUT.
 *
 * Retraining triggers go to the RetrainQueue only when `redis.url` is set; the queue buffers while
 * Redis is down and never blocks alerts (enqueue() is fire-and-forget).
 */
import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DriftwatchError } from '../../detectors/errors';
import type { DlqEntry, DriftAlert } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import { AlertPublisher, type AlertEncoder } from '../kafka/alert-publisher';
import { IngestConsumer } from '../kafka/ingest-consumer';
import { createKafka } from '../kafka/kafka-client';
import { ensureTopics, sourceTopics, type TopicLayout } from '../kafka/topic-setup';
import { encodeAlert as encodeAvroAlert } from '../ingest/event-encoder';
import { createLogger } from '../logging';
import { ServiceMetrics } from '../ops/metrics';
import { startOpsServer, type OpsServer } from '../ops/ops-server';
import { RetrainQueue, type RetrainQueueStats } from '../retrain/retrain-queue';
import { ShardPool } from '../shards/shard-pool';
import type { ShardResult } from '../shards/shard-protocol';

export interface StartServiceOptions {
  /** Root logger to use instead of createLogger(config, …) (tests capture logs this way). */
  logger?: Logger;
  /** Alert encoder for `kafka.alertFormat: avro` (default: the Avro encoder of schemas/drift-alert.avsc). */
  encodeAlert?: AlertEncoder;
  /** Resolve startService only after the first consumer-group join (default true). */
  waitForJoin?: boolean;
  /** Compiled shard worker to load (default `<packageRoot>/dist/workers/shard-worker.js`). */
  workerPath?: string;
}

/** Counters since start (also exported as Prometheus metrics by the ops server). */
export interface ServiceStats {
  consumed: number;
  rejected: number;
  late: number;
  orphans: number;
  alerts: number;
  dlq: number;
  retrainTriggers: number;
  shardCrashes: number;
  /** Times a saturated shard had its partitions paused (backpressure). */
  pauses: number;
  /** Partition indexes this member owns now. */
  partitions: number[];
  /** The retraining queue's counters (absent when redis.url is not set). */
  retrain?: RetrainQueueStats;
}

/**
 * A running service. Events: `alert` (DriftAlert, after the broker acknowledged it), `dlq`
 * (DlqEntry), `assigned` (partition indexes), `stopped`.
 */
export interface ServiceHandle extends EventEmitter {
  readonly config: Readonly<DriftwatchConfig>;
  /** True between the first group join and the start of shutdown (what /readyz reports). */
  readonly ready: boolean;
  readonly topics: TopicLayout;
  /** The ops HTTP server's base URL (`/livez`, `/readyz`, `/metrics`). */
  readonly opsUrl: string;
  readonly metrics: ServiceMetrics;
  stats(): ServiceStats;
  /**
   * Fault injection (tests): makes shard worker `shard` throw outside any handler, as a bug would.
   * The pool logs, counts and restarts it; its partitions are read again from the last produced
   * offsets (with empty state: restoring it is issue 5).
   */
  injectShardCrash(shard: number): void;
  /** Graceful stop; idempotent (every call returns the same promise). */
  stop(reason?: string): Promise<void>;
}

class DriftwatchService extends EventEmitter implements ServiceHandle {
  ready = false;
  topics: TopicLayout = { partitions: {}, coPartitioned: true };
  private readonly counters: Omit<ServiceStats, 'shardCrashes' | 'partitions'> = {
    consumed: 0, rejected: 0, late: 0, orphans: 0, alerts: 0, dlq: 0, retrainTriggers: 0, pauses: 0,
  };
  private partitions: number[] = [];
  private kafka!: Kafka;
  private pool: ShardPool | null = null;
  private publisher: AlertPublisher | null = null;
  private consumer: IngestConsumer | null = null;
  private retrain: RetrainQueue | null = null;
  private ops: OpsServer | null = null;
  private stopping: Promise<void> | null = null;
  readonly metrics = new ServiceMetrics();

  get opsUrl(): string {
    return this.ops?.url ?? '';
  }

  constructor(
    readonly config: Readonly<DriftwatchConfig>,
    private readonly logger: Logger,
    private readonly options: StartServiceOptions,
  ) {
    super();
  }

  async start(): Promise<void> {
    const { config, logger } = this;
    logger.info({ config }, 'starting');
    this.ops = await startOpsServer({
      host: config.ops.host,
      port: config.ops.port,
      ...(config.ops.token === undefined ? {} : { token: config.ops.token }),
      metrics: this.metrics,
      logger: logger.child({ component: 'ops' }),
    });
    this.kafka = createKafka(config, logger.child({ component: 'kafkajs' }));
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      this.topics = await ensureTopics(admin, config, logger.child({ component: 'topics' }));
    } finally {
      await admin.disconnect();
    }

    this.pool = new ShardPool(config, { logger: logger.child({ component: 'shards' }), ...(this.options.workerPath ? { workerPath: this.options.workerPath } : {}) });
    await this.pool.ready();

    // kafka.alertFormat avro: plain Avro binary of schemas/drift-alert.avsc (no Confluent framing).
    // Alerts come from worker threads by structured clone, i.e. built in the main realm; avro-js
    // checks arrays with `instanceof Array`, which fails when this module runs in another realm (a
    // vm sandbox, jest). A JSON copy (alerts are few and small) makes the encoding realm-proof.
    const encodeAlert =
      this.options.encodeAlert ??
      (config.kafka.alertFormat === 'avro' ? (a: DriftAlert) => Buffer.from(encodeAvroAlert(JSON.parse(JSON.stringify(a)) as DriftAlert, 'avro')) : undefined);
    this.publisher = new AlertPublisher(this.kafka, config, {
      logger: logger.child({ component: 'alert-publisher' }),
      ...(encodeAlert ? { encodeAlert } : {}),
    });
    await this.publisher.connect();

    if (config.redis.url) {
      this.retrain = new RetrainQueue(config, {
        logger: logger.child({ component: 'retrain' }),
        observer: { outcome: (outcome) => this.metrics.retrainJobs.inc({ result: outcome }) },
      });
    } else {
      logger.info('redis.url is not set: retraining triggers are off');
    }

    const roles = sourceTopics(config);
    this.consumer = new IngestConsumer(
      this.kafka,
      config,
      this.pool,
      {
        onResult: (result) => this.publish(result),
        onAssigned: (partitions) => {
          this.partitions = partitions;
          this.emit('assigned', partitions);
        },
        onLag: (topic, partition, lag) => this.metrics.consumerLag.set({ topic_role: roles.get(topic) ?? 'unknown', partition: String(partition) }, lag),
        onBatchDone: (shard, records, seconds) => {
          for (const [role, count] of records) this.metrics.eventsConsumed.inc({ topic_role: role }, count);
          this.metrics.shardBatchSeconds.observe({ shard: String(shard) }, seconds);
        },
        onPaused: (_shard, paused) => {
          if (paused) this.counters.pauses++;
        },
        onInFlight: (shard, inFlight) => this.metrics.inflightBatches.set({ shard: String(shard) }, inFlight),
      },
      logger.child({ component: 'kafka-consumer' }),
    );
    await this.consumer.start();
    void this.consumer.waitJoined().then(() => {
      if (this.stopping !== null) return;
      this.ready = true;
      this.ops?.markReady();
    });
    if (this.options.waitForJoin ?? true) await this.consumer.waitJoined();
    logger.info({ shards: this.pool.size, topics: this.topics }, 'started');
  }

  stats(): ServiceStats {
    return {
      ...this.counters,
      shardCrashes: this.pool?.crashes ?? 0,
      partitions: [...this.partitions],
      ...(this.retrain ? { retrain: this.retrain.stats() } : {}),
    };
  }

  /** Produces a shard's outputs; resolves once the broker has them (the consumer commits after). */
  private async publish(result: ShardResult): Promise<void> {
    const c = this.counters;
    c.consumed += result.counters.consumed;
    c.rejected += result.counters.rejected;
    c.late += result.counters.late;
    c.orphans += result.counters.orphans;
    this.metrics.addPipelineCounters(result.counters);
    for (const d of result.dlq) this.metrics.eventsRejected.inc({ code: d.error_code });
    if (result.alerts.length > 0 || result.dlq.length > 0) {
      await this.publisher!.publish(result.alerts, result.dlq);
      c.alerts += result.alerts.length;
      c.dlq += result.dlq.length;
      for (const a of result.alerts) {
        this.metrics.alerts.inc({ kind: a.kind, status: a.status });
        this.emitAlert(a);
      }
      for (const d of result.dlq) this.emit('dlq', d satisfies DlqEntry);
    }
    for (const trigger of result.retrain) {
      c.retrainTriggers++;
      this.retrain?.enqueue(trigger);
    }
  }

  private emitAlert(alert: DriftAlert): void {
    this.emit('alert', alert);
  }

  injectShardCrash(shard: number): void {
    this.pool?.send(shard, { type: 'crash' }).catch(() => undefined);
  }

  stop(reason = 'stop requested'): Promise<void> {
    if (this.stopping === null) this.stopping = this.shutdown(reason);
    return this.stopping;
  }

  private async shutdown(reason: string): Promise<void> {
    this.ready = false;
    this.ops?.markShuttingDown();
    const started = Date.now();
    this.logger.info({ reason, timeoutMs: this.config.shutdownTimeoutMs }, 'shutting down');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.config.shutdownTimeoutMs);
    });
    const outcome = await Promise.race([this.drainAndClose().then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const error = new DriftwatchError('DRIFTWATCH_SHUTDOWN_TIMEOUT', `graceful shutdown did not finish within ${this.config.shutdownTimeoutMs} ms; workers terminated`, {
        details: { timeoutMs: this.config.shutdownTimeoutMs },
      });
      this.logger.error({ code: error.code }, error.message);
      await this.pool?.terminate();
      await this.ops?.close();
      this.emit('stopped');
      throw error;
    }
    this.logger.info({ ms: Date.now() - started, stats: this.stats() }, 'stopped');
    this.emit('stopped');
  }

  private async drainAndClose(): Promise<void> {
    // 1. No new batches; every batch already handed over is answered, produced and committed.
    await this.consumer?.stopFetching();
    // 2. The pipelines release what they buffered behind the watermark; produce that too.
    if (this.pool) {
      const final = await this.pool.close();
      if (this.publisher) await this.publish(final);
    }
    // 3. Close the clients.
    await this.consumer?.disconnect();
    await this.publisher?.disconnect();
    if (this.retrain) {
      // Redis being down must not hold the shutdown: the queue gets its share of the time, then we move on.
      const share = Math.max(1000, this.config.shutdownTimeoutMs / 4);
      const closed = await withTimeout(this.retrain.close({ timeoutMs: share }), share + 1000);
      if (!closed) this.logger.warn({ timeoutMs: share + 1000 }, 'the retraining queue did not close in time (Redis unreachable?); continuing the shutdown');
    }
    await this.ops?.close();
  }
}

/**
 * Starts the service and resolves with its handle once it has joined its consumer group.
 *
 * @example
 * ```ts
 * const service = await startService(loadConfig({ file: 'driftwatch.yaml' }));
 * service.on('alert', (a) => console.log(a.metric, a.status));
 * process.once('SIGTERM', () => void service.stop('SIGTERM'));
 * ```
 */
export async function startService(config: Readonly<DriftwatchConfig>, options: StartServiceOptions = {}): Promise<ServiceHandle> {
  const logger = options.logger ?? createLogger(config, 'service');
  const service = new DriftwatchService(config, logger, options);
  try {
    await service.start();
  } catch (e) {
    logger.error({ err: e }, 'start-up failed');
    await service.stop('start-up failed').catch(() => undefined);
    throw e;
  }
  return service;
}

/** Resolves true when `promise` settles within `ms`, false otherwise (a rejection counts as settled). */
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([settled, timeout]);
  clearTimeout(timer);
  return result;
}
