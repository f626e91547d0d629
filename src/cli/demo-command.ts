/**
 * `driftwatch demo`: the whole system on one machine. Starts the project's own single-node Kafka
 * (and redis-server when it is installed), creates the topics, starts the service, produces
 * simulated speech-recognition traffic with drifts injected at announced points (demo-scenario.ts)
 * and prints every alert as it arrives on the alert topic. The scenario ends once every injected
 * drift has been reported (or after a cap of traffic); the demo then keeps running until Ctrl-C
 * (or `--duration`). Ctrl-C / SIGTERM stop everything in order — traffic, service, retrain worker,
 * Redis, broker, temp files — and exit 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Consumer, type Message, type Producer } from 'kafkajs';
import pino from 'pino';
import { isDriftwatchError } from '../../detectors/errors';
import { RetrainWorkerHandle, startRetrainWorker } from '../../workers/retrain-worker';
import type { DriftAlert, RetrainTrigger } from '../alerts/alert-types';
import type { DriftwatchConfig } from '../config/config-types';
import { loadConfig } from '../config/load-config';
import { LocalKafka } from '../local/local-kafka';
import { LocalRedis, redisServerAvailable } from '../local/local-redis';
import { startService, type ServiceHandle } from '../service/driftwatch-service';
import { keyHash } from '../simulate/sim-source-records';
import { SIM_FEATURES, SpeechTraffic } from '../simulate/speech-traffic';
import type { CliCommand } from './cli-command';
import { alertMatchesDrift, DEMO_DRIFTS, formatAlert, isoTime, sliceLabel } from './demo-scenario';

const usage = `Usage: driftwatch demo [--fast] [--duration <seconds>] [--rate <requests/s>] [--partitions <n>] [--seed <n>] [--log-file <file>]

Starts a local Kafka broker (and redis-server when installed), the driftwatch service and a
simulated speech-recognition system (models asr-en, asr-de, asr-fr; devices android/ios/web), injects
drifts at announced points — longer inputs, more missing values, darker images, more null outputs,
more redos — and prints each alert as it arrives on the alert topic. Ctrl-C stops everything.

Needs Java 17+ and the Kafka jars (npm run kafka:fetch); Redis is optional (without it retraining
triggers are off).

Options:
  --fast               produce as fast as the service keeps up (event time runs ahead of the clock)
  --duration <s>       stop after this many seconds (default: run until Ctrl-C)
  --rate <n>           requests per second in real-time mode (default 800; ~2.3 records each)
  --partitions <n>     partitions of the source topics (default 3)
  --seed <n>           simulator seed (default 1)
  --log-file <file>    keep the service's JSON logs in this file (default: a temp file, removed at exit)
  --help               this text`;

/** Cap on produced records: the scenario ends here even if a drift was not reported. */
const MAX_RECORDS = 600_000;
/** In --fast mode, how far production may run ahead of what the service consumed. */
const MAX_AHEAD = 40_000;

interface DemoOptions {
  fast: boolean;
  durationS: number | undefined;
  rate: number;
  partitions: number;
  seed: number;
  logFile: string | undefined;
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw Object.assign(new Error(`--${name} must be a positive number, got "${text}"`), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
  return n;
}

const out = (line: string): void => {
  process.stdout.write(line + '\n');
};

/** Everything the demo started, stopped in reverse order by {@link Demo.stop}. */
class Demo {
  private readonly tmp = mkdtempSync(join(tmpdir(), 'driftwatch-demo-'));
  private kafkaServer: LocalKafka | undefined;
  private redisServer: LocalRedis | undefined;
  private service: ServiceHandle | undefined;
  private producer: Producer | undefined;
  private alertConsumer: Consumer | undefined;
  private retrainWorker: RetrainWorkerHandle | undefined;
  private webhook: Server | undefined;
  private producing = false;
  private trafficDone: Promise<void> = Promise.resolve();
  private stopping: Promise<number> | undefined;
  private readonly detected = new Set<number>();
  private readonly injectedAt = new Map<number, number>();
  private alerts = 0;
  private scenarioOver = false;
  private resolveScenario: (() => void) | undefined;
  readonly scenarioEnded = new Promise<void>((resolve) => (this.resolveScenario = resolve));

