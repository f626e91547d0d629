import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/local/package-root';

jest.setTimeout(420_000);

/** Pids of the live children of `pid` with their command names (from /proc). */
function childrenOf(pid: number): Array<{ pid: number; comm: string }> {
  const found: Array<{ pid: number; comm: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
      // "pid (comm) state ppid …": comm may contain spaces, so split after the last ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === pid) found.push({ pid: Number(entry), comm });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// `driftwatch demo` end to end, as a user runs it (after the build): a real broker and redis-server
// of its own, the service, simulated traffic, alerts printed from the alert topic; Ctrl-C (SIGINT)
// stops it all and exits 0.
describe('driftwatch demo', () => {
  it('reports every announced drift as an alert and stops cleanly on SIGINT, leaving no broker or redis-server behind', async () => {
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'driftwatch.js'), 'demo', '--fast', '--duration', '400'], {
      cwd: packageRoot(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let servers: Array<{ pid: number; comm: string }> = [];
    try {
      const deadline = Date.now() + 360_000;
      while (!output.includes('scenario complete') && child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        if (servers.length < 2) servers = childrenOf(child.pid as number).filter((c) => c.comm === 'java' || c.comm === 'redis-server');
      }
      expect(child.exitCode).toBeNull();
      expect(servers.map((s) => s.comm).sort()).toEqual(['java', 'redis-server']);
      child.kill('SIGINT');
      const code = await exited;
      process.stdout.write(output.split('\n').filter((l) => /▶|FIRING|resolved|✓|↻|complete|stopped/.test(l)).join('\n') + '\n');
      expect(code).toBe(0);
      expect(output).toContain('stopped:');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }

    // Every announced drift ("▶ hh:mm:ss  drift k/n injected: <model>[ <k=v>] — …[<metric>, …]")
    // has a firing alert line for that model, slice and metric.
    const announced = [...output.matchAll(/drift (\d+)\/(\d+) injected: (\S+)( \S+=\S+)? — .*\[([a-z_:]+), from request/g)];
    expect(announced.length).toBe(Number(announced[0]?.[2]));
    const alertLines = output.split('\n').filter((l) => /\sFIRING\s/.test(l));
    for (const [, , , model, slice, metric] of announced) {
      const wanted = slice === undefined ? '(all)' : (slice as string).trim();
      const hit = alertLines.find((l) => l.includes(` ${model as string}@`) && l.includes(`  ${wanted}  `) && l.includes(`  ${metric as string}  `));
      expect({ model, slice: wanted, metric, alert: hit !== undefined }).toEqual({ model, slice: wanted, metric, alert: true });
    }
    // Nothing left running: the broker JVM and redis-server the demo started are gone.
    for (const s of servers) expect({ ...s, alive: alive(s.pid) }).toEqual({ ...s, alive: false });
  });
});
