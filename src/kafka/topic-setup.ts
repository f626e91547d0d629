/**
 * Start-up topic checks: the service's output topics (alerts, DLQ) and any missing input topic are
 * created with the inputs' partition count (so that alerts of partition p can stay on partition p
 * and the co-partitioning requirement holds), and the call waits for their leaders: kafkajs fails
 * to subscribe to a topic whose leader is not known yet.
 *
 * Issue 5 adds two compacted topics: the checkpoint topic (checkpoint of partition index p on its
 * partition p, so it needs at least the inputs' partition count) and the retraining outbox.
 */
import { ConfigResourceTypes, type Admin, type ITopicConfig } from 'kafkajs';
import type { Logger } from 'pino';
import { DriftwatchError } from '../../detectors/errors';
import { CHECKPOINT_CHUNK_BYTES } from './checkpoint-store';
import type { DriftwatchConfig } from '../config/config-types';
import type { TopicRole } from '../pipeline/records';

/** Topic name → role for the topics the consumer reads; an empty feedback name means no feedback topic. */
export function sourceTopics(config: Readonly<DriftwatchConfig>): Map<string, TopicRole> {
  const topics = new Map<string, TopicRole>();
  topics.set(config.kafka.topics.inputs, 'inputs');
  topics.set(config.kafka.topics.outputs, 'outputs');
  if (config.kafka.topics.feedback !== '') topics.set(config.kafka.topics.feedback, 'feedback');
  return topics;
}

export interface TopicLayout {
  /** Partition count of each source topic after set-up. */
  partitions: Record<string, number>;
  coPartitioned: boolean;
}

/**
 * Topic configs of a checkpoint topic the service creates. Only created topics get them: an
 * existing topic is the operator's (its partition count is checked, its cleanup policy warned about).
 */
export const CHECKPOINT_TOPIC_CONFIG: Readonly<Record<string, string>> = {
  // Chunk i of partition p has key `p/i`: compaction keeps the newest checkpoint of every partition
  // and drops the superseded ones (and aborted transactions' records); never delete by age, a
  // service stopped for a week must still find its state.
  'cleanup.policy': 'compact',
  // The broker's record limit applies to a whole record BATCH, and kafkajs writes all messages of one
  // send to one partition as one batch: a checkpoint (all its 512 KiB chunks) must fit. 64 MiB of
  // gzipped snapshot is far above the measured sizes; segment.bytes (1 GiB default) stays above it.
  'max.message.bytes': String(64 * 1024 * 1024),
  // The cleaner never touches the active segment, and a segment is only closed after segment.ms
  // (7 days by default) or segment.bytes (1 GiB): on a small topic every checkpoint of a week would
  // stay. Rolling every 10 minutes lets superseded checkpoints go within about that time.
  'segment.ms': String(10 * 60 * 1000),
  // Cleaning starts once this share of the log is superseded (default 0.5). Every new checkpoint
  // supersedes the previous one of its partition, so this is reached quickly; 0.1 bounds the topic
  // to about one checkpoint per partition plus a little instead of up to twice that.
  'min.cleanable.dirty.ratio': '0.1',
  // KIP-354: a segment is eligible for cleaning at the latest an hour after its first record even
  // when the dirty ratio is not reached (e.g. one partition checkpointing often, the others not).
  'max.compaction.lag.ms': String(60 * 60 * 1000),
};

/**
 * Topic configs of a retraining outbox the service creates: key = incident id, so compaction keeps
 * one record per incident (a re-sent trigger replaces its earlier copy); the relay reads it with a
 * consumer group of its own, delivers idempotently by job id = incident id, and then tombstones the
 * key, so compaction also drops delivered triggers (tombstones go after the broker's default
 * `delete.retention.ms`, a day). Compaction only, no time retention: an undelivered trigger waits
 * for Redis however long the outage lasts.
 */
export const RETRAIN_OUTBOX_TOPIC_CONFIG: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'segment.ms': String(60 * 60 * 1000),
};

function configEntries(config: Readonly<Record<string, string>>): { name: string; value: string }[] {
  return Object.entries(config).map(([name, value]) => ({ name, value }));
}

