/**
 * Shared machinery of the fault tests (issue 5 §5): a simulated stream with several drifts over
 * several models and partitions, fed to the broker in segments while the service runs (a backlog
 * produced up front is consumed in well under a second, too fast to fault in the middle of), the
 * service as a child process (`node bin/driftwatch.js run --config <file>`, so it can be SIGKILLed
 * and its RSS read from /proc), the alert topic read back with a read_committed consumer, and the
 * reference: the alerts a never-ending live service produces after consuming exactly these records
 * (`replayEvents(…, { finish: false })` over the records with their partitions and offsets).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import pino, { type Logger } from 'pino';
import type { DriftAlert } from '../../src/alerts/alert-types';
import type { DriftwatchConfig } from '../../src/config/config-types';
import { loadConfig, type DeepPartial } from '../../src/config/load-config';
import { freeLoopbackPort } from '../../src/local/free-port';
import { packageRoot } from '../../src/local/package-root';
import { replayEvents } from '../../src/replay/run-replay';
import { keyHash } from '../../src/simulate/sim-source-records';
import { SpeechTraffic, type DriftSpec, type SimModel, type SimRecord } from '../../src/simulate/speech-traffic';
import { uniqueName } from '../harness/env';
import { alertsOf, createSourceTopics, readTopic, uniqueTopics, type TestTopics } from '../integration/runtime-fixtures';
import { comparable, produceRouted, route, simFeatures, waitCaughtUp, type Routed } from '../integration/runtime-scenario';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sleeps until Date.now() ≥ `epochMs`. A timer can fire a millisecond early by Date.now()'s clock
 * (timers run on a monotonic clock, and Date.now() is rounded), which made "the outage lasted at
 * least 60 s" fail with 59,999 ms once: wait again until the wall clock agrees.
 */
export async function sleepUntil(epochMs: number): Promise<void> {
  for (let left = epochMs - Date.now(); left > 0; left = epochMs - Date.now()) await sleep(left);
}

/** mulberry32: the fault points are "random" but the same on every run (seeded). */
export { mulberry32 as seededRandom } from '../unit/sketch-random';

/** The first `perPartition` model ids `asr-<n>` that the simulator's key hash puts on each partition. */
export function modelsPerPartition(partitions: number, perPartition: number): string[][] {
  const on: string[][] = Array.from({ length: partitions }, () => []);
  for (let n = 0; on.some((ids) => ids.length < perPartition); n++) {
    const id = `asr-${n}`;
    const ids = on[keyHash(id) % partitions]!;
    if (ids.length < perPartition) ids.push(id);
  }
  return on;
}

/**
 * Speech traffic over two models per partition with seven drifts spread over every partition (one on a slice) (one of
 * them ends, so incidents also resolve). No feedback: the merge treats a feedback stream that
 * falls far behind as idle, a decision that depends on how fetches interleave (see
 * service-rebalance.test.ts); these tests are about faults, not about that.
 */
export function faultTraffic(seed: number, count: number, partitions = 3): SimRecord[] {
  const on = modelsPerPartition(partitions, 2);
  const models: SimModel[] = on.flat().map((id) => ({ id, versions: [{ version: 'v1', share: 1 }] }));
  const pick = (p: number, i: number): string => on[p % partitions]![i]!;
  const drifts: DriftSpec[] = [
    { metric: 'input_length', model: pick(0, 0), atRequest: 3500 },
    { metric: 'null_output', model: pick(0, 1), atRequest: 4000 },
    { metric: 'latency_ms', model: pick(1, 0), atRequest: 2000, untilRequest: 4000, magnitude: 2 },
    { metric: 'input_length', model: pick(2, 1), slice: { device: 'ios' }, atRequest: 3000, magnitude: 2 },
    { metric: 'confidence', model: pick(1, 1), atRequest: 4500 },
    { metric: 'brightness', model: pick(2, 0), atRequest: 3500 },
    { metric: 'feature:snr_db', model: pick(2, 1), atRequest: 4000 },
  ];
  return new SpeechTraffic({ seed, models, drifts, feedback: false }).take(count);
}

