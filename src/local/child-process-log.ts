import { existsSync, readFileSync } from 'node:fs';
import { ChildProcess } from 'node:child_process';

/** The last `lines` lines of a log file, for error messages when a local server fails to start. */
export function tailOfFile(path: string, lines = 30): string {
  if (!existsSync(path)) return '(no log written)';
  return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
}

/**
 * Terminates a child process: SIGTERM first, SIGKILL after `graceMs`. Resolves once it has exited.
 */
export function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Kills the child when this process exits for any reason, so no server outlives its owner. */
export function killOnExit(child: ChildProcess): () => void {
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  return () => process.removeListener('exit', kill);
}
