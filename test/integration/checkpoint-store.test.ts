import { randomBytes } from 'node:crypto';
import { Admin, ConfigResourceTypes, Kafka, logLevel, Producer } from 'kafkajs';
import pino from 'pino';
import { isDriftwatchError } from '../../detectors/errors';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { loadConfig } from '../../src/config/load-config';
import {
  CheckpointReader,
  checkpointMessages,
  checkpointOffsetEntry,
  checkpointPointer,
  decodeCheckpointPointer,
  type CheckpointPointer,
} from '../../src/kafka/checkpoint-store';
import { StableOffsetReader } from '../../src/kafka/stable-offset-fetch';
import { CHECKPOINT_TOPIC_CONFIG, ensureTopics } from '../../src/kafka/topic-setup';
import { createTopics, testBrokers, testKafka, uniqueName } from '../harness/env';

// The checkpoint store against the real broker: chunks written in a transaction, the pointer in the
// transaction's offset-commit metadata, read back with a read_committed consumer.

const logger = pino({ level: process.env.DEBUG_DRIFTWATCH ? 'debug' : 'warn' }, pino.destination(2));

function configFor(base: string): Readonly<DriftwatchConfig> {
  return loadConfig({
    env: {},
    overrides: {
      log: { level: 'warn' },
      kafka: {
        brokers: testBrokers(),
        clientId: uniqueName('dw-cp-test'),
        groupId: uniqueName('dw-cp-group'),
        topics: {
          inputs: `${base}.inputs`,
          outputs: `${base}.outputs`,
          feedback: `${base}.feedback`,
          alerts: `${base}.alerts`,
          dlq: `${base}.dlq`,
          checkpoints: `${base}.checkpoints`,
          retrainOutbox: `${base}.retrain-outbox`,
        },
      },
    },
  });
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isDriftwatchError(error) ? error.code : `not a coded error: ${String(error)}`).toBe(code);
  return error as Error;
}

