import type { Admin, Kafka, Producer } from 'kafkajs';
import pino from 'pino';
import { jsonAlertEncoder } from '../../src/kafka/alert-encoding';
import { CheckpointReader } from '../../src/kafka/checkpoint-store';
import { recoverPartitions, type RecoveryContext } from '../../src/kafka/partition-recovery';
import { transactionalIdOf } from '../../src/kafka/partition-transactions';
import { StableOffsetReader } from '../../src/kafka/stable-offset-fetch';
import { ShardPool } from '../../src/shards/shard-pool';
import { createTopics, uniqueName, useKafkaClients } from '../harness/env';
import { createSourceTopics, testServiceConfig, uniqueTopics } from './runtime-fixtures';

jest.setTimeout(180_000);

// The broker applies a completed transaction's offsets to what a plain OffsetFetch returns a little
// later (docs/operations.md, "Committed offsets read back late"); StableOffsetReader asks with
// require_stable and waits while they are pending. These tests run on the real broker.
describe('stable committed offsets (real broker)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  useKafkaClients((c) => ({ kafka, admin, producer } = c));
  const logger = pino({ level: 'warn' }, pino.destination(2));

  it('waits while a transaction holds offsets pending, returns them with their metadata once it commits, and gives up with a retryable code after maxWaitMs', async () => {
    const topic = uniqueName('stable-offsets');
    const groupId = uniqueName('stable-offsets-group');
    await createTopics(admin, [{ topic, numPartitions: 2 }]);
    const reader = new StableOffsetReader(kafka, logger);
    const impatient = new StableOffsetReader(kafka, logger, 300);
    await Promise.all([reader.connect(), impatient.connect()]);
    const tp = kafka.producer({ transactionalId: uniqueName('stable-offsets-tx'), idempotent: true, maxInFlightRequests: 1 });
    await tp.connect();
    try {
      const nothing = await reader.fetch(groupId, [{ topic, partitions: [0, 1] }]);
      expect(nothing).toEqual([{ topic, partitions: [expect.objectContaining({ partition: 0, offset: '-1' }), expect.objectContaining({ partition: 1, offset: '-1' })] }]);

      const tx = await tp.transaction();
      const withMetadata = { partition: 0, offset: '5', metadata: 'five' }; // kafkajs sends it; its typings omit it
      await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [withMetadata] }] });
      // Pending: a plain read does not see it, the stable read does not answer yet.
      const plain = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(plain[0]?.partitions.find((p) => p.partition === 0)?.offset).toBe('-1');
      await expect(impatient.fetch(groupId, [{ topic, partitions: [0] }])).rejects.toMatchObject({ code: 'DRIFTWATCH_OFFSETS_UNSTABLE', retryable: true });

      const reading = reader.fetch(groupId, [{ topic, partitions: [0, 1] }]).then((answer) => ({ answer, at: Date.now() }));
      await new Promise((r) => setTimeout(r, 300));
      await tx.commit();
      const committedAt = Date.now();
      const { answer, at } = await reading;
      expect(at).toBeGreaterThanOrEqual(committedAt);
      expect(answer).toEqual([{ topic, partitions: [{ partition: 0, offset: '5', metadata: 'five' }, { partition: 1, offset: '-1', metadata: '' }] }]);
    } finally {
      await tp.disconnect();
      await Promise.all([reader.disconnect(), impatient.disconnect()]);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    }
  });

  it('a take-over right after another owner committed resumes from that commit (25 rounds)', async () => {
    const topics = uniqueTopics('recovery');
    await createSourceTopics(admin, topics, 1);
    const config = testServiceConfig(topics, { shards: 1 });
    await producer.send({ topic: topics.inputs, messages: Array.from({ length: 100 }, (_, i) => ({ value: `{"i":${i}}`, partition: 0 })) });
    const pool = new ShardPool(config, { logger });
    const offsets = new StableOffsetReader(kafka, logger);
    const ctx: RecoveryContext = {
      kafka,
      admin,
      offsets,
      config,
      pool,
      reader: new CheckpointReader(kafka, config, logger),
      logger,
      encodeAlert: jsonAlertEncoder,
      sourceTopics: [topics.inputs, topics.outputs, topics.feedback],
      owns: () => true,
    };
    let stalePlainReads = 0;
    try {
      await Promise.all([pool.ready(), offsets.connect()]);
      for (let round = 1; round <= 25; round++) {
        // The previous owner of partition 0 (same transactional id) commits inputs at 4·round …
        const previous = kafka.producer({ transactionalId: transactionalIdOf(config, 0), idempotent: true, maxInFlightRequests: 1 });
        await previous.connect();
        const tx = await previous.transaction();
        await tx.sendOffsets({ consumerGroupId: config.kafka.groupId, topics: [{ topic: topics.inputs, partitions: [{ partition: 0, offset: String(4 * round) }] }] });
        await tx.commit();
        // … and this instance takes partition 0 over at once (its init fences the previous owner).
        const [plain, [taken]] = await Promise.all([admin.fetchOffsets({ groupId: config.kafka.groupId, topics: [topics.inputs] }), recoverPartitions(ctx, [0])]);
        if (plain[0]?.partitions[0]?.offset !== String(4 * round)) stalePlainReads++;
        expect(taken?.committed).toEqual({ [topics.inputs]: 4 * round });
        expect(taken?.resume).toEqual({ [topics.inputs]: 4 * round, [topics.outputs]: 0, [topics.feedback]: 0 });
        await taken?.tx.close();
        await previous.disconnect().catch(() => undefined);
      }
      // Informational: how often a plain OffsetFetch at the same moment missed the commit.
      process.stderr.write(`plain OffsetFetch missed the latest commit in ${stalePlainReads} of 25 rounds\n`);
    } finally {
      await pool.close();
      await offsets.disconnect();
      await admin.deleteTopics({ topics: [topics.inputs, topics.outputs, topics.feedback] }).catch(() => undefined);
    }
  });
});
