import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { DriftwatchConfig } from './config-types';

/**
 * The one declaration of every configuration option: its type, valid range, default and meaning.
 * `loadConfig` parses the merged layers (file < env < flags) with this schema once, so a value the
 * user did not give takes the default declared here. The option table in docs/configuration.md,
 * the env-var names and the error messages are all derived from this declaration
 * (src/config/config-options.ts), and test/unit/config.test.ts keeps the docs in sync.
 *
 * Objects are strict: an unknown key (a typo) is an error, never silently ignored.
 * Nested sections use `prefault({})` so that an absent section is parsed as `{}` and its own
 * defaults apply.
 */

/** `host:port`, with an IPv6 host in brackets. */
const BROKER = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/;
/** Kafka's legal topic names. */
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;

const int = (min: number, max?: number) => (max === undefined ? z.number().int().min(min) : z.number().int().min(min).max(max));
const topic = (fallback: string, description: string) =>
  z.string().regex(TOPIC, 'a Kafka topic name: 1-249 of [A-Za-z0-9._-]').default(fallback).describe(description);

/** cores − 1, at least 1: the main thread keeps one core for Kafka I/O. */
export function defaultShardCount(): number {
  return Math.max(1, availableParallelism() - 1);
}

const tlsFiles = z.strictObject({
  ca: z.string().optional().describe('CA certificate(s) to trust: PEM text, or the path of a PEM file (read at start).'),
  cert: z.string().optional().describe('Client certificate (mutual TLS): PEM text, or the path of a PEM file.'),
  key: z.string().optional().describe('Client private key, unencrypted (secret; redacted): PEM text, or the path of a PEM file.'),
  rejectUnauthorized: z.boolean().optional().describe('Verify the server certificate (TLS default: true).'),
});

const kafkaSchema = z.strictObject({
  brokers: z
    .array(z.string().regex(BROKER, 'host:port'))
    .min(1)
    .default(['127.0.0.1:9092'])
    .describe('Bootstrap brokers, `host:port` each (env: comma-separated). The plain KAFKA_BROKERS variable is the test harness\'s, never this option.'),
  clientId: z.string().min(1).default('driftwatch').describe('kafkajs client id, shown in broker logs and quotas.'),
  groupId: z
    .string()
    .min(1)
    .default('driftwatch')
    .describe('Consumer group; instances with the same group id share the partitions (horizontal scale).'),
  topics: z
    .strictObject({
      inputs: topic('inference.inputs', 'Input events (one per request), key = model_id.'),
      outputs: topic('inference.outputs', 'Output events (one per response), co-partitioned with the inputs.'),
      feedback: topic('inference.feedback', 'Optional user feedback (redo, switch_to_typing, labels), co-partitioned.'),
      alerts: topic('drift.alerts', 'Where drift alerts are produced (DESIGN §2.2), key = model_id.'),
      dlq: topic('driftwatch.dlq', 'Dead-letter topic for records that fail decoding or validation.'),
      checkpoints: topic('driftwatch.checkpoints', 'Compacted topic holding per-partition state checkpoints (created with as many partitions as the inputs).'),
      retrainOutbox: topic(
        'driftwatch.retrain-outbox',
        'Retraining triggers written in the alert transaction and relayed to BullMQ afterwards (the outbox), key = incident id.',
      ),
    })
    .prefault({})
    .describe('Topic names; the roles are fixed, the names are yours.'),
  format: z
    .enum(['auto', 'json', 'avro', 'confluent-avro'])
    .default('auto')
    .describe('Wire format of the input topics; `auto` tells JSON, Confluent-framed Avro and plain Avro apart per record.'),
  schemaIds: z
    .record(z.string().regex(/^\d+$/, 'a numeric schema id'), z.string().min(1))
    .default({})
    .describe(
      'Confluent schema id → `.avsc` file, e.g. `{"7": "schemas/inference-input.avsc"}` (env: JSON). Relative paths are resolved against the config file folder (the working directory for env/flags); the effective config holds absolute paths.',
    ),
  fetchMaxWaitMs: int(0, 60_000)
    .default(100)
    .describe('How long a fetch waits for data (kafkajs maxWaitTimeInMs); lower = lower alert latency, more requests.'),
  alertFormat: z.enum(['json', 'avro']).default('json').describe('Encoding of alert records: JSON, or Avro with schemas/drift-alert.avsc.'),
  ssl: z
    .union([
      z.boolean(),
      tlsFiles,
    ])
    .optional()
    .describe('TLS to the brokers: `true` for TLS with the system CAs, or an object; absent = PLAINTEXT.'),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).describe('SASL mechanism.'),
      username: z.string().min(1).describe('SASL user name.'),
      password: z.string().describe('SASL password (secret; redacted).'),
    })
    .optional()
    .describe('SASL authentication; absent = none.'),
  sessionTimeoutMs: int(6000, 300_000)
    .default(30_000)
    .describe(
      'Consumer-group session timeout: how long the group waits for a member that stopped heartbeating (a crashed instance) before its partitions move. Lower = faster take-over after a crash, but a member stalled longer than this (long GC, overloaded host) is dropped. Must lie within the broker\'s group.min/max.session.timeout.ms (6 s – 30 min by default).',
    ),
  commitIntervalMs: int(10, 600_000)
    .default(1000)
    .describe('A partition whose batches produced no alerts commits its offsets (in a transaction) at most this often; batches with alerts commit at once.'),
});


