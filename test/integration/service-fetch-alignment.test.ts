/**
 * Fetch alignment by event time (src/shards/fetch-alignment.ts) on the real broker. Inputs padded to
 * ~1 KB beside outputs of ~200 bytes: kafkajs gives every topic-partition the same byte budget per
 * fetch, so it brings ~5 outputs per input and the outputs run far ahead in event time. Without
 * alignment every one of them waits in the merge until the inputs catch up (the buffer grows with
 * the backlog: here to ~30,000 events); with it, the outputs topic-partition is paused from HOLD_AT
 * buffered events on. Checked: the buffer stays under HOLD_AT plus about one fetch round, every record
 * is consumed (the outputs end long before the inputs: nothing stalls), and the alerts are exactly
 * those of a replay of the same records.
 */
import { HOLD_AT } from '../../src/shards/fetch-alignment';
import { SpeechTraffic } from '../../src/simulate/speech-traffic';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { useKafkaClients } from '../harness/env';
import { startService } from '../../src/service/driftwatch-service';
import { alertsOf, createSourceTopics, readTopic, testLogger, testServiceConfig, uniqueTopics } from './runtime-fixtures';
import { byId, comparable, produceRouted, replayRouted, route, simFeatures, waitCaughtUp } from './runtime-scenario';

jest.setTimeout(170_000);

/** One fetch round of the outputs at kafkajs' default 1 MiB per partition (~5,000), with room to spare. */
const ROUND = 8_000;

describe('fetch alignment', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  useKafkaClients((c) => {
    ({ kafka, admin, producer } = c);
  });

  it('keeps the merge buffer bounded while one topic runs ahead, consumes everything and gives the alerts of a replay', async () => {
    const sim = new SpeechTraffic({ seed: 31, feedback: false, drifts: [{ metric: 'input_length', model: 'asr-en', atRequest: 9000 }] });
    const pad = 'x'.repeat(1000);
    const records = sim.take(80_000).map((r) => (r.role === 'inputs' ? { ...r, value: { ...r.value, pad } } : r));
    const topics = uniqueTopics('align');
    await createSourceTopics(admin, topics, 1);
    // One round in flight: the pause takes effect from the next fetch, so every round already
    // handed over when the advice comes adds to the peak.
    const config = testServiceConfig(topics, { features: simFeatures, maxInFlightBatchesPerShard: 1 });
    const routed = route(records, topics, 1);
    await produceRouted(producer, routed, 1000);

    const service = await startService(config, { logger: testLogger() });
    let peak = 0;
    let samples = 0;
    try {
      // The gauge is set after every push; sampled while the backlog is read.
      while (service.stats().consumed < records.length) {
        const gauge = await service.metrics.mergeBuffered.get();
        for (const v of gauge.values) peak = Math.max(peak, v.value);
        samples++;
        await new Promise((r) => setTimeout(r, 5));
      }
      await waitCaughtUp(admin, config);
    } finally {
      await service.stop();
    }
    expect(samples).toBeGreaterThan(10);
    // Without alignment the outputs all wait for the inputs: ~35,600 events at the peak (measured
    // with HOLD_AT out of reach). With it: HOLD_AT, plus the rounds fetched before the pause.
    expect(peak).toBeGreaterThan(HOLD_AT / 2);
    expect(peak).toBeLessThan(HOLD_AT + 2 * ROUND);
    expect(service.stats().consumed).toBe(records.length);

    const alerts = alertsOf(await readTopic(kafka, admin, topics.alerts));
    const { alerts: replayed } = await replayRouted(config, routed);
    expect(replayed.length).toBeGreaterThan(0);
    expect([...alerts].sort(byId).map(comparable)).toEqual([...replayed].sort(byId).map(comparable));
  });
});
