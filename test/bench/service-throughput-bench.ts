/**
 * Service throughput (issue 4, Performance): 1,000,000 pre-produced input + output events (about
 * 500,000 simulated speech requests, three models with drifts, no feedback) on a local broker the
 * bench starts; events/s through the whole service — from startService() to every event answered by
 * its shard with its outputs committed (the `consumed` count; the offsets of answers without outputs
 * follow within kafka.commitIntervalMs, shown in the note and waited for) — beside a bare kafkajs
 * `eachBatch` consumer that only JSON.parses the same topics (from run() to the last message parsed).
 * Both include their group join. Both start on a provisioned cluster, as on any cluster that has
 * been used before: the topics exist (the service's own as well) and so do the broker's internal
 * offsets and transaction-state topics, created in set-up. Target ratio ≥ 0.8.
 *
 * `BENCH_EVENTS=200000 npm run bench` runs a smaller size; `BENCH_SHARDS=n` sets the shard count.
 */
import { ensureTopics } from '../../src/kafka/topic-setup';
import { startService } from '../../src/service/driftwatch-service';
import { keyHash } from '../../src/simulate/sim-source-records';
import { SIM_FEATURES, SpeechTraffic } from '../../src/simulate/speech-traffic';
import type { DriftwatchConfig } from '../../src/config/config-types';
import type { BenchRow } from './bench-row';
import { benchLogger, benchServiceConfig, benchSize, committedToEnd, createBenchTopics, endOffsets, produceBulk, sleep, startBenchBroker, type BenchBroker, type BenchMessage } from './bench-broker';

const GROUP = 'service';
const PARTITIONS = 3;

function* traffic(events: number, topics: { inputs: string; outputs: string; feedback: string }): Generator<BenchMessage> {
  const sim = new SpeechTraffic({
    seed: 11,
    feedback: false,
    requestsPerSecond: 200,
    topics,
    drifts: [
      { metric: 'input_length', model: 'asr-en', atRequest: 60_000 },
      { metric: 'null_output', model: 'asr-de', atRequest: 90_000 },
      { metric: 'brightness', model: 'asr-fr', atRequest: 40_000 },
    ],
  });
  for (let i = 0; i < events; i++) {
    const r = sim.next();
    yield { topic: r.topic, partition: keyHash(r.key) % PARTITIONS, key: r.key, value: JSON.stringify(r.value) };
  }
}

export async function runServiceThroughputBench(): Promise<BenchRow[]> {
  const events = benchSize('EVENTS', 1_000_000);
  const broker = await startBenchBroker();
  const topics = { inputs: 'bench.inputs', outputs: 'bench.outputs', feedback: 'bench.feedback' };
  try {
    await createBenchTopics(broker.admin, [topics.inputs, topics.outputs, topics.feedback], PARTITIONS);
    const tp = Date.now();
    await produceBulk(broker.producer, traffic(events, topics));
    const produceS = (Date.now() - tp) / 1000;
    const ends = await endOffsets(broker.admin, [topics.inputs, topics.outputs]);
    const total = [...ends.values()].reduce((a, b) => a + b, 0);
    const config = benchServiceConfig(broker.brokers, 'bench-service', {
      kafka: { topics: { ...topics, alerts: 'bench.alerts', dlq: 'bench.dlq' } },
      features: SIM_FEATURES.map((f) => ({ ...f })),
      // BENCH_SHARDS overrides the default shard count (cores − 1), e.g. to see the scaling.
      ...(process.env.BENCH_SHARDS === undefined ? {} : { shards: benchSize('SHARDS', 1) }),
    });
    await provisionCluster(broker, config);

    // Baseline: the bare consumer every Kafka application pays for.
    const bare = broker.kafka.consumer({ groupId: 'bench-bare', maxWaitTimeInMs: 100 });
    await bare.connect();
    await bare.subscribe({ topics: [topics.inputs, topics.outputs, topics.feedback], fromBeginning: true });
    let parsed = 0;
    let sink = 0;
    const tb = process.hrtime.bigint();
    await bare.run({
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        for (const m of batch.messages) {
          const v = JSON.parse((m.value as Buffer).toString('utf8')) as { ts?: number };
          sink += v.ts === undefined ? 0 : 1;
          resolveOffset(m.offset);
        }
        parsed += batch.messages.length;
        await heartbeat();
      },
    });
    while (parsed < total) await sleep(20);
    const bareS = Number(process.hrtime.bigint() - tb) / 1e9;
    await bare.disconnect();

    // The service, same topics, its own group.
    const ts = process.hrtime.bigint();
    const service = await startService(config, { logger: benchLogger() });
    const joinedS = Number(process.hrtime.bigint() - ts) / 1e9;
    while (service.stats().consumed < total) await sleep(10);
    const serviceS = Number(process.hrtime.bigint() - ts) / 1e9;
    while (!(await committedToEnd(broker.admin, config.kafka.groupId, ends))) await sleep(20);
    const committedS = Number(process.hrtime.bigint() - ts) / 1e9;
    const stats = service.stats();
    await service.stop('bench done');

    const ours = total / serviceS;
    const baseline = total / bareS;
    return [
      {
        group: GROUP,
        name: `service throughput, ${total.toLocaleString('en')} input+output events`,
        unit: 'events/s',
        ours,
        baseline,
        baselineLabel: 'bare kafkajs eachBatch + JSON.parse',
        target: '≥ 0.8× baseline',
        targetMet: ours / baseline >= 0.8,
        note: `${PARTITIONS} partitions, ${config.shards} shard(s); service ${serviceS.toFixed(1)} s (offsets committed at ${committedS.toFixed(1)} s) incl. ${joinedS.toFixed(1)} s start-up and join (${(total / (serviceS - joinedS) / 1000).toFixed(0)} k events/s after it), bare ${bareS.toFixed(1)} s; ${stats.alerts} alerts; produced in ${produceS.toFixed(0)} s; ${sink} parsed values had a ts`,
      },
    ];
  } finally {
    await broker.stop();
  }
}

/**
 * What a used cluster already has: the service's own topics (startService() would create them) and
 * the broker's __consumer_offsets and __transaction_state topics, which a fresh broker creates on
 * the first group coordinator and transactional-id lookups (hundreds of ms each).
 */
async function provisionCluster(broker: BenchBroker, config: Readonly<DriftwatchConfig>): Promise<void> {
  await ensureTopics(broker.admin, config, benchLogger());
  await broker.admin.fetchOffsets({ groupId: 'bench-provision', topics: [config.kafka.topics.inputs] });
  const transactional = broker.kafka.producer({ transactionalId: 'bench-provision', idempotent: true, maxInFlightRequests: 1 });
  await transactional.connect();
  await transactional.disconnect();
}
