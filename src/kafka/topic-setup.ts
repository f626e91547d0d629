/**
 * Start-up topic checks: the service's output topics (alerts, DLQ) and any missing input topic are
 * created with the inputs' partition count (so that alerts of partition p can stay on partition p
 * and the co-partitioning requirement holds), and the call waits for their leaders: kafkajs fails
 * to subscribe to a topic whose leader is not known yet.
 */
import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
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

export async function ensureTopics(admin: Admin, config: Readonly<DriftwatchConfig>, logger: Logger): Promise<TopicLayout> {
  const sources = [...sourceTopics(config).keys()];
  const outputs = [config.kafka.topics.alerts, config.kafka.topics.dlq];
  const existing = new Set(await admin.listTopics());
  const counts: Record<string, number> = {};
  const present = sources.filter((t) => existing.has(t));
  if (present.length > 0) {
    const metadata = await admin.fetchTopicMetadata({ topics: present });
    for (const t of metadata.topics) counts[t.name] = t.partitions.length;
  }
  // The reference count is the inputs topic's, else the largest existing source topic's, else 1.
  const reference = counts[config.kafka.topics.inputs] ?? Math.max(1, ...Object.values(counts));
  const missing = [...sources, ...outputs].filter((t) => !existing.has(t));
  if (missing.length > 0) {
    logger.info({ topics: missing, numPartitions: reference }, 'creating missing topics');
    // createTopics answers false (no throw) when another instance created them meanwhile.
    await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: reference })), waitForLeaders: true });
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
