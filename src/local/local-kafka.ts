import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { DriftwatchError } from '../../detectors/errors';
import { killOnExit, tailOfFile, terminate } from './child-process-log';
import { freeLoopbackPort } from './free-port';
import { packageRoot } from './package-root';

/** Options of {@link LocalKafka}. Every field is optional. */
export interface LocalKafkaOptions {
  /** Folder with the broker jars. Default: env `DRIFTWATCH_KAFKA_LIBS`, else `scripts/kafka/libs` of the package. */
  libsDir?: string;
  /** JVM heap, as `-Xmx`/`-Xms`. Default `512m`: enough for tests and the demo on a 2-core machine. */
  heap?: string;
  /** How long start() waits for the broker to answer an admin request. Default 60,000 ms. */
  startTimeoutMs?: number;
  /** Extra or overriding `server.properties` entries (listeners for TLS/SASL tests, retention, …). */
  properties?: Record<string, string | number | boolean>;
  /**
   * Extra listeners besides PLAINTEXT (which stays: start() checks readiness through it), by name:
   * `SSL`, `SASL_PLAINTEXT` or `SASL_SSL` (their security protocol is the same name). Each gets its own
   * free loopback port, see {@link LocalKafka.listenerBrokers}; their settings (keystore, JAAS, SASL
   * mechanisms) go into `properties`, e.g. `listener.name.sasl_plaintext.plain.sasl.jaas.config`.
   */
  extraListeners?: readonly ('SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL')[];
  /** SCRAM credentials written into the metadata at format time (`StorageTool format --add-scram`). */
  scram?: readonly { mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string }[];
  /** Progress messages (format, start, ready). Default: silent. */
  log?: (message: string) => void;
  /**
   * Run the JVM in its own process group, so a Ctrl-C in the terminal (SIGINT to the foreground
   * group) reaches only the owner, which then stops the broker in order (the demo). Default false.
   */
  detached?: boolean;
}

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker+controller) on 127.0.0.1, run from
 * the jars that `scripts/kafka/fetch-kafka.sh` assembles from Maven Central. Used by the test
 * harness and by `driftwatch demo`; there is no Docker engine to run the official image.
 *
 * `start()` picks free loopback ports, writes `server.properties`, formats the storage, starts
 * `kafka.Kafka` and resolves once an admin request succeeds. `stop()` terminates the JVM and
 * removes the data directory; `stop({ keepData: true })` + `start()` restarts the same broker
 * (same ports, same data), which fault tests use.
 */
export class LocalKafka {
  private readonly options: LocalKafkaOptions;
  private dir: string | undefined;
  private child: ChildProcess | undefined;
  private forgetExitHook: (() => void) | undefined;
  private brokerPort = 0;
  private controllerPort = 0;
  private extraPorts = new Map<string, number>();

  constructor(options: LocalKafkaOptions = {}) {
    this.options = options;
  }

  /** `host:port` of the broker's PLAINTEXT listener, for kafkajs `brokers`. */
  get brokers(): string[] {
    if (this.brokerPort === 0) throw new DriftwatchError('DRIFTWATCH_KAFKA_NOT_STARTED', 'the local Kafka broker has not been started');
    return [`127.0.0.1:${this.brokerPort}`];
  }

  /** `host:port` of an extra listener named in `options.extraListeners`. */
  listenerBrokers(name: 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL'): string[] {
    const port = this.extraPorts.get(name);
    if (port === undefined) throw new DriftwatchError('DRIFTWATCH_KAFKA_NOT_STARTED', `the local Kafka broker has no started ${name} listener`);
    return [`127.0.0.1:${port}`];
  }

  /** The broker's log file (log4j output), useful when something goes wrong. */
  get logFile(): string {
    return join(this.workDir(), 'logs', 'server.log');
  }

  /** Starts the broker and resolves when it answers an admin request. Returns the start-to-ready time in ms. */
  async start(): Promise<number> {
    const started = Date.now();
    const libs = this.options.libsDir ?? process.env.DRIFTWATCH_KAFKA_LIBS ?? join(packageRoot(), 'scripts', 'kafka', 'libs');
    checkJava();
    checkJars(libs);
    const firstStart = this.dir === undefined;
    const dir = this.workDir();
    if (firstStart) {
      this.brokerPort = await freeLoopbackPort();
      this.controllerPort = await freeLoopbackPort();
      for (const name of this.options.extraListeners ?? []) this.extraPorts.set(name, await freeLoopbackPort());
      this.writeConfig(dir);
      this.format(libs, dir);
    }
    this.launch(libs, dir);
    await this.waitUntilReady(started);
    return Date.now() - started;
  }

  /** Terminates the JVM (SIGTERM, then SIGKILL after 15 s) and removes its data unless `keepData`. */
  async stop(options: { keepData?: boolean } = {}): Promise<void> {
    if (this.child !== undefined) {
      await terminate(this.child, 15_000);
      this.forgetExitHook?.();
      this.child = undefined;
    }
    if (!options.keepData && this.dir !== undefined) {
      rmSync(this.dir, { recursive: true, force: true });
      this.dir = undefined;
      this.brokerPort = 0;
      this.controllerPort = 0;
      this.extraPorts.clear();
    }
  }

