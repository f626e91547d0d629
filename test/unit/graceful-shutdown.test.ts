import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { GracefulShutdown } from '../../src/ops/graceful-shutdown';

function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('GracefulShutdown', () => {
  it('runs the steps in order once and exits 0', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const shutdown = new GracefulShutdown({ timeoutMs: 10_000, exit: (c) => exits.push(c) })
      .register('not ready', () => void order.push('not ready'))
      .register('drain', async () => {
        await new Promise((r) => setImmediate(r));
        order.push('drain');
      })
      .register('close', () => void order.push('close'));
    expect(shutdown.started).toBe(false);
    const first = shutdown.shutdown('test');
    const second = shutdown.shutdown('again');
    expect(second).toBe(first);
    expect(await first).toBe(0);
    expect(await second).toBe(0);
    expect(order).toEqual(['not ready', 'drain', 'close']);
    expect(exits).toEqual([0]);
  });

  it('exits 1 when the hard timeout hits, abandoning the remaining steps', async () => {
    const hang = deferred();
    const order: string[] = [];
    const exits: number[] = [];
    const { logger, lines } = capturingLogger();
    const shutdown = new GracefulShutdown({ timeoutMs: 20, logger, exit: (c) => exits.push(c) })
      .register('hangs', () => hang.promise)
      .register('after', () => void order.push('after'));
    expect(await shutdown.shutdown()).toBe(1);
    expect(exits).toEqual([1]);
    expect(lines.some((l) => l.code === 'DRIFTWATCH_SHUTDOWN_TIMEOUT')).toBe(true);
    hang.resolve();
    await new Promise((r) => setImmediate(r));
    // The abandoned sequence may finish its steps, but the exit code was given once.
    expect(exits).toEqual([1]);
  });

  it('logs a failing step, still runs the later ones, and exits 1', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    const { logger, lines } = capturingLogger();
    const shutdown = new GracefulShutdown({ timeoutMs: 10_000, logger, exit: (c) => exits.push(c) })
      .register('commit', () => {
        throw new Error('commit failed');
      })
      .register('close producer', () => void order.push('close producer'));
    expect(await shutdown.shutdown()).toBe(1);
    expect(order).toEqual(['close producer']);
    expect(lines.find((l) => l.msg === 'shutdown step failed')).toMatchObject({ step: 'commit' });
  });

});

/**
 * Real signals need a real process: jest's sandboxed `process` does not receive them. The child
 * runs the compiled helper (npm test builds before jest; locally run `npm run build` first).
 */
describe('GracefulShutdown in a real process', () => {
  const compiled = join(__dirname, '..', '..', 'dist', 'src', 'ops', 'graceful-shutdown.js');
  const children: ChildProcessWithoutNullStreams[] = [];
  // A failed assertion must not leave a child behind.
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  /** Starts a child whose one shutdown step ends when `stepEndsOn` arrives (or never). */
  function child(timeoutMs: number, stepEndsOn: 'SIGINT' | 'never'): ChildProcessWithoutNullStreams {
    const script = `
      const { GracefulShutdown } = require(${JSON.stringify(compiled)});
      const logger = require('pino')();
      new GracefulShutdown({ timeoutMs: ${timeoutMs}, logger })
        .register('step', () => new Promise((resolve) => {
          if (${JSON.stringify(stepEndsOn)} === 'SIGINT') process.once('SIGINT', () => setImmediate(resolve));
        }))
        .install();
      setInterval(() => {}, 1000);
      logger.info('child ready');
    `;
    const proc = spawn(process.execPath, ['-e', script], { cwd: join(__dirname, '..', '..') });
    children.push(proc);
    return proc;
  }

  /** Collects the child's JSON log lines; resolves `until(msg)` when a line with that msg appears. */
  function logsOf(proc: ChildProcessWithoutNullStreams): { lines: Array<Record<string, unknown>>; until(msg: string): Promise<void>; exit: Promise<number | null> } {
    const lines: Array<Record<string, unknown>> = [];
    const waiters: Array<[string, () => void]> = [];
    let buffer = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        for (const [msg, done] of waiters) if (line.msg === msg) done();
      }
    });
    const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    return {
      lines,
      exit,
      until: (msg) => (lines.some((l) => l.msg === msg) ? Promise.resolve() : new Promise((resolve) => void waiters.push([msg, resolve]))),
    };
  }

  it('starts on SIGTERM, ignores a repeated signal, runs the steps once and exits 0', async () => {
    expect(existsSync(compiled)).toBe(true);
    const proc = child(60_000, 'SIGINT');
    const logs = logsOf(proc);
    await logs.until('child ready');
    proc.kill('SIGTERM');
    await logs.until('shutting down');
    proc.kill('SIGINT');
    expect(await logs.exit).toBe(0);
    expect(logs.lines.filter((l) => l.msg === 'shutting down')).toEqual([expect.objectContaining({ reason: 'SIGTERM', steps: ['step'] })]);
    expect(logs.lines.filter((l) => l.msg === 'shutdown already in progress; signal ignored')).toHaveLength(1);
    expect(logs.lines.filter((l) => l.msg === 'shutdown step done')).toHaveLength(1);
  });

  it('exits 1 when a step outlives the hard timeout', async () => {
    const proc = child(100, 'never');
    const logs = logsOf(proc);
    await logs.until('child ready');
    proc.kill('SIGINT');
    expect(await logs.exit).toBe(1);
    expect(logs.lines.some((l) => l.code === 'DRIFTWATCH_SHUTDOWN_TIMEOUT')).toBe(true);
  });
});
