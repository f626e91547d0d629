import { Writable } from 'node:stream';
import type { Admin, Kafka, Producer } from 'kafkajs';
import pino from 'pino';
import { jsonAlertEncoder } from '../../src/kafka/alert-encoding';
import { CheckpointReader } from '../../src/kafka/checkpoint-store';
import { recoverPartitions, type RecoveryContext } from '../../src/kafka/partition-recovery';
import { ShardPool } from '../../src/shards/shard-pool';
import { useKafkaClients } from '../harness/env';
import { createSourceTopics, testServiceConfig, uniqueTopics } from './runtime-fixtures';

jest.setTimeout(120_000);

// The take-over on the real broker when the committed offsets it reads back are older than what
// this instance itself committed last (the broker applies a transaction's offsets to offset
// fetches a little after the commit; see docs/operations.md, "Committed offsets read back late").
// The stale answer is made deterministic here: the group's offsets are set behind the commit the
// instance says it made.
describe('partition take-over (real broker)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  useKafkaClients((c) => ({ kafka, admin, producer } = c));

  it("resumes from the instance's own last commit when the offsets read back are behind it, and from the read-back offsets otherwise", async () => {
    const topics = uniqueTopics('recovery');
    await createSourceTopics(admin, topics, 1);
    const config = testServiceConfig(topics, { shards: 1 });
    const value = (i: number): string => JSON.stringify({ request_id: `r-${i}`, model_id: 'm', model_version: 'v', ts: 1_763_800_000_000 + i, input: { length: 3 } });
    await producer.send({ topic: topics.inputs, messages: Array.from({ length: 10 }, (_, i) => ({ value: value(i), partition: 0 })) });
    await producer.send({ topic: topics.outputs, messages: Array.from({ length: 10 }, (_, i) => ({ value: JSON.stringify({ request_id: `r-${i}`, model_id: 'm', model_version: 'v', ts: 1_763_800_000_001 + i, output: { prediction: 'x' } }), partition: 0 })) });
    // What the broker answers: inputs at 2, outputs never committed.
    await admin.setOffsets({ groupId: config.kafka.groupId, topic: topics.inputs, partitions: [{ partition: 0, offset: '2' }] });

    const warnings: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        const line = JSON.parse(chunk.toString()) as Record<string, unknown>;
        if (line.level === 40) warnings.push(line);
        done();
      },
    });
    const logger = pino({ level: 'warn' }, sink);
    const pool = new ShardPool(config, { logger });
    const ctx: RecoveryContext = {
      kafka,
      admin,
      config,
      pool,
      reader: new CheckpointReader(kafka, config, logger),
      logger,
      encodeAlert: jsonAlertEncoder,
      sourceTopics: [topics.inputs, topics.outputs, topics.feedback],
      owns: () => true,
    };
    try {
      await pool.ready();
      // This instance committed inputs 7 and outputs 5 (a shard crash: the partition never left it).
      const own = new Map([[0, { committed: { [topics.inputs]: 7, [topics.outputs]: 5 }, pointer: null }]]);
      const [ahead] = await recoverPartitions(ctx, [0], own);
      expect(ahead?.committed).toEqual({ [topics.inputs]: 7, [topics.outputs]: 5 });
      expect(ahead?.resume).toEqual({ [topics.inputs]: 7, [topics.outputs]: 5, [topics.feedback]: 0 });
      expect(ahead?.tx.committed).toEqual({ [topics.inputs]: 7, [topics.outputs]: 5 });
      expect(warnings.filter((w) => /behind the last commit of this instance/.test(String(w.msg)))).toHaveLength(1);
      await ahead?.tx.close();

      // Own commit behind what the broker returns (or absent): the broker's answer stands, no warning.
      const behind = new Map([[0, { committed: { [topics.inputs]: 1 }, pointer: null }]]);
      const [readBack] = await recoverPartitions(ctx, [0], behind);
      expect(readBack?.committed).toEqual({ [topics.inputs]: 2 });
      expect(readBack?.resume).toEqual({ [topics.inputs]: 2, [topics.outputs]: 0, [topics.feedback]: 0 });
      await readBack?.tx.close();
      const [fresh] = await recoverPartitions(ctx, [0]);
      expect(fresh?.resume).toEqual({ [topics.inputs]: 2, [topics.outputs]: 0, [topics.feedback]: 0 });
      await fresh?.tx.close();
      expect(warnings.filter((w) => /behind the last commit of this instance/.test(String(w.msg)))).toHaveLength(1);
    } finally {
      await pool.close();
      await admin.deleteTopics({ topics: [topics.inputs, topics.outputs, topics.feedback] }).catch(() => undefined);
    }
  });
});