  private workDir(): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'driftwatch-kafka-'));
    return this.dir;
  }

  private writeConfig(dir: string): void {
    const p = this.brokerPort;
    const c = this.controllerPort;
    const extra = [...this.extraPorts].map(([name, port]) => `,${name}://127.0.0.1:${port}`).join('');
    const properties: Record<string, string | number | boolean> = {
      'process.roles': 'broker,controller',
      'node.id': 1,
      'controller.quorum.voters': `1@127.0.0.1:${c}`,
      // Advertise 127.0.0.1: "localhost" may resolve to ::1 first, and 0.0.0.0 is not connectable.
      listeners: `PLAINTEXT://127.0.0.1:${p},CONTROLLER://127.0.0.1:${c}${extra}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${p}${extra}`,
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
      'log.dirs': join(dir, 'data'),
      'num.partitions': 1,
      // One node: every replication factor must be 1 or the group coordinator never comes up; one
      // partition for the internal topics makes the first group join fast.
      'offsets.topic.replication.factor': 1,
      'offsets.topic.num.partitions': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      'transaction.state.log.num.partitions': 1,
      'default.replication.factor': 1,
      'min.insync.replicas': 1,
      'group.initial.rebalance.delay.ms': 0,
      // The cleaner's dedupe buffer defaults to 128 MiB on the heap; 16 MiB fits a small heap.
      'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
      'num.network.threads': 2,
      'num.io.threads': 4,
      'auto.create.topics.enable': false,
      ...this.options.properties,
    };
    const text = Object.entries(properties).map(([k, v]) => `${k}=${String(v)}`).join('\n') + '\n';
    writeFileSync(join(dir, 'server.properties'), text);
    mkdirSync(join(dir, 'logs'), { recursive: true });
    writeFileSync(
      join(dir, 'log4j.properties'),
      [
        'log4j.rootLogger=INFO, file',
        'log4j.appender.file=org.apache.log4j.FileAppender',
        `log4j.appender.file.File=${join(dir, 'logs', 'server.log')}`,
        'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
        'log4j.logger.kafka=INFO',
        'log4j.logger.org.apache.kafka=INFO',
        '',
      ].join('\n'),
    );
  }

  private format(libs: string, dir: string): void {
    // A cluster id is 16 random bytes in base64url; one that starts with '-' reads as a flag.
    let clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
    this.options.log?.(`formatting Kafka storage in ${dir}`);
    const result = spawnSync(
      'java',
      [...this.jvmArgs(dir), '-cp', join(libs, '*'), 'kafka.tools.StorageTool', 'format', '--cluster-id', clusterId,
        '--config', join(dir, 'server.properties'), '--ignore-formatted',
        ...(this.options.scram ?? []).flatMap((s) => ['--add-scram', `${s.mechanism}=[name=${s.username},password=${s.password}]`])],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (result.status !== 0) {
      throw new DriftwatchError('DRIFTWATCH_KAFKA_START_FAILED', `formatting the Kafka storage failed (exit ${String(result.status)}):\n${result.stderr}${result.stdout}`, {
        details: { dir },
      });
    }
  }

  private jvmArgs(dir: string): string[] {
    const heap = this.options.heap ?? '512m';
    return [`-Xmx${heap}`, `-Xms${heap}`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35',
      '-XX:+ExplicitGCInvokesConcurrent', '-Djava.awt.headless=true', `-Dkafka.logs.dir=${join(dir, 'logs')}`,
      `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`];
  }

  private launch(libs: string, dir: string): void {
    const out = openSync(join(dir, 'logs', 'stdout.log'), 'a');
    this.options.log?.(`starting Kafka on 127.0.0.1:${this.brokerPort}`);
    // The classpath wildcard is passed unexpanded: the JVM, not a shell, expands it.
    this.child = spawn('java', [...this.jvmArgs(dir), '-cp', join(libs, '*'), 'kafka.Kafka', join(dir, 'server.properties')], {
      stdio: ['ignore', out, out],
      detached: this.options.detached ?? false,
    });
    closeSync(out);
    this.forgetExitHook = killOnExit(this.child);
  }

  private async waitUntilReady(started: number): Promise<void> {
    const timeoutMs = this.options.startTimeoutMs ?? 60_000;
    const child = this.child;
    const admin = new Kafka({ clientId: 'driftwatch-local-kafka', brokers: this.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    try {
      for (;;) {
        if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
          throw this.startFailure(`the Kafka JVM exited during start-up (code ${String(child?.exitCode)})`);
        }
        if (Date.now() - started > timeoutMs) {
          await this.stop({ keepData: true });
          throw this.startFailure(`the Kafka broker did not answer within ${timeoutMs} ms`);
        }
        try {
          await admin.connect();
          await admin.describeCluster();
          await admin.listTopics();
          this.options.log?.(`Kafka ready on ${this.brokers.join(',')} after ${Date.now() - started} ms`);
          return;
        } catch {
          await admin.disconnect().catch(() => undefined);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private startFailure(message: string): DriftwatchError {
    const dir = this.workDir();
    return new DriftwatchError('DRIFTWATCH_KAFKA_START_FAILED', `${message}. Last lines of the broker log:\n${tailOfFile(join(dir, 'logs', 'server.log'))}\n${tailOfFile(join(dir, 'logs', 'stdout.log'), 10)}`, {
      details: { dir },
    });
  }
}

function checkJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new DriftwatchError('DRIFTWATCH_KAFKA_JAVA_MISSING', 'a Java runtime (17 or newer) is needed to run the local Kafka broker: install one (e.g. apt-get install openjdk-17-jre-headless)', {
      cause: probe.error,
    });
  }
}

function checkJars(libs: string): void {
  const hasBroker = existsSync(libs) && readdirSync(libs).some((f) => /^kafka_2\.13-.*\.jar$/.test(f));
  if (!hasBroker) {
    throw new DriftwatchError('DRIFTWATCH_KAFKA_JARS_MISSING', `the Kafka broker jars are not in ${libs}: run \`npm run kafka:fetch\` (needs Maven) or set DRIFTWATCH_KAFKA_LIBS`, {
      details: { libs },
    });
  }
}
