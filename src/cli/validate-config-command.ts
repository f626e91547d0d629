import { parseArgs } from 'node:util';
import { stringify as toYaml } from 'yaml';
import { configFlagOptions, loadConfig, redactConfig } from '../config/load-config';
import type { CliCommand } from './cli-command';

const usage = `Usage: driftwatch validate-config <file> [--json] [--set <option.path>=<value>]... [--brokers <host:port,...>]

Validates a configuration file (YAML or JSON, by extension) together with the DRIFTWATCH_* environment
variables and the flags, and prints the effective configuration with secrets redacted.
Exit code 0 when valid; 1 with the problems (field, value, where it came from, valid values) on stderr.

Options:
  --json                    print JSON instead of YAML
  --set <path>=<value>      override one option, e.g. --set windows.size=500 (repeatable)
  --brokers <list>          shorthand for --set kafka.brokers=<list>
  -h, --help                this text

Precedence: defaults < file < DRIFTWATCH_* env vars < flags. See docs/configuration.md.`;

/** `driftwatch validate-config <file>`: check a config and print the effective one (secrets redacted). */
export const validateConfigCommand: CliCommand = {
  name: 'validate-config',
  summary: 'check a config file and print the effective configuration (secrets redacted)',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        set: configFlagOptions.set,
        brokers: configFlagOptions.brokers,
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(usage + '\n');
      return 0;
    }
    if (positionals.length !== 1) {
      process.stderr.write(`driftwatch validate-config: expected exactly one config file\n\n${usage}\n`);
      return 2;
    }
    const config = loadConfig({ file: positionals[0]!, flags: { set: values.set, brokers: values.brokers } });
    const printable = redactConfig(config);
    process.stdout.write(values.json ? JSON.stringify(printable, null, 2) + '\n' : toYaml(printable));
    return 0;
  },
};
