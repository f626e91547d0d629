/**
 * The service wiring: config → logger → Kafka (topic set-up) → shard pool → consumer group (whose
 * partition transactions produce alerts, DLQ entries, retraining triggers and checkpoints) →
 * retraining outbox relay. One graceful stop path (SIGTERM/SIGINT in `driftwatch run`,
 * `handle.stop()` for programmatic use): stop fetching, let the shards answer every batch they
 * were given, commit those outputs and offsets, checkpoint every partition (a restart resumes
 * there; the pipelines are not "finished": a stream does not end), then close everything, all
 * within `shutdownTimeoutMs`; past it the workers are terminated and stop() rejects with
 * DRIFTWATCH_SHUTDOWN_TIMEOUT.
 *
 * Retraining triggers are written to the outbox topic inside the alert transactions; when
 * `redis.url` is set, the relay delivers them to BullMQ (src/retrain/retrain-outbox-relay.ts).
 * Redis being down never holds alerts back.
 */
import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { DriftwatchError } from '../../detectors/errors';
import type { DlqEntry, DriftAlert } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import { alertEncoderFor, type AlertEncoder } from '../kafka/alert-encoding';
import { IngestConsumer } from '../kafka/ingest-consumer';
import { createKafka } from '../kafka/kafka-client';
import { ensureTopics, sourceTopics, type TopicLayout } from '../kafka/topic-setup';
import { createLogger } from '../logging';
import { ServiceMetrics } from '../ops/metrics';
import { startOpsServer, type OpsServer } from '../ops/ops-server';
import { RetrainOutboxRelay, type RetrainOutboxRelayStats } from '../retrain/retrain-outbox-relay';
import { RetrainQueue, type RetrainQueueStats } from '../retrain/retrain-queue';
import { ShardPool } from '../shards/shard-pool';
import type { PartitionResult } from '../shards/shard-protocol';

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
  /** The outbox relay's counters (absent when redis.url is not set). */
  retrainRelay?: RetrainOutboxRelayStats;
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
   * The pool logs, counts and restarts it; its partitions are taken over again from their
   * checkpoints (outputs already committed are not produced again).
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
  private consumer: IngestConsumer | null = null;
  private retrain: RetrainQueue | null = null;
  private relay: RetrainOutboxRelay | null = null;
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

    if (config.redis.url) {
      this.retrain = new RetrainQueue(config, {
        logger: logger.child({ component: 'retrain' }),
        observer: { outcome: (outcome) => this.metrics.retrainJobs.inc({ result: outcome }) },
      });
      this.relay = new RetrainOutboxRelay(this.kafka, config, { logger: logger.child({ component: 'retrain-relay' }), queue: this.retrain });
      await this.relay.start();
    } else {
      logger.info('redis.url is not set: retraining triggers are written to the outbox topic but not delivered to BullMQ');
    }

    const roles = sourceTopics(config);
    this.consumer = new IngestConsumer(
      this.kafka,
      config,
      this.pool,
      this.options.encodeAlert ?? alertEncoderFor(config),
      {
        onCommitted: (part) => this.committed(part),
        onCheckpoint: (_partition, { bytes, ms, shard, intervalMs }) => {
          this.metrics.checkpointBytes.observe(bytes);
          this.metrics.checkpointSeconds.observe(ms / 1000);
          this.metrics.checkpointInterval.set({ shard: String(shard) }, intervalMs / 1000);
        },
        onRecovered: (partitions, restored) => {
          this.metrics.partitionsTakenOver.inc({ from: 'checkpoint' }, restored);
          this.metrics.partitionsTakenOver.inc({ from: 'empty' }, partitions.length - restored);
        },
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
        onMergeBuffered: (partition, events) => this.metrics.mergeBuffered.set({ partition: String(partition) }, events),
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
      ...(this.relay ? { retrainRelay: this.relay.stats() } : {}),
    };
  }

  /** A partition transaction committed: its alerts are visible to read_committed consumers now. */
  private committed(part: PartitionResult): void {
    const c = this.counters;
    c.consumed += part.counters.consumed;
    c.rejected += part.counters.rejected;
    c.late += part.counters.late;
    c.orphans += part.counters.orphans;
    this.metrics.addPipelineCounters(part.counters);
    for (const d of part.dlq) this.metrics.eventsRejected.inc({ code: d.error_code });
    c.alerts += part.alerts.length;
    c.dlq += part.dlq.length;
    c.retrainTriggers += part.retrain.length;
    for (const a of part.alerts) {
      this.metrics.alerts.inc({ kind: a.kind, status: a.status });
      this.emitAlert(a);
    }
    for (const d of part.dlq) this.emit('dlq', d satisfies DlqEntry);
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
    // 1. No new batches; every batch already handed over is answered and committed; every
    //    partition is checkpointed.
    await this.consumer?.stopFetching();
    await this.pool?.close();
    // 2. Close the clients.
    await this.consumer?.disconnect();
    await this.relay?.stop();
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
