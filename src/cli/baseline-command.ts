/**
 * `driftwatch baseline`: builds a reference profile from training or known-good data, with the
 * extraction of the live pipeline, for `reference.mode: profile` (`reference.profilePath`).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configFlagOptions, loadConfig } from '../config/load-config';
import { buildBaseline } from '../replay/run-replay';
import type { CliCommand } from './cli-command';

const usage = `Usage: driftwatch baseline --events <events.jsonl> --out <profile.json> [--config <file>] [--set <path>=<value>]...

Reads an events file (the format of driftwatch replay) of training or known-good traffic and writes
a baseline profile: for every (model, version, slice, metric) series, its first reference.size
values (counts for rates and categorical features). Use it with reference.mode=profile and
reference.profilePath=<profile.json>; series missing from the profile fall back to first-n, and a
series of a new model version uses the profile of another version of the same model.

Options:
  --events <file>       the events file (JSON lines)
  --out <file>          the profile to write (JSON)
  --config <file>       YAML or JSON config (features, slices, topics, reference.size)
  --set <path>=<value>  override one option (repeatable)
  -h, --help            this text`;

export const baselineCommand: CliCommand = {
  name: 'baseline',
  summary: 'build a reference profile from known-good events (for reference.mode=profile)',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        events: { type: 'string' },
        out: { type: 'string' },
        config: configFlagOptions.config,
        set: configFlagOptions.set,
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(usage + '\n');
      return 0;
    }
    if (values.events === undefined || values.out === undefined) {
      process.stderr.write(`driftwatch baseline: --events and --out are required\n\n${usage}\n`);
      return 2;
    }
    // The profile is built whatever reference.mode says; only reference.size matters here.
    const config = loadConfig({ ...(values.config === undefined ? {} : { file: values.config }), flags: { set: values.set } });
    const { profile, summary } = await buildBaseline(config, values.events);
    writeFileSync(values.out, JSON.stringify(profile) + '\n');
    process.stdout.write(
      `baseline: ${summary.consumed} records (${summary.rejected} rejected, ${summary.late} late) -> ` +
        `${profile.series.length} series in ${values.out}\n`,
    );
    return 0;
  },
};
