import { Admin, Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import { createTopics, testKafka, uniqueName, waitFor } from '../harness/env';

// Smoke tests on the real broker the harness started: the ground every Kafka feature stands on.
describe('real Kafka broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  });

  it('was started by the project itself unless an external broker was given', async () => {
    expect(process.env.DRIFTWATCH_TEST_KAFKA_ORIGIN).toBe(process.env.KAFKA_BROKERS ? 'external' : 'local');
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(1);
    expect(cluster.brokers[0]?.host).toBe(process.env.KAFKA_BROKERS ? expect.any(String) : '127.0.0.1');
  });

  it('delivers 10,000 keyed messages on a 3-partition topic to a group, in order within each partition', async () => {
    const topic = uniqueName('smoke-order');
    await createTopics(admin, [{ topic, numPartitions: 3 }]);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);

    const total = 10_000;
    const keys = ['model-a', 'model-b', 'model-c', 'model-d', 'model-e'];
    for (let start = 0; start < total; start += 1000) {
      const messages = [];
      for (let i = start; i < start + 1000; i++) messages.push({ key: keys[i % keys.length], value: JSON.stringify({ seq: i }) });
      await producer.send({ topic, messages });
    }

    const seen = new Map<number, { key: string; seq: number }[]>();
    let count = 0;
    const consumer = kafka.consumer({ groupId: uniqueName('smoke-order-group'), maxWaitTimeInMs: 100 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }: EachMessagePayload) => {
        const list = seen.get(partition) ?? [];
        list.push({ key: String(message.key), seq: (JSON.parse(String(message.value)) as { seq: number }).seq });
        seen.set(partition, list);
        count++;
      },
    });
    await waitFor(() => count >= total, 60_000, 'all 10,000 messages');

    expect(count).toBe(total);
    const allSeqs = new Set<number>();
    const partitionOfKey = new Map<string, number>();
    for (const [partition, list] of seen) {
      for (let i = 0; i < list.length; i++) {
        const item = list[i]!;
        allSeqs.add(item.seq);
        // Same key → same partition (keyed partitioning), and order within a partition is kept.
        expect(partitionOfKey.get(item.key) ?? partition).toBe(partition);
        partitionOfKey.set(item.key, partition);
        if (i > 0) expect(item.seq).toBeGreaterThan(list[i - 1]!.seq);
      }
    }
    expect(allSeqs.size).toBe(total);
  });

  it('splits partitions between two group members and rebalances onto a third without losing a message', async () => {
    const topic = uniqueName('smoke-rebalance');
    const groupId = uniqueName('smoke-rebalance-group');
    const partitions = 6;
    await createTopics(admin, [{ topic, numPartitions: partitions }]);

    const received = new Set<number>();
    const assignments = new Map<string, number[]>();
    const startMember = async (name: string): Promise<Consumer> => {
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000, rebalanceTimeout: 20_000, heartbeatInterval: 500 });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        assignments.set(name, [...(event.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b));
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.add((JSON.parse(String(message.value)) as { seq: number }).seq);
        },
      });
      return consumer;
    };
    const produce = async (from: number, to: number): Promise<void> => {
      const messages = [];
      for (let i = from; i < to; i++) messages.push({ key: `k${i % 12}`, value: JSON.stringify({ seq: i }) });
      await producer.send({ topic, messages });
    };

    await startMember('first');
    await startMember('second');
    const sumAssigned = (): number => [...assignments.values()].reduce((s, a) => s + a.length, 0);
    await waitFor(() => assignments.size === 2 && sumAssigned() === partitions, 60_000, 'two members to share the partitions');
    const two = [...assignments.values()];
    expect(two.every((a) => a.length > 0)).toBe(true);
    expect(new Set(two.flat()).size).toBe(partitions);

    await produce(0, 3000);
    await waitFor(() => received.size >= 3000, 60_000, 'the first 3,000 messages');

    assignments.clear();
    await startMember('third');
    await produce(3000, 6000);
    await waitFor(() => assignments.size === 3 && sumAssigned() === partitions, 60_000, 'three members to share the partitions');
    const three = [...assignments.values()];
    expect(three.every((a) => a.length > 0)).toBe(true);
    expect(new Set(three.flat()).size).toBe(partitions);

    await waitFor(() => received.size >= 6000, 60_000, 'all 6,000 messages after the rebalance');
    for (let i = 0; i < 6000; i++) if (!received.has(i)) throw new Error(`message ${i} was lost`);
  });
});