export interface FaultStream {
  topics: TestTopics;
  config: Readonly<DriftwatchConfig>;
  /** What a config file for the CLI needs (the overrides the effective config was built from). */
  fileConfig: DeepPartial<DriftwatchConfig>;
  routed: Routed[];
}

export interface FaultStreamOptions {
  prefix: string;
  brokers: string[];
  records: readonly SimRecord[];
  partitions?: number;
  overrides?: DeepPartial<DriftwatchConfig>;
}

/**
 * Creates the source topics (the service creates its alert, DLQ, checkpoint and outbox topics) and
 * the config: unique names, the ops server on a free port (the child's /metrics), checkpoints every
 * 2 s (several per run between faults, so restores start from a checkpoint that is older than the
 * committed offsets and re-push the records in between with outputs suppressed).
 */
export async function prepareStream(admin: Admin, o: FaultStreamOptions): Promise<FaultStream> {
  const partitions = o.partitions ?? 3;
  const topics = uniqueTopics(o.prefix);
  await createSourceTopics(admin, topics, partitions);
  const { kafka, ...rest } = o.overrides ?? {};
  const fileConfig: DeepPartial<DriftwatchConfig> = {
    shards: 2,
    // DRIFTWATCH_TEST_FAULT_LOG=info (or debug) makes the services log more (child logs: the test's faultDir).
    log: { level: (process.env.DRIFTWATCH_TEST_FAULT_LOG ?? 'warn') as DriftwatchConfig['log']['level'] },
    shutdownTimeoutMs: 60_000,
    features: simFeatures,
    checkpoint: { intervalMs: 2000, maxShardShare: 1 },
    ops: { port: await freeLoopbackPort() },
    ...rest,
    kafka: {
      brokers: o.brokers,
      clientId: uniqueName(`dw-${o.prefix}`),
      groupId: uniqueName(`dw-${o.prefix}-group`),
      fetchMaxWaitMs: 100,
      // A killed member never leaves its group: the restarted one gets its partitions once the
      // session times out. 10 s instead of the default 30 s keeps the kill tests short.
      sessionTimeoutMs: 10_000,
      ...kafka,
      topics: { ...topics, ...kafka?.topics },
    },
  };
  const config = loadConfig({ env: {}, overrides: fileConfig });
  return { topics, config, fileConfig, routed: route(o.records, topics, partitions) };
}

/** Produces a stream's records in order, in chunks, optionally paced; fills in their offsets. */
export class Feeder {
  /** Records produced so far (a prefix of `routed`). */
  next = 0;

  constructor(
    /** Replaceable: the broker-restart test gives it a fresh producer after the restart. */
    public producer: Producer,
    readonly routed: Routed[],
  ) {}

  get done(): boolean {
    return this.next >= this.routed.length;
  }

  /** Produces up to record index `end` (exclusive), `chunk` records at a time, `pauseMs` apart. */
  async produceUpTo(end: number, options: { chunk?: number; pauseMs?: number } = {}): Promise<void> {
    const chunk = options.chunk ?? 5000;
    const stop = Math.min(end, this.routed.length);
    while (this.next < stop) {
      const slice = this.routed.slice(this.next, Math.min(stop, this.next + chunk));
      await produceRouted(this.producer, slice);
      this.next += slice.length;
      if (options.pauseMs && this.next < stop) await sleep(options.pauseMs);
    }
  }
}

/** The alerts a live service that consumed exactly `routed` (and never ends) has produced. */
export async function referenceAlerts(config: Readonly<DriftwatchConfig>, routed: readonly Routed[]): Promise<DriftAlert[]> {
  const alerts: DriftAlert[] = [];
  const lines = routed.map((r) => JSON.stringify({ topic: r.topic, key: r.key, partition: r.partition, offset: r.offset, value: r.sim.value }));
  await replayEvents(config, lines, { alert: (a) => alerts.push(a) }, { finish: false });
  return alerts;
}

export const sourceTopicNames = (config: Readonly<DriftwatchConfig>): string[] => [config.kafka.topics.inputs, config.kafka.topics.outputs, config.kafka.topics.feedback];

/**
 * Retries an admin request for up to 30 s: right after a broker (re)start, the group coordinator
 * answers "not the correct coordinator" / "loading" for a while.
 */
