import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDriftwatchError } from '../../detectors/errors';
import { didYouMean } from '../config/config-errors';
import { packageRoot } from '../local/package-root';
import type { CliCommand } from './cli-command';
import { commands } from './command-list';

/**
 * `driftwatch <command> [...]`: dispatches to the commands of command-list.ts.
 * Exit codes: 0 ok; 1 the command failed (a coded error, printed as `CODE: message` on stderr);
 * 2 usage error (unknown command or flag, missing argument).
 */

export function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

export function helpText(list: readonly CliCommand[] = commands): string {
  const width = Math.max(...list.map((c) => c.name.length), 'help'.length);
  const lines = list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: driftwatch <command> [options]',
    '',
    'Streaming drift detection for machine learning in production.',
    '',
    'Commands:',
    ...lines,
    `  ${'help'.padEnd(width)}  this list, or \`driftwatch help <command>\` for one command`,
    '',
    'Options: --help (also after a command), --version',
  ].join('\n');
}

function isUsageError(e: unknown): e is Error & { code: string } {
  const code = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** Runs one command line (without `node` and the script path); resolves to the exit code. */
export async function main(argv: string[], list: readonly CliCommand[] = commands): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(helpText(list) + '\n');
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    const command = topic === undefined ? undefined : list.find((c) => c.name === topic);
    if (topic !== undefined && !command) return unknownCommand(topic, list);
    process.stdout.write((command ? command.usage : helpText(list)) + '\n');
    return 0;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  const command = list.find((c) => c.name === first);
  if (!command) return unknownCommand(first, list);
  try {
    return await command.run(rest);
  } catch (e) {
    if (isUsageError(e)) {
      process.stderr.write(`driftwatch ${command.name}: ${e.message}\nRun \`driftwatch ${command.name} --help\` for its options.\n`);
      return 2;
    }
    if (isDriftwatchError(e)) {
      process.stderr.write(`driftwatch ${command.name}: ${e.code}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`driftwatch ${command.name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

function unknownCommand(name: string, list: readonly CliCommand[]): number {
  const guess = didYouMean(name, list.map((c) => c.name));
  process.stderr.write(
    `driftwatch: unknown command "${name}".${guess ? ` Did you mean "${guess}"?` : ''} Run \`driftwatch --help\` for the list of commands.\n`,
  );
  return 2;
}