describe('checkpoint store on the real broker', () => {
  const partitions = 3;
  let kafka: Kafka;
  let admin: Admin;
  let config: Readonly<DriftwatchConfig>;
  let reader: CheckpointReader;
  let offsets: StableOffsetReader;
  const producers: Producer[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    config = configFor(uniqueName('cp'));
    // The inputs exist with 3 partitions; ensureTopics creates everything else from that count.
    await createTopics(admin, [{ topic: config.kafka.topics.inputs, numPartitions: partitions }]);
    await ensureTopics(admin, config, logger);
    // The first group request on a fresh broker creates __consumer_offsets and the coordinator
    // answers NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE until it has loaded it; kafkajs gives up
    // on those after a few retries (admin.fetchOffsets and transaction.sendOffsets alike).
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await admin.fetchOffsets({ groupId: config.kafka.groupId, topics: [config.kafka.topics.inputs] });
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    reader = new CheckpointReader(kafka, config, logger);
    offsets = new StableOffsetReader(kafka, logger);
    await offsets.connect();
  });

  afterAll(async () => {
    await Promise.all(producers.map((p) => p.disconnect()));
    await Promise.all([admin.disconnect(), offsets.disconnect()]);
  });

  async function transactionalProducer(): Promise<Producer> {
    const producer = kafka.producer({ transactionalId: uniqueName('dw-cp-txn'), maxInFlightRequests: 1, idempotent: true });
    producers.push(producer);
    await producer.connect();
    return producer;
  }

  /** What the runtime does for a checkpoint of partition p: chunks + sendOffsets with the pointer, in one transaction. */
  async function writeCheckpoint(
    producer: Producer,
    partition: number,
    payload: Buffer,
    nextOffset: number,
    outcome: 'commit' | 'abort' = 'commit',
    requests: 'one request' | 'request per chunk' = 'one request',
  ): Promise<CheckpointPointer> {
    const transaction = await producer.transaction();
    const topic = config.kafka.topics.checkpoints;
    const messages = checkpointMessages(partition, payload);
    const sent = requests === 'one request' ? await transaction.send({ topic, messages }) : [];
    for (const message of requests === 'one request' ? [] : messages) sent.push(...(await transaction.send({ topic, messages: [message] })));
    expect(sent).toHaveLength(requests === 'one request' ? 1 : messages.length);
    const pointer = checkpointPointer(Number(sent[0]!.baseOffset), payload, { [config.kafka.topics.inputs]: nextOffset, [config.kafka.topics.outputs]: nextOffset + 1 });
    await transaction.sendOffsets({
      consumerGroupId: config.kafka.groupId,
      topics: [{ topic: config.kafka.topics.inputs, partitions: [checkpointOffsetEntry(partition, nextOffset, pointer)] }],
    });
    if (outcome === 'commit') await transaction.commit();
    else await transaction.abort();
    return pointer;
  }

  /**
   * The committed offset + pointer of `partition`, read as the service reads them (require_stable):
   * a transaction that has just committed is in the answer, one that aborted is not.
   */
  async function committedPointer(partition: number): Promise<{ offset: string; pointer: CheckpointPointer | null }> {
    const [topic] = await offsets.fetch(config.kafka.groupId, [{ topic: config.kafka.topics.inputs, partitions: [partition] }]);
    const entry = topic!.partitions.find((p) => p.partition === partition)!;
    return { offset: entry.offset, pointer: decodeCheckpointPointer(entry.metadata) };
  }

  it('creates the checkpoint topic compacted with the inputs’ partition count, and the compacted retrain outbox', async () => {
    const { checkpoints, retrainOutbox } = config.kafka.topics;
    const metadata = await admin.fetchTopicMetadata({ topics: [checkpoints, retrainOutbox] });
    for (const t of metadata.topics) expect(t.partitions).toHaveLength(partitions);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [checkpoints, retrainOutbox].map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    });
    const configs = new Map(described.resources.map((r) => [r.resourceName, new Map(r.configEntries.map((e) => [e.configName, e.configValue]))]));
    expect(configs.get(checkpoints)?.get('cleanup.policy')).toBe('compact');
    expect(Number(configs.get(checkpoints)?.get('max.message.bytes'))).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(configs.get(checkpoints)?.get('segment.ms')).toBe(String(10 * 60 * 1000));
    expect(configs.get(checkpoints)?.get('min.cleanable.dirty.ratio')).toBe('0.1');
    expect(configs.get(retrainOutbox)?.get('cleanup.policy')).toBe('compact');
    // Running it again (a restart) changes nothing and does not fail.
    await expect(ensureTopics(admin, config, logger)).resolves.toMatchObject({ coPartitioned: true });
  });

  it('keeps the issue-4 set-up: source counts only in the layout, NOT_COPARTITIONED logged, checkpoint topic sized by the inputs', async () => {
    const mixed = configFor(uniqueName('cp-mixed'));
    const { inputs, outputs, feedback, alerts, dlq, checkpoints, retrainOutbox } = mixed.kafka.topics;
    await createTopics(admin, [
      { topic: inputs, numPartitions: 2 },
      { topic: outputs, numPartitions: 3 },
    ]);
    const lines: string[] = [];
    const captured = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const layout = await ensureTopics(admin, mixed, captured);
    expect(layout).toEqual({ partitions: { [inputs]: 2, [outputs]: 3, [feedback]: 2 }, coPartitioned: false });
    expect(lines.map((l) => (JSON.parse(l) as { code?: string }).code)).toContain('DRIFTWATCH_TOPICS_NOT_COPARTITIONED');
    const metadata = await admin.fetchTopicMetadata({ topics: [alerts, dlq, checkpoints, retrainOutbox] });
    expect(Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]))).toEqual(Object.fromEntries([alerts, dlq, checkpoints, retrainOutbox].map((t) => [t, 2])));
  });

  it('refuses an existing checkpoint topic with fewer partitions than the inputs, naming the fix', async () => {
    const small = configFor(uniqueName('cp-small'));
    await createTopics(admin, [
      { topic: small.kafka.topics.inputs, numPartitions: 4 },
      { topic: small.kafka.topics.checkpoints, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ]);
    const error = await expectCode(ensureTopics(admin, small, logger), 'DRIFTWATCH_CHECKPOINT_TOPIC_TOO_FEW_PARTITIONS');
    expect(error.message).toContain(`--alter --topic ${small.kafka.topics.checkpoints} --partitions 4`);
  });

  it('warns about an existing checkpoint topic that is not compacted or whose record limit is below a chunk, and accepts more partitions', async () => {
    const deleting = configFor(uniqueName('cp-policy'));
    await createTopics(admin, [
      { topic: deleting.kafka.topics.inputs, numPartitions: 2 },
      {
        topic: deleting.kafka.topics.checkpoints,
        numPartitions: 3,
        configEntries: [
          { name: 'cleanup.policy', value: 'delete' },
          { name: 'max.message.bytes', value: '100000' },
        ],
      },
    ]);
    const lines: string[] = [];
    const captured = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    await expect(ensureTopics(admin, deleting, captured)).resolves.toMatchObject({ coPartitioned: true });
    const warnings = lines.map((l) => JSON.parse(l) as { topic?: string; cleanupPolicy?: string; maxMessageBytes?: number; msg: string });
    expect(warnings).toEqual([
      expect.objectContaining({ topic: deleting.kafka.topics.checkpoints, maxMessageBytes: 100000, msg: expect.stringContaining('below one checkpoint chunk') }),
      expect.objectContaining({ topic: deleting.kafka.topics.checkpoints, cleanupPolicy: 'delete', msg: expect.stringContaining('not compacted') }),
    ]);
  });

  it('writes a 3 MB checkpoint in a transaction with sendOffsets + metadata; admin.fetchOffsets returns the pointer; the read gives identical bytes', async () => {
    const producer = await transactionalProducer();
    const payload = randomBytes(3 * 1024 * 1024);
    const pointer = await writeCheckpoint(producer, 0, payload, 1000);
    expect(pointer.chunks).toBe(6);
    const committed = await committedPointer(0);
    expect(committed.offset).toBe('1000');
    expect(committed.pointer).toEqual(pointer);
    const read = await reader.read([{ partition: 0, pointer: committed.pointer! }]);
    expect([...read.keys()]).toEqual([0]);
    expect(read.get(0)!.equals(payload)).toBe(true);
  });

  it('reads two partitions in one session, each the newest committed checkpoint', async () => {
    const producer = await transactionalProducer();
    const older = randomBytes(700_000);
    await writeCheckpoint(producer, 1, older, 5);
    const one = randomBytes(1_500_000);
    const two = randomBytes(10); // a tiny one next to a big one
    await writeCheckpoint(producer, 1, one, 10, 'commit', 'request per chunk'); // how partition-transactions.ts sends
    await writeCheckpoint(producer, 2, two, 20);
    const p1 = (await committedPointer(1)).pointer!;
    const p2 = (await committedPointer(2)).pointer!;
    expect(p1.covered[config.kafka.topics.inputs]).toBe(10);
    const read = await reader.read([
      { partition: 1, pointer: p1 },
      { partition: 2, pointer: p2 },
    ]);
    expect(read.get(1)!.equals(one)).toBe(true);
    expect(read.get(2)!.equals(two)).toBe(true);
  });

  it('never returns an aborted checkpoint: the old pointer still reads the old payload, the aborted one is MISSING', async () => {
    const producer = await transactionalProducer();
    const old = randomBytes(1_200_000);
    const oldPointer = await writeCheckpoint(producer, 0, old, 2000);
    const aborted = randomBytes(1_200_000);
    const abortedPointer = await writeCheckpoint(producer, 0, aborted, 3000, 'abort');
    expect(abortedPointer.offset).toBeGreaterThan(oldPointer.offset);

    // Its records sit at the end of the partition, filtered out: the reader sees it reached the end
    // (past the abort marker) without finding them.
    expect((await committedPointer(0)).offset).toBe('2000');
    const started = Date.now();
    const error = await expectCode(reader.read([{ partition: 0, pointer: abortedPointer }], { timeoutMs: 20_000 }), 'DRIFTWATCH_CHECKPOINT_MISSING');
    process.stdout.write(`checkpoint-store: aborted pointer rejected in ${Date.now() - started} ms: ${error.message}\n`);
    expect((error as { retryable?: boolean }).retryable).toBe(false);

    // The abort marker is written (the reader passed it), and so is the one on __consumer_offsets
    // (one marker request per broker): the aborted transaction's offset commit and metadata never showed.
    const committed = await committedPointer(0);
    expect(committed.offset).toBe('2000');
    expect(committed.pointer).toEqual(oldPointer);
    expect((await reader.read([{ partition: 0, pointer: committed.pointer! }])).get(0)!.equals(old)).toBe(true);

    // With a committed checkpoint after it, the same pointer is just as unreadable.
    const newer = randomBytes(300_000);
    const newerPointer = await writeCheckpoint(producer, 0, newer, 4000);
    await expectCode(reader.read([{ partition: 0, pointer: abortedPointer }], { timeoutMs: 20_000 }), 'DRIFTWATCH_CHECKPOINT_MISSING');
    expect((await reader.read([{ partition: 0, pointer: newerPointer }])).get(0)!.equals(newer)).toBe(true);
  });

  it('rejects a pointer that does not match the records as CORRUPT, a deleted or never-written one as MISSING', async () => {
    const producer = await transactionalProducer();
    const payload = randomBytes(600_000);
    const pointer = await writeCheckpoint(producer, 2, payload, 50);
    // Another checkpoint's digest / another chunk count at the same offset: never mixed up.
    const otherSha = { ...pointer, sha256: pointer.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0')) };
    await expectCode(reader.read([{ partition: 2, pointer: otherSha }]), 'DRIFTWATCH_CHECKPOINT_CORRUPT');
    await expectCode(reader.read([{ partition: 2, pointer: { ...pointer, chunks: 1 } }]), 'DRIFTWATCH_CHECKPOINT_CORRUPT');
    // A pointer beyond the end (e.g. a topic recreated since): nothing arrives within the timeout.
    const beyond = await expectCode(reader.read([{ partition: 2, pointer: { ...pointer, offset: pointer.offset + 1000 } }], { timeoutMs: 2_000 }), 'DRIFTWATCH_CHECKPOINT_MISSING');
    expect((beyond as { retryable?: boolean }).retryable).toBe(true);
    // A partition the topic does not have.
    await expectCode(reader.read([{ partition: partitions, pointer }]), 'DRIFTWATCH_CHECKPOINT_MISSING');
  });

  it('readEach gives every partition its own outcome: one gone checkpoint does not cost the others theirs', async () => {
    const producer = await transactionalProducer();
    const good = randomBytes(900_000);
    const goodPointer = await writeCheckpoint(producer, 1, good, 70);
    const gone = await writeCheckpoint(producer, 2, randomBytes(100), 80, 'abort');
    const outcomes = await reader.readEach(
      [
        { partition: 1, pointer: goodPointer },
        { partition: 2, pointer: gone },
        { partition: partitions, pointer: goodPointer },
      ],
      { timeoutMs: 20_000 },
    );
    const one = outcomes.get(1);
    expect(one?.ok && one.payload.equals(good)).toBe(true);
    for (const p of [2, partitions]) {
      const outcome = outcomes.get(p);
      expect(outcome?.ok === false ? [outcome.error.code, outcome.error.retryable] : outcome).toEqual(['DRIFTWATCH_CHECKPOINT_MISSING', false]);
    }
    // read() of the same requests rejects with the first failure.
    await expectCode(reader.read([{ partition: 1, pointer: goodPointer }, { partition: 2, pointer: gone }], { timeoutMs: 20_000 }), 'DRIFTWATCH_CHECKPOINT_MISSING');
  });

  it('rejects a pointer below the log start (records deleted) as MISSING at once', async () => {
    // DeleteRecords is refused on a compact-only topic: an operator's compact,delete topic shows the case.
    const deleting = configFor(uniqueName('cp-delete'));
    const topic = deleting.kafka.topics.checkpoints;
    await createTopics(admin, [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact,delete' }] }]);
    const producer = await transactionalProducer();
    const transaction = await producer.transaction();
    const payload = randomBytes(1000);
    const sent = await transaction.send({ topic, messages: checkpointMessages(0, payload) });
    await transaction.commit();
    const pointer = checkpointPointer(Number(sent[0]!.baseOffset), payload, {});
    const deletingReader = new CheckpointReader(kafka, deleting, logger);
    expect((await deletingReader.read([{ partition: 0, pointer }])).get(0)!.equals(payload)).toBe(true);
    const [offsets] = await admin.fetchTopicOffsets(topic);
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: offsets!.high }] });
    const error = await expectCode(deletingReader.read([{ partition: 0, pointer }]), 'DRIFTWATCH_CHECKPOINT_MISSING');
    expect(error.message).toContain('records deleted');
  });

  it('an unreachable broker is a retryable MISSING (try again, do not start fresh)', async () => {
    // kafkajs' default retries (the service's client): they alone would take far longer than the timeout.
    const nowhere = new Kafka({ clientId: uniqueName('dw-cp-nowhere'), brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING });
    const pointer = checkpointPointer(0, Buffer.from('x'), {});
    const error = await expectCode(new CheckpointReader(nowhere, config, logger).read([{ partition: 0, pointer }], { timeoutMs: 2_000 }), 'DRIFTWATCH_CHECKPOINT_MISSING');
    expect((error as { retryable?: boolean }).retryable).toBe(true);
  });

  it('needs the max.message.bytes ensureTopics sets: kafkajs sends one checkpoint as ONE record batch, which a default topic refuses', async () => {
    const plain = configFor(uniqueName('cp-plain'));
    await createTopics(admin, [{ topic: plain.kafka.topics.checkpoints, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }]);
    const producer = await transactionalProducer();
    const transaction = await producer.transaction();
    const payload = randomBytes(3 * 1024 * 1024); // 6 chunks of 512 KiB, each under the 1 MiB default
    const refused = await transaction.send({ topic: plain.kafka.topics.checkpoints, messages: checkpointMessages(0, payload) }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    await transaction.abort();
    expect(refused?.message ?? 'accepted').toMatch(/too large|larger than/i);
  });

  it('compaction drops superseded checkpoints and keeps the newest committed one, even with an aborted newer one on the same keys', async () => {
    // The topic configs ensureTopics uses, but segments that roll after 100 ms (not 10 min) so the
    // broker's cleaner (every 15 s) gets to work within the test.
    const compacting = configFor(uniqueName('cp-compact'));
    const topic = compacting.kafka.topics.checkpoints;
    const configEntries = Object.entries({ ...CHECKPOINT_TOPIC_CONFIG, 'segment.ms': '100', 'min.cleanable.dirty.ratio': '0.01' }).map(([name, value]) => ({ name, value }));
    await createTopics(admin, [{ topic, numPartitions: 1, configEntries }]);
    const producer = await transactionalProducer();
    const write = async (payload: Buffer, outcome: 'commit' | 'abort'): Promise<CheckpointPointer> => {
      const transaction = await producer.transaction();
      const sent = await transaction.send({ topic, messages: checkpointMessages(0, payload) });
      if (outcome === 'commit') await transaction.commit();
      else await transaction.abort();
      return checkpointPointer(Number(sent[0]!.baseOffset), payload, {});
    };
    const c0 = randomBytes(1_500_000); // 3 chunks
    const c1 = randomBytes(700_000); // 2 chunks: supersedes chunks 0 and 1 of c0
    const c2 = randomBytes(1_500_000);
    const p0 = await write(c0, 'commit');
    const p1 = await write(c1, 'commit');
    const p2 = await write(c2, 'abort');
    // One more append after segment.ms closes the segment holding them (the active one is never cleaned).
    await new Promise((r) => setTimeout(r, 300));
    await write(Buffer.from('roll'), 'abort');

    const compactedReader = new CheckpointReader(kafka, compacting, logger);
    const started = Date.now();
    let p0Error: unknown;
    while (Date.now() - started < 90_000) {
      p0Error = await compactedReader.read([{ partition: 0, pointer: p0 }], { timeoutMs: 10_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (p0Error !== undefined) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    expect(isDriftwatchError(p0Error, 'DRIFTWATCH_CHECKPOINT_MISSING') && !p0Error.retryable).toBe(true);
    process.stdout.write(`checkpoint-store: superseded checkpoint compacted away after ${Date.now() - started} ms\n`);
    expect((await compactedReader.read([{ partition: 0, pointer: p1 }])).get(0)!.equals(c1)).toBe(true);
    await expectCode(compactedReader.read([{ partition: 0, pointer: p2 }], { timeoutMs: 10_000 }), 'DRIFTWATCH_CHECKPOINT_MISSING');
  });

  it('measures the read time of 1 MB and 10 MB checkpoints', async () => {
    const producer = await transactionalProducer();
    const figures: Record<string, number> = {};
    for (const [label, bytes] of [
      ['10B', 10], // the fixed cost: admin lookup, group join, one fetch
      ['1MB', 1024 * 1024],
      ['10MB', 10 * 1024 * 1024],
    ] as const) {
      const payload = randomBytes(bytes);
      const writeStart = Date.now();
      await writeCheckpoint(producer, 1, payload, bytes);
      figures[`write_${label}_ms`] = Date.now() - writeStart;
      const pointer = (await committedPointer(1)).pointer!;
      const readStart = Date.now();
      const read = await reader.read([{ partition: 1, pointer }]);
      figures[`read_${label}_ms`] = Date.now() - readStart;
      expect(read.get(1)!.equals(payload)).toBe(true);
    }
    // A take-over of three partitions reads them in one session.
    const three = [0, 1, 2].map(() => randomBytes(1024 * 1024));
    const pointers = [];
    for (const [partition, payload] of three.entries()) pointers.push({ partition, pointer: await writeCheckpoint(producer, partition, payload, 9_000_000 + partition) });
    await committedPointer(2);
    const threeStart = Date.now();
    const read = await reader.read(pointers);
    figures.read_3x1MB_one_session_ms = Date.now() - threeStart;
    for (const [partition, payload] of three.entries()) expect(read.get(partition)!.equals(payload)).toBe(true);
    // Reported, not asserted (no wall-clock thresholds in tests).
    process.stdout.write(`checkpoint-store figures: ${JSON.stringify(figures)}\n`);
  });
});