async function retried<T>(what: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await what();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(250);
    }
  }
}

/** Sum of the group's committed offsets over the source topics (progress; -1 = none counts 0). */
export async function committedTotal(admin: Admin, config: Readonly<DriftwatchConfig>): Promise<number> {
  return retried(async () => {
    let total = 0;
    for (const topic of sourceTopicNames(config)) {
      const committed = await admin.fetchOffsets({ groupId: config.kafka.groupId, topics: [topic] });
      for (const p of committed[0]?.partitions ?? []) total += Math.max(0, Number(p.offset));
    }
    return total;
  });
}

/** Sum of the source topics' high watermarks. */
export async function endTotal(admin: Admin, config: Readonly<DriftwatchConfig>): Promise<number> {
  return retried(async () => {
    let total = 0;
    for (const topic of sourceTopicNames(config)) for (const e of await admin.fetchTopicOffsets(topic)) total += Number(e.high);
    return total;
  });
}

/** Polls until the committed total exceeds `baseline`; resolves with the ms waited. */
export async function waitCommitAdvance(admin: Admin, config: Readonly<DriftwatchConfig>, baseline: number, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const total = await committedTotal(admin, config).catch(() => -1);
    if (total > baseline) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: no committed offset advanced past ${baseline} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * "Done": the group's committed offsets reached the end of every source partition, then the alert
 * topic's end offsets stayed the same for three polls a second apart.
 */
export async function waitDone(admin: Admin, config: Readonly<DriftwatchConfig>, timeoutMs = 150_000): Promise<void> {
  await waitCaughtUp(admin, config, timeoutMs);
  let last = '';
  let stable = 0;
  while (stable < 3) {
    await sleep(1000);
    const ends = (await admin.fetchTopicOffsets(config.kafka.topics.alerts)).map((e) => `${e.partition}:${e.high}`).sort().join(',');
    stable = ends === last ? stable + 1 : 0;
    last = ends;
  }
}

export async function readCommittedAlerts(kafka: Kafka, admin: Admin, topic: string): Promise<DriftAlert[]> {
  return alertsOf(await readTopic(kafka, admin, topic));
}

/** alert_ids that occur more than once. */
export function duplicateIds(alerts: readonly DriftAlert[]): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const a of alerts) (seen.has(a.alert_id) ? dups : seen).add(a.alert_id);
  return [...dups].sort();
}

/** A one-line summary per alert, for the logs when a comparison fails. */
export function describeAlerts(alerts: readonly DriftAlert[]): string {
  return alerts
    .map((x) => `${x.alert_id.slice(0, 8)}:${x.model_id}:${x.metric}:${JSON.stringify(x.slice)}:${x.status}@${x.detected_at}`)
    .sort()
    .join('\n  ');
}

/**
 * The fault-test verdict: no alert_id twice, the same ids as the reference (none missing, none
 * extra) and the same content except the wall-clock `emitted_at`.
 */
export function expectSameAlerts(actual: readonly DriftAlert[], reference: readonly DriftAlert[], label: string): void {
  const dups = duplicateIds(actual);
  const ids = (xs: readonly DriftAlert[]): string[] => xs.map((x) => x.alert_id).sort();
  const missing = ids(reference).filter((id) => !actual.some((a) => a.alert_id === id));
  const extra = [...new Set(ids(actual))].filter((id) => !reference.some((a) => a.alert_id === id));
  if (dups.length > 0 || missing.length > 0 || extra.length > 0) {
    process.stdout.write(
      `[${label}] ${actual.length} alerts read, ${reference.length} expected; ${dups.length} duplicated, ${missing.length} missing, ${extra.length} unexpected\n` +
        `[${label}] expected:\n  ${describeAlerts(reference)}\n[${label}] read:\n  ${describeAlerts(actual)}\n`,
    );
  }
  expect(dups).toEqual([]);
  expect(ids(actual)).toEqual(ids(reference));
  const byIdOrder = (xs: readonly DriftAlert[]): DriftAlert[] => [...xs].sort((a, b) => (a.alert_id < b.alert_id ? -1 : a.alert_id > b.alert_id ? 1 : 0));
  expect(byIdOrder(actual).map(comparable)).toEqual(byIdOrder(reference).map(comparable));
}