  constructor(private readonly options: DemoOptions) {}

  async start(): Promise<void> {
    const o = this.options;
    out(`driftwatch demo — simulated speech-recognition traffic with ${DEMO_DRIFTS.length} injected drifts${o.fast ? ' (fast mode)' : ''}`);
    out('');

    // Own process groups: a Ctrl-C in the terminal reaches only this process, which stops the
    // broker and Redis after the service (otherwise they die under the service's feet).
    this.kafkaServer = new LocalKafka({ detached: true });
    out('starting a local Kafka broker (single-node KRaft, from the project jars) …');
    const kafkaMs = await this.kafkaServer.start();
    const brokers = this.kafkaServer.brokers;
    out(`  Kafka ready on ${brokers.join(',')} in ${(kafkaMs / 1000).toFixed(1)} s`);

    let redisUrl: string | undefined;
    if (redisServerAvailable()) {
      this.redisServer = new LocalRedis({ detached: true });
      const redisMs = await this.redisServer.start();
      redisUrl = this.redisServer.url;
      out(`  redis-server ready on ${redisUrl} in ${(redisMs / 1000).toFixed(1)} s: retraining triggers are on`);
    } else {
      out('  redis-server is not installed: retraining triggers are off (apt-get install redis-server to see them)');
    }

    const config = loadConfig({
      env: {},
      overrides: {
        kafka: { brokers, clientId: 'driftwatch-demo', groupId: 'driftwatch-demo', fetchMaxWaitMs: 100 },
        ...(redisUrl === undefined ? {} : { redis: { url: redisUrl } }),
        features: SIM_FEATURES.map((f) => ({ ...f })),
        ops: { port: 0 },
        log: { level: 'info' },
        shutdownTimeoutMs: 20_000,
      },
    });
    const topics = config.kafka.topics;
    const kafka = new Kafka({ clientId: 'driftwatch-demo-traffic', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [topics.inputs, topics.outputs, topics.feedback].map((topic) => ({ topic, numPartitions: o.partitions })),
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    out(`  topics ${topics.inputs}, ${topics.outputs}, ${topics.feedback} (${o.partitions} partitions each) created`);

    const logFile = o.logFile ?? join(this.tmp, 'service.log');
    const logger = pino({ level: 'info', base: { service: 'driftwatch' } }, pino.destination({ dest: logFile, sync: true, mkdir: true }));
    out('starting the driftwatch service …');
    this.service = await startService(config, { logger });
    out(`  service ready: ${this.service.stats().partitions.length} partitions, ops ${this.service.opsUrl}/metrics, logs in ${logFile}${o.logFile === undefined ? ' (removed at exit; keep them with --log-file)' : ''}`);

    if (redisUrl !== undefined) await this.startRetrainWorker(config);
    await this.startAlertConsumer(kafka, topics.alerts);

    this.producer = kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    out('');
    out(o.fast ? 'producing traffic as fast as the service keeps up …' : `producing ${o.rate} requests/s in real time (event time = wall clock) …`);
    out('');
    this.producing = true;
    this.trafficDone = this.produce().catch((e: unknown) => {
      if (this.producing) out(`traffic stopped: ${(e as Error).message}`);
    });
  }

  /** A webhook inside the demo, served to an in-process retrain worker, prints the jobs it gets. */
  private async startRetrainWorker(base: Readonly<DriftwatchConfig>): Promise<void> {
    this.webhook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RetrainTrigger;
          const first = job.alerts[0];
          out(`  ↻ retraining job ${job.job_id.slice(0, 12)} for ${job.model_id}@${job.model_version}: ${job.alerts.length} alert(s)${first ? ` (${first.metric}, ${sliceLabel(first.slice)})` : ''}, data ${isoTime(job.data_range.start)}–${isoTime(job.data_range.end)}`);
        } catch {
          // Not ours to judge: the worker posts JSON; anything else is ignored.
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.webhook?.listen(0, '127.0.0.1', resolve));
    const port = (this.webhook.address() as AddressInfo).port;
    const config = { ...base, retrain: { ...base.retrain, webhook: `http://127.0.0.1:${port}/retrain` } };
    this.retrainWorker = startRetrainWorker(config, { logger: pino({ level: 'warn' }, pino.destination({ dest: join(this.tmp, 'retrain-worker.log'), sync: true })) });
    await this.retrainWorker.ready();
    out(`  retrain worker consuming BullMQ queue "${config.retrain.queue}" (one job per incident, at most one per model per ${Math.round(config.retrain.minIntervalMs / 60_000)} min)`);
  }

  private async startAlertConsumer(kafka: Kafka, topic: string): Promise<void> {
    this.alertConsumer = kafka.consumer({ groupId: `driftwatch-demo-viewer-${process.pid}`, maxWaitTimeInMs: 100 });
    await this.alertConsumer.connect();
    await this.alertConsumer.subscribe({ topic, fromBeginning: true });
    await this.alertConsumer.run({ eachMessage: async ({ message }) => this.onAlert(message) });
    out(`  watching the alert topic ${topic}`);
  }

  private onAlert(message: Message): void {
    if (message.value === null || message.value === undefined) return;
    let alert: DriftAlert;
    try {
      alert = JSON.parse(message.value.toString('utf8')) as DriftAlert;
    } catch {
      return;
    }
    this.alerts++;
    out(formatAlert(alert, isoTime));
    if (alert.status !== 'firing') return;
    DEMO_DRIFTS.forEach((d, i) => {
      if (this.detected.has(i) || !this.injectedAt.has(i) || !alertMatchesDrift(alert, d.spec)) return;
      this.detected.add(i);
      const lagS = (alert.detected_at - (this.injectedAt.get(i) as number)) / 1000;
      out(`  ✓ detected drift ${i + 1}/${DEMO_DRIFTS.length}: ${d.spec.model} ${d.spec.metric}${d.spec.slice ? ` on ${sliceLabel(d.spec.slice)}` : ''}, ${lagS.toFixed(0)} s of event time after it started`);
      if (this.detected.size === DEMO_DRIFTS.length) this.endScenario();
    });
  }

  private endScenario(): void {
    if (this.scenarioOver) return;
    this.scenarioOver = true;
    this.producing = false;
    out('');
    out(`scenario complete: ${this.detected.size}/${DEMO_DRIFTS.length} injected drifts detected, ${this.alerts} alerts. Traffic stopped; the service keeps running — Ctrl-C to stop.`);
    this.resolveScenario?.();
  }

  private async produce(): Promise<void> {
    const o = this.options;
    const t0 = Date.now();
    const sim = new SpeechTraffic({ seed: o.seed, startTs: t0, requestsPerSecond: o.rate, drifts: DEMO_DRIFTS.map((d) => d.spec) });
    let produced = 0;
    const producer = this.producer as Producer;
    while (this.producing && produced < MAX_RECORDS) {
      // How much to send now: real time = everything up to the wall clock; fast = a chunk, unless
      // the service is too far behind (announcements should mean something).
      let limitTs = Number.POSITIVE_INFINITY;
      let budget = 2_000;
      if (!o.fast) {
        limitTs = Date.now();
        budget = 50_000;
      } else if (produced - (this.service?.stats().consumed ?? 0) > MAX_AHEAD) {
        await sleep(50);
        continue;
      }
      const batch = new Map<string, Array<{ key: string; value: string; partition: number }>>();
      let n = 0;
      while (n < budget) {
        const r = sim.next();
        const list = batch.get(r.topic) ?? [];
        list.push({ key: r.key, value: JSON.stringify(r.value), partition: keyHash(r.key) % o.partitions });
        batch.set(r.topic, list);
        n++;
        this.announce(sim, r.ts);
        if (r.ts > limitTs) break;
      }
      produced += n;
      await producer.sendBatch({ topicMessages: [...batch].map(([topic, messages]) => ({ topic, messages })) });
      if (!o.fast) await sleep(50);
      else await new Promise((r) => setImmediate(r));
    }
    if (this.producing && produced >= MAX_RECORDS) {
      this.producing = false;
      // Let the service read what was produced before calling the scenario over.
      await sleep(10_000);
      this.endScenario();
    }
  }

  private announce(sim: SpeechTraffic, ts: number): void {
    DEMO_DRIFTS.forEach((d, i) => {
      if (this.injectedAt.has(i) || sim.requestsOf(d.spec.model) <= d.spec.atRequest) return;
      this.injectedAt.set(i, ts);
      const where = `${d.spec.model}${d.spec.version ? `@${d.spec.version}` : ''}${d.spec.slice ? ` ${sliceLabel(d.spec.slice)}` : ''}`;
      out(`▶ ${isoTime(ts)}  drift ${i + 1}/${DEMO_DRIFTS.length} injected: ${where} — ${d.description} [${d.spec.metric}, from request ${d.spec.atRequest} of ${d.spec.model}]`);
    });
  }

  /** Stops everything (idempotent); resolves with the exit code. */
  stop(reason: string): Promise<number> {
    this.stopping ??= (async () => {
      out('');
      out(`stopping (${reason}) …`);
      let code = 0;
      const step = async (name: string, run: () => Promise<unknown>): Promise<void> => {
        try {
          await run();
        } catch (e) {
          code = 1;
          out(`  ${name}: ${(e as Error).message}`);
        }
      };
      this.producing = false;
      await step('traffic', () => this.trafficDone);
      await step('producer', async () => this.producer?.disconnect());
      await step('service', async () => this.service?.stop(reason));
      await step('alert viewer', async () => this.alertConsumer?.disconnect());
      await step('retrain worker', async () => this.retrainWorker?.close({ timeoutMs: 5_000 }));
      await step('webhook', () => new Promise<void>((resolve) => (this.webhook ? this.webhook.close(() => resolve()) : resolve())));
      await step('redis-server', async () => this.redisServer?.stop());
      await step('Kafka broker', async () => this.kafkaServer?.stop());
      rmSync(this.tmp, { recursive: true, force: true });
      out(`stopped: ${this.alerts} alerts, ${this.detected.size}/${DEMO_DRIFTS.length} injected drifts detected.`);
      return code;
    })();
    return this.stopping;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'local Kafka (+ Redis), the service and simulated traffic with injected drift; prints alerts live',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        fast: { type: 'boolean' },
        duration: { type: 'string' },
        rate: { type: 'string' },
        partitions: { type: 'string' },
        seed: { type: 'string' },
        'log-file': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    });
    if (values.help === true) {
      out(usage);
      return 0;
    }
    const options: DemoOptions = {
      fast: values.fast === true,
      durationS: values.duration === undefined ? undefined : positive('duration', values.duration, 0),
      rate: positive('rate', values.rate, 800),
      partitions: Math.round(positive('partitions', values.partitions, 3)),
      seed: Math.round(positive('seed', values.seed, 1)),
      logFile: values['log-file'],
    };
    const demo = new Demo(options);
    let signalled: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (signalled !== undefined) return; // a second Ctrl-C does not cut the clean stop short
      signalled = signal;
      void demo.stop(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const started = demo.start();
      // A signal during start-up: let start settle (a half-started broker must still be stopped).
      await started.catch(async (e: unknown) => {
        if (signalled === undefined) throw e;
      });
      if (signalled === undefined) {
        await new Promise<void>((resolve) => {
          if (options.durationS !== undefined) setTimeout(() => resolve(), options.durationS * 1000).unref();
          const poll = setInterval(() => {
            if (signalled !== undefined) {
              clearInterval(poll);
              resolve();
            }
          }, 100);
        });
      }
      return await demo.stop(signalled ?? 'duration reached');
    } catch (e) {
      await demo.stop('start-up failed');
      if (isDriftwatchError(e, 'DRIFTWATCH_KAFKA_JAVA_MISSING') || isDriftwatchError(e, 'DRIFTWATCH_KAFKA_JARS_MISSING')) {
        process.stderr.write(`\n${e.message}\n\nThe demo runs a real Kafka broker: install Java 17+ and run \`npm run kafka:fetch\` once (README, Prerequisites).\n`);
        return 1;
      }
      throw e;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