export const configSchema = z
  .strictObject({
    kafka: kafkaSchema.prefault({}).describe('Kafka connection, topics and formats.'),
    redis: z
      .strictObject({
        url: z
          .string()
          .regex(/^rediss?:\/\/.+/, 'a redis:// or rediss:// URL')
          .optional()
          .describe(
            'Redis for the BullMQ retraining queue, `redis://[user:password@]host:port[/db]` (password redacted); absent = retraining triggers off. The plain REDIS_URL variable is the test harness\'s, never this option.',
          ),
        password: z.string().min(1).optional().describe('Redis AUTH password when it is not in the URL (secret; redacted).'),
        tls: z
          .union([z.boolean(), tlsFiles])
          .optional()
          .describe('TLS to Redis: `true` for TLS with the system CAs, or an object; a rediss:// URL implies `true`.'),
      })
      .prefault({})
      .describe('Redis connection.'),
    shards: int(1, 1024)
      .default(defaultShardCount)
      .meta({
        description: 'Number of shard worker threads; default cores − 1, at least 1 (os.availableParallelism()).',
        // Shown in docs instead of this machine's value.
        defaultText: 'max(1, cores − 1)',
      }),
    maxInFlightBatchesPerShard: int(1, 1024)
      .default(4)
      .describe('Fetch rounds (one hand-over per partition index of the shard) a shard may have queued before its partitions are paused (bounded memory under backpressure).'),
    checkpoint: z
      .strictObject({
        intervalMs: int(100, 3_600_000)
          .default(10_000)
          .describe('Wall-clock time between two state checkpoints of a partition (written in the transaction of its alerts); also written when a partition is revoked and at shutdown. A minimum: see maxShardShare.'),
        maxShardShare: z
          .number()
          .gt(0)
          .max(1)
          .default(0.05)
          .describe("Largest share of a shard's time spent on checkpoints: when its partitions' snapshots (measured) would take more at intervalMs, their interval is stretched to fit. 1 = never stretch."),
      })
      .prefault({})
      .describe('State checkpoints to the compacted checkpoint topic (restart and rebalance resume from them).'),
    limits: z
      .strictObject({
        maxMessageBytes: int(1).default(1024 * 1024).describe('Raw message value size in bytes; larger records go to the DLQ.'),
        maxStringLength: int(1).default(64 * 1024).describe('Length of any string read from a record (UTF-16 units), except image data.'),
        maxFeatures: int(1).default(256).describe('Keys in `input.features` (and fields in `segment`).'),
        maxArrayLength: int(1).default(4096).describe('Elements of any array read from a record (e.g. a list `prediction`).'),
        maxDepth: int(1).default(16).describe('Nesting depth of the values read; the record itself is depth 1.'),
        maxImageBytes: int(1).default(8 * 1024 * 1024).describe('Decoded size of `input.image.data` in bytes.'),
        maxImagePixels: int(1).default(4 * 1024 * 1024).describe('Pixels (width × height) of an image decoded for brightness (guard against decompression bombs).'),
      })
      .prefault({})
      .describe('Input limits: a record over one is rejected to the DLQ with DRIFTWATCH_LIMIT_EXCEEDED (metric driftwatch_limit_hits_total).'),
    windows: z
      .strictObject({
        size: int(1).default(1000).describe('A window closes every `size` input events of a (model, version).'),
        minSamples: int(1).default(100).describe('Minimum values of a series in a window for it to be tested.'),
        allowedLatenessMs: int(0)
          .default(2000)
          .describe('Event-time lateness allowed per topic-partition; older events are counted as late and dropped.'),
        maxTimeJumpMs: int(1)
          .default(60 * 60 * 1000)
          .describe(
            'An event more than this far ahead of its partition\'s latest event time is held until the next record of its topic-partition confirms the jump, else rejected (DLQ, DRIFTWATCH_TS_OUT_OF_RANGE): one wrong timestamp cannot make the events after it late.',
          ),
      })
      .prefault({})
      .describe('Event-time windows.'),
    reference: z
      .strictObject({
        mode: z
          .enum(['first-n', 'profile', 'trailing'])
          .default('first-n')
          .describe('`first-n`: the first `size` values of a model version; `profile`: a baseline file; `trailing`: a trailing window.'),
        size: int(1).default(5000).describe('Values per series in the reference (modes first-n and trailing).'),
        profilePath: z
          .string()
          .min(1)
          .optional()
          .describe('Baseline profile written by `driftwatch baseline` (required by mode `profile`; resolved like schemaIds).'),
      })
      .prefault({})
      .describe('What a window is compared with.'),
    detection: z
      .strictObject({
        alpha: z
          .number()
          .gt(0)
          .lt(1)
          .default(0.01)
          .describe('Family-wise false-alarm rate per (model, version) window, split across its tests (Bonferroni).'),
        minKsStatistic: z
          .number()
          .min(0)
          .max(1)
          .default(0.07)
          .describe('Minimum KS D for continuous metrics, so huge samples do not alert on trivial shifts (0.07: below what a 1,000-event test detects reliably; see docs/detection.md).'),
        minRateChange: z
          .number()
          .min(0)
          .max(1)
          .default(0.02)
          .describe('Minimum absolute change of a rate (0.02 = two percentage points; a 3% → 8% null-output shift must pass it with margin).'),
        minJensenShannon: z
          .number()
          .min(0)
          .max(1)
          .default(0.05)
          .describe('Minimum Jensen-Shannon distance (base 2) for categorical features.'),
        persistence: int(1)
          .default(2)
          .describe('Consecutive drifted windows before an incident fires (2: Bonferroni bounds false alarms per window, not across windows).'),
      })
      .prefault({})
      .describe('Detection policy (false-alarm control).'),
    features: z
      .array(
        z.strictObject({
          name: z.string().min(1).describe('Key in `input.features`.'),
          type: z.enum(['numeric', 'categorical']).describe('numeric → two-sample tests; categorical → chi-square / Jensen-Shannon.'),
        }),
      )
      .default([])
      .describe('User-named input features monitored as `feature:<name>`, e.g. `[{"name": "snr_db", "type": "numeric"}]` (env: JSON).'),
    missingFeatures: z
      .array(z.string().min(1))
      .optional()
      .describe('Features counted by `missing_values`; absent = all keys of `input.features` (env: comma-separated).'),
    slices: z
      .strictObject({
        dimensions: z
          .array(z.string().min(1))
          .optional()
          .describe('Segment fields used as slice dimensions; absent = every field of `segment` (env: comma-separated).'),
        maxValuesPerField: int(1)
          .default(20)
          .describe('Distinct values per field per model before further values fold into `__other__`.'),
        maxValuesPerModel: int(1)
          .default(100)
          .describe('Distinct slice values per model over all fields before further values fold into `__other__`.'),
      })
      .prefault({})
      .describe('Slices (audits by segment).'),
    models: z
      .strictObject({
        maxModels: int(1)
          .default(100)
          .describe('Distinct model ids per partition before further ids fold into model `__other__`.'),
        maxVersionsPerModel: int(1)
          .default(20)
          .describe('Distinct versions per model per partition before further versions fold into version `__other__`.'),
        idleTtlMs: int(1)
          .default(604_800_000)
          .describe('A model version without inputs or outputs for this long (event time) is forgotten with its series, freeing its place; ≥ join.ttlMs and redo.windowMs.'),
      })
      .prefault({})
      .describe('Model ids and versions tracked per partition (bounded memory).'),
    redo: z
      .strictObject({
        windowMs: int(1).default(30_000).describe('A new input from the same session within this time counts as a redo of the previous one.'),
      })
      .prefault({})
      .describe('Redo derivation without feedback.'),
    join: z
      .strictObject({
        ttlMs: int(1).default(60_000).describe('How long (event time) an input waits for its output/feedback; later ones are orphans.'),
        maxPending: int(1).default(100_000).describe('Pending inputs per shard partition before the oldest are evicted (bounded memory).'),
      })
      .prefault({})
      .describe('Request join of outputs and feedback to inputs by request_id.'),
    alerts: z
      .strictObject({
        resolveAfterCleanWindows: int(1).default(3).describe('Clean windows after which a firing incident resolves.'),
        cooldownWindows: int(0).default(3).describe('Windows after a resolve during which the same series cannot fire again.'),
      })
      .prefault({})
      .describe('Incident lifecycle.'),
    retrain: z
      .strictObject({
        queue: z
          .string()
          .regex(/^[^:\s]+$/, 'a queue name without ":" or spaces')
          .default('driftwatch-retrain')
          .describe('BullMQ queue of retraining jobs (job id = incident id).'),
        minIntervalMs: int(0).default(3_600_000).describe('Minimum time between two retraining jobs of the same model.'),
        command: z
          .string()
          .min(1)
          .optional()
          .describe('Shell command the retrain worker runs per job (job JSON on stdin); absent = no command.'),
        webhook: z
          .string()
          .regex(/^https?:\/\/.+/, 'an http:// or https:// URL')
          .optional()
          .describe('URL the retrain worker POSTs each job to (credentials in the URL are redacted); absent = no webhook.'),
        attempts: int(1).default(3).describe('Attempts per job (exponential backoff) before it is marked failed.'),
        backoffMs: int(0).default(5_000).describe('First retry delay of a failed job; later retries double it (5 s, 10 s, 20 s, …).'),
      })
      .prefault({})
      .describe('Retraining triggers.'),
    ops: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1').describe('Address the ops HTTP server binds to (loopback by default; 0.0.0.0 exposes it).'),
        port: int(0, 65_535).default(9464).describe('Ops HTTP port (/livez, /readyz, /metrics); 0 = an ephemeral port.'),
        token: z
          .string()
          .min(1)
          .optional()
          .describe('Bearer token required by /readyz and /metrics (secret; redacted); absent = open. /livez stays open.'),
      })
      .prefault({})
      .describe('Ops HTTP server.'),
    log: z
      .strictObject({
        level: z
          .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
          .default('info')
          .describe('pino log level (JSON lines on stdout).'),
      })
      .prefault({})
      .describe('Logging.'),
    shutdownTimeoutMs: int(1)
      .default(30_000)
      .describe('Hard limit for the graceful shutdown (stop fetching, drain, commit, close); past it the process exits 1.'),
  })
  .superRefine((c, ctx) => {
    // Cross-field rules: each names the path the user has to change.
    if (c.windows.minSamples > c.windows.size) {
      ctx.addIssue({
        code: 'custom',
        path: ['windows', 'minSamples'],
        message: `must be ≤ windows.size (${c.windows.size}); a window could never be tested`,
      });
    }
    if (c.reference.mode === 'profile' && c.reference.profilePath === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reference', 'profilePath'], message: 'is required when reference.mode is "profile"' });
    }
    // A forgotten version must have no open requests left (model-registry.ts).
    const joinTtlMs = Math.max(c.join.ttlMs, c.redo.windowMs);
    if (c.models.idleTtlMs < joinTtlMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['models', 'idleTtlMs'],
        message: `must be ≥ join.ttlMs and redo.windowMs (${joinTtlMs}); a version could be forgotten while requests of it are still open`,
      });
    }
    const seen = new Set<string>();
    c.features.forEach((f, i) => {
      if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: `duplicate feature "${f.name}"` });
      seen.add(f.name);
    });
  });

/** The type the schema produces. */
export type ParsedConfig = z.output<typeof configSchema>;

// Compile-time proof that the schema produces exactly the shared contract type (both directions).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesContract: Same<ParsedConfig, DriftwatchConfig> = true;
void schemaMatchesContract;