/** The environment of a service child: the test's, without DRIFTWATCH_* (config comes from the file only). */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('DRIFTWATCH_')) env[k] = v;
  return env;
}

/** Every child still running, so afterAll can kill exactly the ones this test file started. */
const running = new Set<ServiceChild>();

/** `driftwatch run --config <file>` as a child process (the compiled CLI: `npm run build` first). */
export class ServiceChild {
  readonly child: ChildProcess;
  readonly startedAt = Date.now();
  /** Settles when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  private constructor(
    readonly configFile: string,
    readonly logFile: string,
  ) {
    const out = openSync(logFile, 'a');
    this.child = spawn(process.execPath, [join(packageRoot(), 'bin', 'driftwatch.js'), 'run', '--config', configFile], {
      stdio: ['ignore', out, out],
      env: childEnv(),
    });
    closeSync(out);
    running.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        running.delete(this);
        resolve({ code, signal, at: Date.now() });
      });
    });
  }

  /** Writes `fileConfig` as the JSON config file (once per stream) and starts the service. */
  static start(stream: FaultStream, dir: string, name: string): ServiceChild {
    const configFile = join(dir, 'driftwatch.json');
    writeFileSync(configFile, JSON.stringify(stream.fileConfig, null, 2));
    return new ServiceChild(configFile, join(dir, `${name}.log`));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** A field of /proc/<pid>/status in kB (VmRSS = resident now, VmHWM = peak resident), or null once gone. */
  memoryKb(field: 'VmRSS' | 'VmHWM'): number | null {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }

  /** The last lines of the child's output (for failure messages). */
  tail(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }
}

/**
 * Samples a process's resident memory (VmRSS) every `everyMs` from a separate small process, so
 * that the samples do not depend on the test's own event loop (busy producing records). stop()
 * returns the samples as { t: ms since start, mb }.
 */
export class RssSampler {
  private readonly proc: ChildProcess;
  private out = '';

  constructor(pid: number, everyMs = 250) {
    const script = `
      const fs = require('node:fs');
      const t0 = Date.now();
      const tick = () => {
        try {
          const m = /^VmRSS:\\s+(\\d+) kB/m.exec(fs.readFileSync('/proc/${pid}/status', 'utf8'));
          if (m) process.stdout.write((Date.now() - t0) + ' ' + m[1] + '\\n');
        } catch { process.exit(0); }
      };
      tick();
      setInterval(tick, ${everyMs});`;
    this.proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.proc.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
  }

  async stop(): Promise<{ t: number; mb: number }[]> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await exited;
    }
    return this.out
      .split('\n')
      .filter((l) => l.includes(' '))
      .map((l) => {
        const [t, kb] = l.split(' ');
        return { t: Number(t), mb: Number(kb) / 1024 };
      });
  }
}

/**
 * The logger of an in-process service under a fault: the faults make it log errors that are the
 * expected ones (connection refused while the broker is down, the injected crash), so only fatal
 * lines unless DRIFTWATCH_TEST_FAULT_LOG asks for more.
 */
export function faultLogger(): Logger {
  return pino({ level: process.env.DRIFTWATCH_TEST_FAULT_LOG ?? 'fatal' }, pino.destination(2));
}

/** SIGKILLs every service child this test file started and has not seen exit (afterAll). */
export async function killRunningChildren(): Promise<void> {
  const left = [...running];
  for (const c of left) c.kill('SIGKILL');
  await Promise.all(left.map((c) => c.exited));
}

/** A folder for a test's config file and child logs. */
export function faultDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `driftwatch-fault-${name}-`));
}

/** Sum of a Prometheus gauge over its series in a /metrics text (null when it has no series). */
export function metricSum(text: string, name: string): number | null {
  let sum = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) {
      sum += value;
      found = true;
    }
  }
  return found ? sum : null;
}

/** Median and range of a list of measurements, for the report lines. */
export function spread(values: readonly number[]): string {
  if (values.length === 0) return 'n/a';
  const s = [...values].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return `median ${Math.round(median)} ms, range ${s[0]}–${s[s.length - 1]} ms`;
}
