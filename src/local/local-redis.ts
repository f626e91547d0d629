import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { DriftwatchError } from '../../detectors/errors';
import { killOnExit, tailOfFile, terminate } from './child-process-log';
import { freeLoopbackPort } from './free-port';

/** TLS of a {@link LocalRedis}: PEM files made by the caller (tests generate a CA with openssl). */
export interface LocalRedisTls {
  /** Server certificate (for IP 127.0.0.1) and its key. */
  certFile: string;
  keyFile: string;
  /** CA that verifies client certificates (Redis requires the option even without client auth). */
  caFile: string;
  /** Require a client certificate signed by `caFile` (mutual TLS). Default false. */
  authClients?: boolean;
}

/** Options of {@link LocalRedis}. */
export interface LocalRedisOptions {
  /** The server binary. Default `redis-server` on PATH (Debian package `redis-server`). */
  binary?: string;
  /** How long start() waits for PING to answer. Default 20,000 ms. */
  startTimeoutMs?: number;
  /** Extra `redis-server` arguments. */
  args?: string[];
  /** Run the server in its own process group (terminal Ctrl-C reaches only the owner). Default false. */
  detached?: boolean;
  /** `requirepass`: every client must AUTH with this password. */
  password?: string;
  /** Serve TLS only (`--tls-port`, plain port closed); the URL becomes `rediss://`. */
  tls?: LocalRedisTls;
  /**
   * Append-only file on (fsync every second, flushed on a clean stop), so `stop({ keepPort: true })`
   * + `start()` comes back with the data, like a production Redis restarted. Default false: a
   * throwaway server.
   */
  persistence?: boolean;
}

/** True when a `redis-server` binary can be run here (the demo turns retraining off otherwise). */
export function redisServerAvailable(binary = 'redis-server'): boolean {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return probe.error === undefined && probe.status === 0;
}

/**
 * A throwaway `redis-server` on a free 127.0.0.1 port, for tests and the demo; persistence off
 * unless asked for, optionally with a password and/or TLS. `stop({ keepPort: true })` + `start()`
 * restarts it on the same port (and, with persistence, with the same data), which the Redis-outage
 * tests use.
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

  /** `redis://127.0.0.1:<port>` (`rediss://` with TLS) of the running server; never holds the password. */
  get url(): string {
    if (this.port === 0) throw new DriftwatchError('DRIFTWATCH_REDIS_NOT_STARTED', 'the local Redis server has not been started');
    return `${this.options.tls === undefined ? 'redis' : 'rediss'}://127.0.0.1:${this.port}`;
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
    const { tls, password } = this.options;
    const listen = tls === undefined
      ? ['--port', String(this.port)]
      : ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile,
        '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', tls.authClients === true ? 'yes' : 'no'];
    const persistence = this.options.persistence === true
      ? ['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec']
      : ['--save', '', '--appendonly', 'no'];
    // The password goes through stdin as a config line, not argv: argv is visible to every user in `ps`.
    this.child = spawn(binary, [
      '-', ...listen, '--bind', '127.0.0.1', ...persistence,
      '--dir', this.dir, '--logfile', logFile, '--daemonize', 'no', ...(this.options.args ?? []),
    ], { stdio: ['pipe', 'ignore', 'ignore'], detached: this.options.detached ?? false });
    this.child.stdin?.on('error', () => undefined);
    this.child.stdin?.end(password === undefined ? '' : `requirepass "${password.replace(/["\\]/g, '\\$&')}"\n`);
    this.forgetExitHook = killOnExit(this.child);
    const timeoutMs = this.options.startTimeoutMs ?? 20_000;
    for (;;) {
      if (this.child.exitCode !== null) {
        throw new DriftwatchError('DRIFTWATCH_REDIS_START_FAILED', `redis-server exited during start-up:\n${tailOfFile(logFile)}`);
      }
      if (await pingOnce(this.clientOptions())) return Date.now() - started;
      if (Date.now() - started > timeoutMs) {
        await this.stop();
        throw new DriftwatchError('DRIFTWATCH_REDIS_START_FAILED', `redis-server did not answer within ${timeoutMs} ms:\n${tailOfFile(logFile)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the server; with `keepPort` a later start() reuses the same port (same URL) and data folder. */
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

  /** ioredis options of a client that passes this server's password and TLS (its own checks). */
  private clientOptions(): RedisOptions {
    const { tls, password } = this.options;
    const options: RedisOptions = { host: '127.0.0.1', port: this.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null };
    if (password !== undefined) options.password = password;
    if (tls !== undefined) {
      options.tls = { ca: [readFileSync(tls.caFile, 'utf8')] };
      // With client authentication on, the server's own certificate is presented as the client's.
      if (tls.authClients === true) Object.assign(options.tls, { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') });
    }
    return options;
  }
}

async function pingOnce(options: RedisOptions): Promise<boolean> {
  const client = new Redis(options);
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
