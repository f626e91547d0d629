/**
 * One `driftwatch <command>`. Each command lives in its own file under src/cli/ and is listed once
 * in src/cli/command-list.ts. Commands parse their own flags with node's `util.parseArgs`, accept
 * `--help` (print `usage`, return 0), write results to stdout and return the process exit code:
 * 0 = success, 1 = failure (a coded error printed to stderr by main), 2 = usage error.
 */
export interface CliCommand {
  /** What the user types after `driftwatch`, kebab-case. */
  name: string;
  /** One line for `driftwatch --help`. */
  summary: string;
  /** Full help text printed by `driftwatch <command> --help`. */
  usage: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}
