/**
 * Alert latency (issue 4, Performance): from producing the event that completes a drifted window to
 * the alert being readable on the alert topic, p50 and p99 over ≥ 50 windows, with the service's
 * fetch wait at 100 ms. Target p99 ≤ 1 s.
 *
 * Set-up: 60 models (inputs only, input_length), a 400-value reference and 200-event windows with
 * persistence 1, so each model's first drifted window fires. Phase 1 pre-produces every model's
 * stationary traffic (reference + two clean windows). Phase 2, model by model: produce its 200
 * drifted inputs, let the service fetch them (they wait behind the watermark), then produce the one
 * event that completes the window — an input on the same partition 2,001 ms of event time later,
 * which moves the watermark past the window (allowed lateness 2,000 ms); every input comes with its
 * output 1 ms later, as the merge needs both streams — and time until a reader
 * (fetch wait 10 ms) sees the model's firing alert. The baseline row is the round trip of one
 * record through the same broker (produce → read by a consumer with the same settings): the part of
 * the latency that is Kafka's, not driftwatch's.
 */
import type { DriftAlert } from '../../src/alerts/alert-types';
import { startService } from '../../src/service/driftwatch-service';
import { keyHash } from '../../src/simulate/sim-source-records';
import type { BenchRow } from './bench-row';
import { benchLogger, benchServiceConfig, benchSize, createBenchTopics, produceBulk, sleep, startBenchBroker, type BenchMessage } from './bench-broker';

const GROUP = 'service';
const PARTITIONS = 3;
const WINDOW = 200;
const REFERENCE = 400;
const LATENESS_MS = 2_000;

/** mulberry32 + Box-Muller: input lengths ~ round(exp(N(mu, 0.45))). */
function lengths(seed: number): (mu: number) => number {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (mu) => Math.max(1, Math.round(Math.exp(mu + 0.45 * Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u()))));
}

