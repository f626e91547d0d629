import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { commands } from '../../src/cli/command-list';
import { defaultConfig, redactConfig } from '../../src/config/load-config';

// The CLI as users run it: `node bin/driftwatch.js …` on the compiled dist/ (npm test builds before
// jest; locally run `npm run build` first).
const root = join(__dirname, '..', '..');
const bin = join(root, 'bin', 'driftwatch.js');
const example = join(root, 'driftwatch.example.yaml');

/** The parent's environment without DRIFTWATCH_* (the harness's variables must not leak in). */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DRIFTWATCH_')));

function driftwatch(args: string[], env: Record<string, string> = {}, script = bin): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: root, env: { ...cleanEnv, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'driftwatch-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('driftwatch (bin)', () => {
  it('has a compiled CLI to run', () => {
    expect(existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))).toBe(true);
  });

  it('lists every command with its summary on --help and help', () => {
    for (const args of [['--help'], ['help'], ['-h']]) {
      const r = driftwatch(args);
      expect(r.code).toBe(0);
      for (const c of commands) expect(r.stdout).toMatch(new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    }
    const one = driftwatch(['help', 'validate-config']);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('Usage: driftwatch validate-config <file>');
  });

  it('prints the package version on --version', () => {
    const r = driftwatch(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('exits 2 with a clear message on an unknown command, and on no command', () => {
    const r = driftwatch(['validate-confg', 'x.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "validate-confg". Did you mean "validate-config"?');
    expect(r.stderr).toContain('driftwatch --help');
    const none = driftwatch([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: driftwatch <command>');
  });

  it('tells the user to build when dist/ is missing', () => {
    const fake = join(dir, 'pkg');
    mkdirSync(join(fake, 'bin'), { recursive: true });
    copyFileSync(bin, join(fake, 'bin', 'driftwatch.js'));
    const r = driftwatch(['--help'], {}, join(fake, 'bin', 'driftwatch.js'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('run npm run build first');
  });
});

describe('driftwatch validate-config', () => {
  it('prints the effective config as YAML (exit 0): the example file gives the defaults', () => {
    const r = driftwatch(['validate-config', example]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(parseYaml(r.stdout)).toEqual(JSON.parse(JSON.stringify(redactConfig(defaultConfig()))));
  });

  it('prints JSON with --json, applying env vars and flags over the file', () => {
    const r = driftwatch(['validate-config', example, '--json', '--set', 'windows.size=500', '--brokers', 'k1:9092,k2:9092'], {
      DRIFTWATCH_WINDOWS_MIN_SAMPLES: '50',
      DRIFTWATCH_WINDOWS_SIZE: '400',
    });
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { windows: { size: number; minSamples: number }; kafka: { brokers: string[] } };
    expect(printed.windows).toEqual({ size: 500, minSamples: 50, allowedLatenessMs: 2000, maxTimeJumpMs: 3_600_000 });
    expect(printed.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
  });

  it('redacts secrets', () => {
    const secrets = ['sasl-pw-d41d', 'ops-token-8f00', 'redis-pw-b204'];
    const r = driftwatch(['validate-config', example], {
      DRIFTWATCH_KAFKA_SASL_MECHANISM: 'plain',
      DRIFTWATCH_KAFKA_SASL_USERNAME: 'dw',
      DRIFTWATCH_KAFKA_SASL_PASSWORD: secrets[0]!,
      DRIFTWATCH_OPS_TOKEN: secrets[1]!,
      DRIFTWATCH_REDIS_URL: `redis://:${secrets[2]}@127.0.0.1:6379`,
    });
    expect(r.code).toBe(0);
    for (const s of secrets) expect(r.stdout).not.toContain(s);
    const printed = parseYaml(r.stdout) as { kafka: { sasl: unknown }; ops: { token: string }; redis: { url: string } };
    expect(printed.kafka.sasl).toEqual({ mechanism: 'plain', username: 'dw', password: '[redacted]' });
    expect(printed.ops.token).toBe('[redacted]');
    expect(printed.redis.url).toBe('redis://:[redacted]@127.0.0.1:6379');
  });

  it('exits 1 with the coded error naming the field on stderr when invalid', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'windows:\n  size: 0\nkafka:\n  formt: json\n');
    const r = driftwatch(['validate-config', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('DRIFTWATCH_CONFIG_INVALID');
    expect(r.stderr).toContain('windows.size: expected integer ≥ 1, got 0');
    expect(r.stderr).toContain('kafka.formt: unknown option in kafka; did you mean kafka.format?');
    const missing = driftwatch(['validate-config', join(dir, 'missing.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('DRIFTWATCH_CONFIG_FILE_UNREADABLE');
  });

  it('exits 2 on usage errors and 0 on --help', () => {
    const unknownFlag = driftwatch(['validate-config', example, '--jsn']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("Unknown option '--jsn'");
    expect(driftwatch(['validate-config']).code).toBe(2);
    const help = driftwatch(['validate-config', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--set <path>=<value>');
  });
});
