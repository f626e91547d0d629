/**
 * The effective configuration: defaults < config file < DRIFTWATCH_* env vars < CLI flags, validated
 * once at start-up and frozen (src/config/load-config.ts). Every option is documented, with its
 * default, where the schema declares it and in README's configuration table.
 */

export type MessageFormat = 'auto' | 'json' | 'avro' | 'confluent-avro';
export type ReferenceMode = 'first-n' | 'profile' | 'trailing';

export interface FeatureSpec {
  name: string;
  type: 'numeric' | 'categorical';
}

export interface DriftwatchConfig {
  kafka: {
    brokers: string[];
    clientId: string;
    groupId: string;
    topics: { inputs: string; outputs: string; feedback: string; alerts: string; dlq: string; checkpoints: string; retrainOutbox: string };
    /** Wire format of the input topics; `auto` sniffs JSON vs Confluent framing vs plain Avro. */
    format: MessageFormat;
    /** Confluent schema id → .avsc file (relative to the config file, or absolute). */
    schemaIds: Record<string, string>;
    /** kafkajs fetch wait; lower means lower alert latency. */
    fetchMaxWaitMs: number;
    alertFormat: 'json' | 'avro';
    /** TLS / SASL options (issue: security); absent = PLAINTEXT. */
    ssl?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean } | boolean;
    sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
    /** Consumer-group session timeout (how fast a crashed member's partitions move). */
    sessionTimeoutMs: number;
    /** Offsets of partitions without outputs are committed (in a transaction) at most this often. */
    commitIntervalMs: number;
  };
  redis: {
    /** redis://… ; absent = retraining triggers off. */
    url?: string;
    /** Password (AUTH), when not in the URL; secret. */
    password?: string;
    /** TLS to Redis (also implied by a rediss:// URL). */
    tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean } | boolean;
  };
  /** State checkpoints (issue 5): per partition, to the compacted checkpoint topic, in the alert transaction. */
  checkpoint: {
    /** Wall-clock time between two checkpoints of a partition; also written on revocation and shutdown. */
    intervalMs: number;
    /** Largest share of a shard's time spent on checkpoints; the interval stretches to fit (a minimum otherwise). */
    maxShardShare: number;
  };
  /** Input limits (issue 5 §4): a record over one is rejected with DRIFTWATCH_LIMIT_EXCEEDED; hits are counted. */
  limits: {
    maxMessageBytes: number;
    maxStringLength: number;
    maxFeatures: number;
    maxArrayLength: number;
    maxDepth: number;
    maxImageBytes: number;
    maxImagePixels: number;
  };
  /** Number of shard worker threads; default cores − 1, at least 1. */
  shards: number;
  /** Fetch rounds handed to a shard and not yet answered before its partitions are paused. */
  maxInFlightBatchesPerShard: number;
  windows: {
    /** A window closes every `size` input events of a (model, version). */
    size: number;
    /** Minimum values of a series in a window for it to be tested. */
    minSamples: number;
    /** Event-time lateness allowed per stream before an event counts as late and is dropped. */
    allowedLatenessMs: number;
    /**
     * An event further ahead of its partition's max event time is held until the next record of its
     * stream confirms the jump, else rejected to the DLQ (docs/detection.md "Time jumps").
     */
    maxTimeJumpMs: number;
  };
  reference: {
    mode: ReferenceMode;
    /** Values per series in the reference (first-n / trailing). */
    size: number;
    /** Baseline profile written by `driftwatch baseline` (mode `profile`). */
    profilePath?: string;
  };
  detection: {
    /** Family-wise false-alarm rate per (model, version) window, split across its tests (Bonferroni). */
    alpha: number;
    /** Minimum KS D for continuous metrics, so huge samples do not alert on trivial shifts. */
    minKsStatistic: number;
    /** Minimum absolute change of a rate (e.g. 0.05 = five percentage points). */
    minRateChange: number;
    /** Minimum Jensen-Shannon distance for categorical features. */
    minJensenShannon: number;
    /** Consecutive drifted windows before an incident fires. */
    persistence: number;
  };
  features: FeatureSpec[];
  /** Features counted by `missing_values`; absent = all keys of input.features. */
  missingFeatures?: string[];
  slices: {
    /** Segment fields used as slice dimensions; absent = every field of `segment`. */
    dimensions?: string[];
    /** Distinct values per field per model before further values fold into `__other__`. */
    maxValuesPerField: number;
    /** Distinct slice values per model over all fields before further values fold into `__other__`. */
    maxValuesPerModel: number;
  };
  models: {
    /** Distinct model ids per partition before further ids fold into model `__other__`. */
    maxModels: number;
    /** Distinct versions per model per partition before further versions fold into version `__other__`. */
    maxVersionsPerModel: number;
    /** A version without inputs or outputs for this long (event time) is forgotten with its series. */
    idleTtlMs: number;
  };
  redo: { windowMs: number };
  join: { ttlMs: number; maxPending: number };
  alerts: {
    resolveAfterCleanWindows: number;
    /** Windows after a resolve during which the same series cannot fire again. */
    cooldownWindows: number;
  };
  retrain: {
    queue: string;
    minIntervalMs: number;
    command?: string;
    webhook?: string;
    attempts: number;
    /** First retry delay of a failed retraining job (exponential: backoffMs, 2·backoffMs, …). Default 5,000 ms. */
    backoffMs: number;
  };
  ops: { host: string; port: number; token?: string };
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
  shutdownTimeoutMs: number;
}
