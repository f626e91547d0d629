/**
 * `driftwatch run --config <file>`: the service in the foreground until SIGTERM or SIGINT, which
 * start the graceful shutdown (a second signal does not cut it short; the hard timeout
 * `shutdownTimeoutMs` does). Exit code 0 after a clean stop, 1 after a failed start or a shutdown
 * that hit the timeout.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load-config';
import { createLogger } from '../logging';
import { GracefulShutdown } from '../ops/graceful-shutdown';
import { startService } from '../service/driftwatch-service';
import type { CliCommand } from './cli-command';

const usage = `Usage: driftwatch run [--config <file>]

Runs the drift-detection service: consumes the inputs, outputs and feedback topics as one consumer
group, detects drift on worker threads, produces alerts to the alert topic (and DLQ entries, and
retraining jobs when redis.url is set). Stops gracefully on SIGTERM / SIGINT.

Options:
  --config <file>   YAML or JSON config file (defaults < file < DRIFTWATCH_* env vars)
  --help            this text`;

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run the drift-detection service (Kafka in, alerts out) until SIGTERM/SIGINT',
  usage,
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
    if (values.help) {
      process.stdout.write(usage + '\n');
      return 0;
    }
    const config = loadConfig(values.config === undefined ? {} : { file: values.config });
    const service = await startService(config);
    // The service applies shutdownTimeoutMs itself (and terminates its workers when it hits it);
    // the outer limit only guards against a stop() that never settles.
    return new Promise<number>((resolve) => {
      const shutdown = new GracefulShutdown({ timeoutMs: config.shutdownTimeoutMs + 2000, logger: createLogger(config, 'shutdown'), exit: resolve });
      shutdown.register('service', () => service.stop('signal')).install();
    });
  },
};