export async function ensureTopics(admin: Admin, config: Readonly<DriftwatchConfig>, logger: Logger): Promise<TopicLayout> {
  const sources = [...sourceTopics(config).keys()];
  const checkpoints = config.kafka.topics.checkpoints;
  const outbox = config.kafka.topics.retrainOutbox;
  const outputs = [config.kafka.topics.alerts, config.kafka.topics.dlq, checkpoints, outbox];
  const existing = new Set(await admin.listTopics());
  const counts: Record<string, number> = {};
  let checkpointPartitions: number | undefined;
  const present = [...sources, checkpoints].filter((t) => existing.has(t));
  if (present.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: present });
    for (const t of metadata.topics) {
      if (t.name === checkpoints) checkpointPartitions = t.partitions.length;
      else counts[t.name] = t.partitions.length;
    }
  }
  // The reference count is the inputs topic's, else the largest existing source topic's, else 1.
  const reference = counts[config.kafka.topics.inputs] ?? Math.max(1, ...Object.values(counts));
  if (checkpointPartitions !== undefined) await checkExistingCheckpointTopic(admin, checkpoints, checkpointPartitions, reference, logger);
  const missing = [...new Set([...sources, ...outputs])].filter((t) => !existing.has(t));
  if (missing.length > 0) {
    logger.info({ topics: missing, numPartitions: reference }, 'creating missing topics');
    const specs = missing.map((topic): ITopicConfig => {
      if (topic === checkpoints) return { topic, numPartitions: reference, configEntries: configEntries(CHECKPOINT_TOPIC_CONFIG) };
      if (topic === outbox) return { topic, numPartitions: reference, configEntries: configEntries(RETRAIN_OUTBOX_TOPIC_CONFIG) };
      return { topic, numPartitions: reference };
    });
    // createTopics answers false (no throw) when another instance created them meanwhile.
    await admin.createTopics({ topics: specs, waitForLeaders: true });
    for (const t of missing) if (sources.includes(t)) counts[t] = reference;
  }
  const values = sources.map((t) => counts[t]);
  const coPartitioned = values.every((v) => v === values[0]);
  if (!coPartitioned) {
    logger.error(
      { code: 'DRIFTWATCH_TOPICS_NOT_COPARTITIONED', partitions: counts },
      'the inputs, outputs and feedback topics must have the same partition count (and the same keying by model_id) for outputs and feedback to meet their inputs',
    );
  }
  return { partitions: counts, coPartitioned };
}

/**
 * An existing checkpoint topic must have a partition for every partition index of the inputs
 * (more is harmless: they stay empty). Fewer cannot be fixed silently: adding partitions is the
 * operator's decision (and deleting the topic loses every checkpoint), so start-up fails with the fix.
 */
async function checkExistingCheckpointTopic(admin: Admin, topic: string, partitions: number, needed: number, logger: Logger): Promise<void> {
  if (partitions < needed) {
    throw new DriftwatchError(
      'DRIFTWATCH_CHECKPOINT_TOPIC_TOO_FEW_PARTITIONS',
      `the checkpoint topic ${topic} has ${partitions} partition(s) but the inputs have ${needed}: add partitions ` +
        `(kafka-topics.sh --alter --topic ${topic} --partitions ${needed}), or delete the topic to let driftwatch create it (its checkpoints are lost)`,
      { details: { topic, partitions, needed } },
    );
  }
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy', 'max.message.bytes'] }],
    });
    const entries = described.resources[0]?.configEntries ?? [];
    const policy = entries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? '';
    const maxMessageBytes = Number(entries.find((e) => e.configName === 'max.message.bytes')?.configValue ?? NaN);
    // A chunk is one record batch of ≤ 512 KiB plus key, headers and batch overhead (well under 1 KiB).
    if (maxMessageBytes < CHECKPOINT_CHUNK_BYTES + 4096) {
      logger.warn({ topic, maxMessageBytes, needed: CHECKPOINT_CHUNK_BYTES + 4096 }, 'the checkpoint topic\'s max.message.bytes is below one checkpoint chunk: writing checkpoints will fail');
    }
    if (!policy.split(',').includes('compact')) {
      logger.warn({ topic, cleanupPolicy: policy }, 'the checkpoint topic is not compacted: old checkpoints pile up, or the latest is deleted by retention while the service is down');
    } else if (policy.split(',').includes('delete')) {
      logger.warn({ topic, cleanupPolicy: policy }, 'the checkpoint topic also deletes by retention: a service stopped for longer than retention.ms loses its checkpoints');
    }
  } catch (e) {
    logger.warn({ err: e, topic }, 'could not read the checkpoint topic config (not authorised to describe configs?)');
  }
}
