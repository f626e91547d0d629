import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus metrics, on one prom-client Registry per instance (never the global
 * one, so tests and several services in one process do not collide).
 *
 * Naming: `driftwatch_` prefix, `_total` for counters, base units (seconds). Labels are
 * low-cardinality only (topic role, error code, shard, partition, alert kind/status): never a model
 * id, version or slice, which are unbounded.
 *
 * Node's default metrics (prom-client `collectDefaultMetrics`) keep their standard names
 * (`process_*`, `nodejs_*`, among them `nodejs_eventloop_lag_seconds` and its percentiles) so that
 * stock Node.js dashboards work.
 */
export interface ServiceMetricsOptions {
  /** Collect Node's default metrics (event-loop lag, heap, CPU, GC); default true. */
  defaultMetrics?: boolean;
}

export class ServiceMetrics {
  readonly registry = new Registry();

  /** Records consumed from Kafka (or a replay file), by topic role (inputs, outputs, feedback). */
  readonly eventsConsumed = new Counter({
    name: 'driftwatch_events_consumed_total',
    help: 'Records consumed, by topic role.',
    labelNames: ['topic_role'] as const,
    registers: [this.registry],
  });

  /** Records rejected by decoding or validation (sent to the DLQ), by error code. */
  readonly eventsRejected = new Counter({
    name: 'driftwatch_events_rejected_total',
    help: 'Records rejected by decoding or validation (sent to the DLQ), by error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  /** Events dropped because they arrived later than the allowed lateness. */
  readonly eventsLate = new Counter({
    name: 'driftwatch_events_late_total',
    help: 'Events older than the allowed lateness behind their topic-partition, counted and dropped.',
    registers: [this.registry],
  });

  /** Outputs/feedback whose input never arrived within the join TTL (or was evicted). */
  readonly joinOrphans = new Counter({
    name: 'driftwatch_join_orphans_total',
    help: 'Outputs and feedback that found no input within the join TTL.',
    registers: [this.registry],
  });

  /** Time a shard worker takes for one batch, from hand-over to result. */
  readonly shardBatchSeconds = new Histogram({
    name: 'driftwatch_shard_batch_seconds',
    help: 'Time from handing a batch to a shard worker to its result, in seconds.',
    labelNames: ['shard'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  /** Consumer lag per input topic role and partition (high watermark − committed/next offset). */
  readonly consumerLag = new Gauge({
    name: 'driftwatch_consumer_lag',
    help: 'Messages behind the high watermark, by topic role and partition.',
    labelNames: ['topic_role', 'partition'] as const,
    registers: [this.registry],
  });

  /** Alert records produced, by kind (data_drift, concept_drift, data_quality) and status (firing, resolved). */
  readonly alerts = new Counter({
    name: 'driftwatch_alerts_total',
    help: 'Alert records produced, by kind and status.',
    labelNames: ['kind', 'status'] as const,
    registers: [this.registry],
  });

  /** Retraining triggers delivered by the outbox relay, by result (enqueued, duplicate, rate_limited). */
  readonly retrainJobs = new Counter({
    name: 'driftwatch_retrain_jobs_total',
    help: 'Retraining triggers, by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  /**
   * Limits hit, by limit name (docs/events.md "Limits"): `limits.*` names (the record went to the DLQ
   * with DRIFTWATCH_LIMIT_EXCEEDED), `maxValuesPerField`/`maxValuesPerModel` (a slice value folded into
   * `__other__`), `maxModels`/`maxVersionsPerModel` (an event's model id or version folded into
   * `__other__`), `joinMaxPending` (a join entry evicted early). A fixed, small set of label values.
   */
  readonly limitHits = new Counter({
    name: 'driftwatch_limit_hits_total',
    help: 'Limits hit, by limit name (records over an input limit, slice values folded into __other__, join entries evicted).',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  /** Fetch rounds handed to a shard and not yet answered (bounded by maxInFlightBatchesPerShard). */
  readonly inflightBatches = new Gauge({
    name: 'driftwatch_inflight_batches',
    help: 'Fetch rounds handed to a shard worker and not yet answered.',
    labelNames: ['shard'] as const,
    registers: [this.registry],
  });

  /** Events of a partition index waiting in its merge for the watermark (bounded by fetch alignment while a backlog is read). */
  readonly mergeBuffered = new Gauge({
    name: 'driftwatch_merge_buffered_events',
    help: 'Events of a partition index waiting in its merge for the watermark, after its latest push.',
    labelNames: ['partition'] as const,
    registers: [this.registry],
  });

  /** Checkpoints committed (issue 5): their size, and partitions taken over (restored or started empty). */
  readonly checkpointBytes = new Histogram({
    name: 'driftwatch_checkpoint_bytes',
    help: 'Size of the committed partition checkpoints (gzip\'d JSON).',
    buckets: [1e3, 1e4, 1e5, 1e6, 1e7, 1e8],
    registers: [this.registry],
  });

  readonly checkpointSeconds = new Histogram({
    name: 'driftwatch_checkpoint_seconds',
    help: 'Shard worker time a committed partition checkpoint took (serialise and compress).',
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10],
    registers: [this.registry],
  });

  readonly checkpointInterval = new Gauge({
    name: 'driftwatch_checkpoint_interval_seconds',
    help: "Time between two checkpoints of each partition of a shard: checkpoint.intervalMs, stretched so that checkpoints take at most checkpoint.maxShardShare of the shard's time.",
    labelNames: ['shard'] as const,
    registers: [this.registry],
  });

  readonly partitionsTakenOver = new Counter({
    name: 'driftwatch_partitions_taken_over_total',
    help: 'Partition indexes taken over (assignment, shard crash, fencing), by whether their state came from a checkpoint.',
    labelNames: ['from'] as const,
    registers: [this.registry],
  });

  constructor(options: ServiceMetricsOptions = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Adds a pipeline's late, orphan and limit-hit counts (PipelineOutput.counters, deltas); consumed
   * and rejected are counted per role / per code by the caller.
   */
  addPipelineCounters(counters: { late: number; orphans: number; limitHits?: Readonly<Record<string, number>> }): void {
    if (counters.late > 0) this.eventsLate.inc(counters.late);
    if (counters.orphans > 0) this.joinOrphans.inc(counters.orphans);
    const hits = counters.limitHits;
    if (hits !== undefined) {
      for (const limit in hits) {
        const n = hits[limit] ?? 0;
        if (n > 0) this.limitHits.inc({ limit }, n);
      }
    }
  }

  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** Content-Type of `metrics()`. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