function quantile(sorted: readonly number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

export async function runAlertLatencyBench(): Promise<BenchRow[]> {
  const models = benchSize('LATENCY_WINDOWS', 60);
  const broker = await startBenchBroker();
  const topics = { inputs: 'lat.inputs', outputs: 'lat.outputs', feedback: 'lat.feedback', alerts: 'lat.alerts', dlq: 'lat.dlq' };
  const length = lengths(3);
  let clock = Date.now() - 86_400_000;
  let seq = 0;
  // A request: its input and its output 1 ms later (the merge waits for both streams at start-up).
  const input = (model: string, mu: number): BenchMessage[] => {
    const ts = clock;
    clock += 2;
    const partition = keyHash(model) % PARTITIONS;
    const id = `r-${seq++}`;
    return [
      { topic: topics.inputs, partition, key: model, value: JSON.stringify({ request_id: id, model_id: model, model_version: 'v1', ts, input: { length: length(mu) } }) },
      { topic: topics.outputs, partition, key: model, value: JSON.stringify({ request_id: id, model_id: model, model_version: 'v1', ts: ts + 1, prediction: 'ok', confidence: 0.9, latency_ms: 1 }) },
    ];
  };
  // One "tick" model per partition: its inputs only move that partition's watermark.
  const ticks: string[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    let i = 0;
    while (keyHash(`tick-${p}-${i}`) % PARTITIONS !== p) i++;
    ticks.push(`tick-${p}-${i}`);
  }
  const tick = (partition: number): BenchMessage[] => {
    clock += LATENESS_MS + 1;
    return input(ticks[partition] as string, 3.3);
  };
  const names = Array.from({ length: models }, (_, i) => `lat-${String(i).padStart(3, '0')}`);

  try {
    await createBenchTopics(broker.admin, [topics.inputs, topics.outputs, topics.feedback], PARTITIONS);
    const config = benchServiceConfig(broker.brokers, 'bench-latency', {
      kafka: { topics, fetchMaxWaitMs: 100 },
      windows: { size: WINDOW, minSamples: 100, allowedLatenessMs: LATENESS_MS },
      reference: { mode: 'first-n', size: REFERENCE },
      detection: { persistence: 1 },
    });
    const service = await startService(config, { logger: benchLogger() });

    // The reader: first firing alert per model, with its arrival time.
    const arrived = new Map<string, number>();
    const reader = broker.kafka.consumer({ groupId: 'bench-latency-reader', maxWaitTimeInMs: 10 });
    await reader.connect();
    await reader.subscribe({ topic: topics.alerts, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const a = JSON.parse((message.value as Buffer).toString('utf8')) as DriftAlert;
        if (a.status === 'firing' && !arrived.has(a.model_id)) arrived.set(a.model_id, performance.now());
      },
    });

    // Phase 1: reference + two clean windows per model, interleaved; then a tick per partition.
    const phase1: BenchMessage[] = [];
    for (let k = 0; k < REFERENCE + 2 * WINDOW; k++) for (const m of names) phase1.push(...input(m, 3.3));
    for (let p = 0; p < PARTITIONS; p++) phase1.push(...tick(p));
    await produceBulk(broker.producer, phase1);
    while (service.stats().consumed < phase1.length) await sleep(50);
    await sleep(500);
    const falseAlarms = new Set(arrived.keys());

    // Phase 2: one drifted window per model; time the completing event → readable alert.
    const latencies: number[] = [];
    let missed = 0;
    for (const m of names) {
      if (falseAlarms.has(m)) continue;
      const partition = keyHash(m) % PARTITIONS;
      await produceBulk(broker.producer, Array.from({ length: WINDOW }, () => input(m, 3.3 + 0.7)).flat());
      await sleep(300);
      const closing = tick(partition);
      const t0 = performance.now();
      await broker.producer.sendBatch({ topicMessages: closing.map((c) => ({ topic: c.topic, messages: [{ key: c.key, value: c.value, partition }] })), acks: 1 });
      const deadline = Date.now() + 10_000;
      while (!arrived.has(m) && Date.now() < deadline) await sleep(1);
      const t1 = arrived.get(m);
      if (t1 === undefined) missed++;
      else latencies.push(t1 - t0);
    }

    // Baseline: a record's produce → read round trip on the same broker, same reader settings.
    const rtt: number[] = [];
    await createBenchTopics(broker.admin, ['lat.ping'], 1);
    let seen: number | undefined;
    const pinger = broker.kafka.consumer({ groupId: 'bench-latency-ping', maxWaitTimeInMs: 10 });
    await pinger.connect();
    await pinger.subscribe({ topic: 'lat.ping', fromBeginning: true });
    await pinger.run({ eachMessage: async () => void (seen = performance.now()) });
    await sleep(1_000);
    for (let i = 0; i < latencies.length; i++) {
      seen = undefined;
      const t0 = performance.now();
      await broker.producer.send({ topic: 'lat.ping', messages: [{ value: 'x' }], acks: 1 });
      while (seen === undefined) await sleep(1);
      rtt.push(seen - t0);
    }
    await Promise.all([reader.disconnect(), pinger.disconnect()]);
    await service.stop('bench done');

    latencies.sort((a, b) => a - b);
    rtt.sort((a, b) => a - b);
    const note = `${latencies.length} drifted windows (${missed} without an alert in 10 s, ${falseAlarms.size} models skipped: alert before the drift); fetch wait 100 ms`;
    const p99 = quantile(latencies, 0.99);
    return [
      { group: GROUP, name: 'alert latency p50', unit: 'ms (lower is better)', ours: quantile(latencies, 0.5), baseline: quantile(rtt, 0.5), baselineLabel: 'Kafka produce→read round trip', note },
      { group: GROUP, name: 'alert latency p99', unit: 'ms (lower is better)', ours: p99, baseline: quantile(rtt, 0.99), baselineLabel: 'Kafka produce→read round trip', target: '≤ 1000 ms', targetMet: p99 <= 1000, note },
    ];
  } finally {
    await broker.stop();
  }
}
