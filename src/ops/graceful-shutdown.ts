import type { Logger } from 'pino';

/**
 * The one shutdown path of the process. Components register async steps (mark not ready, stop
 * fetching, drain shards, commit, close producers, close the ops server) in the order they must
 * run; the first SIGTERM/SIGINT (or a call to `shutdown()`) runs them one after the other under a
 * hard timeout and then exits:
 * - exit 0 when every step finished in time;
 * - exit 1 when the timeout hit (remaining steps are abandoned) or a step threw (the later steps
 *   still run: a failed commit must not keep the producer open).
 * Repeated signals while shutting down are logged and ignored (idempotent): the same run continues
 * and the same exit code is used.
 */
export interface ShutdownStep {
  name: string;
  run(): Promise<void> | void;
}

export interface GracefulShutdownOptions {
  /** Hard limit for all steps together (config.shutdownTimeoutMs). */
  timeoutMs: number;
  logger?: Logger;
  /** Called with the exit code at the end; default process.exit. Tests pass their own. */
  exit?: (code: number) => void;
  /** Signals that start the shutdown; default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
}

export class GracefulShutdown {
  private readonly steps: ShutdownStep[] = [];
  private running: Promise<number> | undefined;
  private readonly signals: readonly NodeJS.Signals[];
  private readonly exit: (code: number) => void;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (this.running) this.options.logger?.warn({ signal }, 'shutdown already in progress; signal ignored');
    void this.shutdown(signal);
  };

  constructor(private readonly options: GracefulShutdownOptions) {
    this.signals = options.signals ?? ['SIGTERM', 'SIGINT'];
    this.exit = options.exit ?? ((code) => process.exit(code));
  }

  /** Adds a step; steps run in registration order. */
  register(name: string, run: ShutdownStep['run']): this {
    this.steps.push({ name, run });
    return this;
  }

  /** Starts listening for the signals. */
  install(): this {
    for (const s of this.signals) process.on(s, this.onSignal);
    return this;
  }

  /** Stops listening (tests; a process that exits does not need it). */
  uninstall(): void {
    for (const s of this.signals) process.off(s, this.onSignal);
  }

  /** Whether a shutdown has started. */
  get started(): boolean {
    return this.running !== undefined;
  }

  /** Runs the steps once (later calls return the same promise), then calls exit with the code. */
  shutdown(reason = 'requested'): Promise<number> {
    this.running ??= this.runSteps(reason).then((code) => {
      this.exit(code);
      return code;
    });
    return this.running;
  }

  private async runSteps(reason: string): Promise<number> {
    const log = this.options.logger;
    log?.info({ reason, steps: this.steps.map((s) => s.name), timeoutMs: this.options.timeoutMs }, 'shutting down');
    const started = Date.now();
    let failed = false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.timeoutMs);
    });
    const all = (async (): Promise<'done'> => {
      for (const step of this.steps) {
        const t0 = Date.now();
        try {
          await step.run();
          log?.info({ step: step.name, ms: Date.now() - t0 }, 'shutdown step done');
        } catch (e) {
          failed = true;
          log?.error({ step: step.name, err: e }, 'shutdown step failed');
        }
      }
      return 'done';
    })();
    const outcome = await Promise.race([all, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      log?.error(
        { code: 'DRIFTWATCH_SHUTDOWN_TIMEOUT', timeoutMs: this.options.timeoutMs },
        'graceful shutdown timed out; exiting with code 1',
      );
      return 1;
    }
    log?.info({ ms: Date.now() - started, failed }, failed ? 'shutdown finished with errors' : 'shutdown complete');
    return failed ? 1 : 0;
  }
}
