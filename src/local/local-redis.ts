import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DriftwatchError } from '../../detectors/errors';
import { killOnExit, tailOfFile, terminate } from './child-process-log';
import { freeLoopbackPort } from './free-port';

/** Options of {@link LocalRedis}. */
export interface LocalRedisOptions {
  /** The server binary. Default `redis-server` on PATH (Debian package `redis-server`). */
  binary?: string;
  /** How long start() waits for PING to answer. Default 20,000 ms. */
  startTimeoutMs?: number;
  /** Extra `redis-server` arguments, e.g. `['--requirepass', 'secret']`. */
  args?: string[];
  /** Run the server in its own process group (terminal Ctrl-C reaches only the owner). Default false. */
  detached?: boolean;
}

/** True when a `redis-server` binary can be run here (the demo turns retraining off otherwise). */
export function redisServerAvailable(binary = 'redis-server'): boolean {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
}

/**
 * A throwaway `redis-server` on a free 127.0.0.1 port with persistence off, for tests and the
 * demo. `stop({ keepPort: true })` + `start()` restarts it on the same port, which the
 * Redis-outage tests use.
 */
export class LocalRedis {
  private readonly options: LocalRedisOptions;
  private readonly dir = mkdtempSync(join(tmpdir(), 'driftwatch-redis-'));
  private child: ChildProcess | undefined;
  private forgetExitHook: (() => void) | undefined;
  private port = 0;

  constructor(options: LocalRedisOptions = {}) {
    this.options = options;
  }

  /** `redis://127.0.0.1:<port>` of the running server. */
  get url(): string {
    if (this.port === 0) throw new DriftwatchError('DRIFTWATCH_REDIS_NOT_STARTED', 'the local Redis server has not been started');
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server; resolves once PING answers. Returns the start-to-ready time in ms. */
  async start(): Promise<number> {
    const started = Date.now();
    const binary = this.options.binary ?? 'redis-server';
    if (!redisServerAvailable(binary)) {
      throw new DriftwatchError('DRIFTWATCH_REDIS_MISSING', `${binary} is not installed: install the Debian package redis-server, or set REDIS_URL to an existing server`);
    }
    if (this.port === 0) this.port = await freeLoopbackPort();
    const logFile = join(this.dir, 'redis.log');
    this.child = spawn(binary, [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', this.dir, '--logfile', logFile, '--daemonize', 'no', ...(this.options.args ?? []),
    ], { stdio: 'ignore', detached: this.options.detached ?? false });
    this.forgetExitHook = killOnExit(this.child);
    const timeoutMs = this.options.startTimeoutMs ?? 20_000;
    for (;;) {
      if (this.child.exitCode !== null) {
        throw new DriftwatchError('DRIFTWATCH_REDIS_START_FAILED', `redis-server exited during start-up:\n${tailOfFile(logFile)}`);
      }
      if (await pingOnce(this.port, this.options.args)) return Date.now() - started;
      if (Date.now() - started > timeoutMs) {
        await this.stop();
        throw new DriftwatchError('DRIFTWATCH_REDIS_START_FAILED', `redis-server did not answer within ${timeoutMs} ms:\n${tailOfFile(logFile)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the server; with `keepPort` a later start() reuses the same port (same URL). */
  async stop(options: { keepPort?: boolean } = {}): Promise<void> {
    if (this.child !== undefined) {
      await terminate(this.child, 5_000);
      this.forgetExitHook?.();
      this.child = undefined;
    }
    if (!options.keepPort) {
      this.port = 0;
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

async function pingOnce(port: number, args: string[] | undefined): Promise<boolean> {
  const passwordIndex = args?.indexOf('--requirepass') ?? -1;
  const password = passwordIndex >= 0 ? args?.[passwordIndex + 1] : undefined;
  const client = new Redis({ host: '127.0.0.1', port, password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
