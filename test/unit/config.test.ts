import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DriftwatchError, isDriftwatchError } from '../../detectors/errors';
import { optionsTable } from '../../src/config/config-docs';
import { configOptions, envVarFor } from '../../src/config/config-options';
import { defaultConfig, loadConfig, type LoadConfigOptions, redactConfig } from '../../src/config/load-config';

const root = join(__dirname, '..', '..');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'driftwatch-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The coded error loadConfig throws (fails the test if it does not throw). */
function failure(options: LoadConfigOptions): DriftwatchError {
  try {
    loadConfig({ env: {}, ...options });
  } catch (e) {
    if (isDriftwatchError(e)) return e;
    throw e;
  }
  throw new Error('expected loadConfig to throw');
}

describe('defaults', () => {
  it('are the documented untuned-deployment defaults', () => {
    const c = defaultConfig();
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.kafka.groupId).toBe('driftwatch');
    expect(c.kafka.topics).toEqual({
      inputs: 'inference.inputs',
      outputs: 'inference.outputs',
      feedback: 'inference.feedback',
      alerts: 'drift.alerts',
      dlq: 'driftwatch.dlq',
      checkpoints: 'driftwatch.checkpoints',
      retrainOutbox: 'driftwatch.retrain-outbox',
    });
    expect(c.kafka.format).toBe('auto');
    expect(c.kafka.fetchMaxWaitMs).toBe(100);
    expect(c.shards).toBe(Math.max(1, availableParallelism() - 1));
    expect(c.maxInFlightBatchesPerShard).toBe(4);
    expect(c.windows).toEqual({ size: 1000, minSamples: 100, allowedLatenessMs: 2000, maxTimeJumpMs: 3_600_000 });
    expect(c.reference).toEqual({ mode: 'first-n', size: 5000 });
    expect(c.detection).toEqual({ alpha: 0.01, minKsStatistic: 0.07, minRateChange: 0.02, minJensenShannon: 0.05, persistence: 2 });
    expect(c.slices).toEqual({ maxValuesPerField: 20, maxValuesPerModel: 100 });
    expect(c.checkpoint).toEqual({ intervalMs: 10000, maxShardShare: 0.05 });
    expect(c.kafka.commitIntervalMs).toBe(1000);
    expect(c.kafka.sessionTimeoutMs).toBe(30000);
    expect(c.limits.maxMessageBytes).toBe(1024 * 1024);
    expect(c.redo).toEqual({ windowMs: 30000 });
    expect(c.join).toEqual({ ttlMs: 60000, maxPending: 100000 });
    expect(c.alerts).toEqual({ resolveAfterCleanWindows: 3, cooldownWindows: 3 });
    expect(c.retrain).toEqual({ queue: 'driftwatch-retrain', minIntervalMs: 3600000, attempts: 3, backoffMs: 5000 });
    expect(c.ops).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(c.log).toEqual({ level: 'info' });
    expect(c.shutdownTimeoutMs).toBe(30000);
    // Absent options are absent, not present-and-undefined.
    expect('ssl' in c.kafka).toBe(false);
    expect('url' in c.redis).toBe(false);
  });

  it('are deeply frozen', () => {
    const c = defaultConfig();
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.kafka.topics)).toBe(true);
    expect(Object.isFrozen(c.kafka.brokers)).toBe(true);
    expect(() => {
      (c.windows as { size: number }).size = 1;
    }).toThrow(TypeError);
    expect(() => (c.kafka.brokers as string[]).push('x:1')).toThrow(TypeError);
  });

  it('are the same in the example config file', () => {
    expect(loadConfig({ file: join(root, 'driftwatch.example.yaml'), env: {} })).toEqual(defaultConfig());
  });

  it('are all in the example config file: set to their default, or commented out when absent by default', () => {
    const text = readFileSync(join(root, 'driftwatch.example.yaml'), 'utf8');
    // Uncommenting `# key: value` lines (lower-case keys: prose comments start upper-case) gives the
    // file with every option shown; comment indentation after "# " is the key's own nesting.
    const shown = parseYaml(text.replace(/^(\s*)# ?(\s*[a-z]\w*:(?: .*)?)$/gm, '$1$2')) as Record<string, unknown>;
    const has = (path: string): boolean => {
      let at: unknown = shown;
      for (const key of path.split('.')) {
        if (at === null || typeof at !== 'object' || !(key in at)) return false;
        at = (at as Record<string, unknown>)[key];
      }
      return true;
    };
    expect(configOptions().map((o) => o.path).filter((path) => !has(path))).toEqual([]);
  });
});

describe('layers: defaults < file < env < flags', () => {
  it('reads YAML and JSON files by extension', () => {
    const yaml = file('a.yaml', 'windows:\n  size: 500\nkafka:\n  brokers: [ "k1:9092", "k2:9092" ]\n');
    const json = file('a.json', JSON.stringify({ windows: { size: 400 }, log: { level: 'debug' } }));
    const y = loadConfig({ file: yaml, env: {} });
    expect(y.windows.size).toBe(500);
    expect(y.windows.minSamples).toBe(100);
    expect(y.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    const j = loadConfig({ file: json, env: {} });
    expect(j.windows.size).toBe(400);
    expect(j.log.level).toBe('debug');
  });

  it('applies env over the file and flags over env', () => {
    const f = file('b.yaml', 'windows:\n  size: 500\n  minSamples: 50\nkafka:\n  brokers: ["file:9092"]\n');
    const env = { DRIFTWATCH_WINDOWS_SIZE: '600', DRIFTWATCH_KAFKA_BROKERS: 'a:9092, b:9092' };
    const fromEnv = loadConfig({ file: f, env });
    expect(fromEnv.windows.size).toBe(600);
    expect(fromEnv.windows.minSamples).toBe(50);
    expect(fromEnv.kafka.brokers).toEqual(['a:9092', 'b:9092']);
    const fromFlags = loadConfig({ file: f, env, flags: { set: ['windows.size=700'], brokers: 'flag:9092' } });
    expect(fromFlags.windows.size).toBe(700);
    expect(fromFlags.kafka.brokers).toEqual(['flag:9092']);
    // A later --set wins over --brokers and over an earlier --set.
    const later = loadConfig({ env: {}, flags: { brokers: 'x:1', set: ['kafka.brokers=y:2', 'windows.size=9', 'windows.size=8', 'windows.minSamples=8'] } });
    expect(later.kafka.brokers).toEqual(['y:2']);
    expect(later.windows.size).toBe(8);
  });

  it('reads process.env by default', () => {
    const saved = process.env.DRIFTWATCH_DETECTION_PERSISTENCE;
    process.env.DRIFTWATCH_DETECTION_PERSISTENCE = '3';
    try {
      expect(loadConfig().detection.persistence).toBe(3);
    } finally {
      if (saved === undefined) delete process.env.DRIFTWATCH_DETECTION_PERSISTENCE;
      else process.env.DRIFTWATCH_DETECTION_PERSISTENCE = saved;
    }
  });

  it('coerces env text by the option type: numbers, booleans, lists, JSON, secrets', () => {
    const c = loadConfig({
      env: {
        DRIFTWATCH_REDIS_URL: 'redis://:pw@127.0.0.1:6379/2',
        DRIFTWATCH_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        DRIFTWATCH_KAFKA_SASL_USERNAME: 'dw',
        DRIFTWATCH_KAFKA_SASL_PASSWORD: 'sasl-secret',
        DRIFTWATCH_KAFKA_SSL_CA: '/etc/kafka/ca.pem',
        DRIFTWATCH_KAFKA_SSL_REJECT_UNAUTHORIZED: 'false',
        DRIFTWATCH_DETECTION_ALPHA: '1e-3',
        DRIFTWATCH_FEATURES: '[{"name":"snr_db","type":"numeric"}]',
        DRIFTWATCH_SLICES_DIMENSIONS: 'device,region',
        DRIFTWATCH_KAFKA_SCHEMA_IDS: '{"7":"/abs/input.avsc"}',
        DRIFTWATCH_OPS_PORT: '0',
        DRIFTWATCH_OPS_TOKEN: '',
      },
    });
    expect(c.redis.url).toBe('redis://:pw@127.0.0.1:6379/2');
    expect(c.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'dw', password: 'sasl-secret' });
    expect(c.kafka.ssl).toEqual({ ca: '/etc/kafka/ca.pem', rejectUnauthorized: false });
    expect(c.detection.alpha).toBe(0.001);
    expect(c.features).toEqual([{ name: 'snr_db', type: 'numeric' }]);
    expect(c.slices.dimensions).toEqual(['device', 'region']);
    expect(c.kafka.schemaIds).toEqual({ '7': '/abs/input.avsc' });
    expect(c.ops.port).toBe(0);
    // An empty variable counts as unset.
    expect(c.ops.token).toBeUndefined();
    expect(loadConfig({ env: { DRIFTWATCH_KAFKA_SSL: 'true' } }).kafka.ssl).toBe(true);
  });

  it('maps every option to DRIFTWATCH_<PATH in UPPER_SNAKE>, one to one, and round-trips every default through env', () => {
    const options = configOptions();
    const names = options.map((o) => o.envVar);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('DRIFTWATCH_KAFKA_BROKERS');
    expect(names).toContain('DRIFTWATCH_WINDOWS_SIZE');
    expect(names).toContain('DRIFTWATCH_REDIS_URL');
    expect(names).toContain('DRIFTWATCH_KAFKA_SASL_PASSWORD');
    expect(names).toContain('DRIFTWATCH_KAFKA_FETCH_MAX_WAIT_MS');
    for (const o of options) expect(o.envVar).toBe(envVarFor(o.path.split('.')));
    // Every option with a default, given as env text, yields the defaults again.
    const env: Record<string, string> = {};
    for (const o of options) {
      if (o.defaultValue === undefined) continue;
      const v = o.defaultValue;
      env[o.envVar] = o.kind === 'json' ? JSON.stringify(v) : Array.isArray(v) ? v.join(',') : String(v);
    }
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining(['DRIFTWATCH_WINDOWS_SIZE', 'DRIFTWATCH_KAFKA_BROKERS', 'DRIFTWATCH_FEATURES', 'DRIFTWATCH_KAFKA_SCHEMA_IDS', 'DRIFTWATCH_SHARDS']),
    );
    expect(loadConfig({ env })).toEqual(defaultConfig());
  });

  it('ignores the plain REDIS_URL / KAFKA_BROKERS and the reserved DRIFTWATCH_* variables (harness, jar folder, retrain job context)', () => {
    const c = loadConfig({
      env: {
        REDIS_URL: 'redis://elsewhere:6379',
        KAFKA_BROKERS: 'elsewhere:9092',
        DRIFTWATCH_TEST_KAFKA_BROKERS: 'test:9092',
        DRIFTWATCH_TEST_REDIS_URL: 'redis://test:1',
        DRIFTWATCH_KAFKA_LIBS: '/opt/kafka/libs',
        DRIFTWATCH_JOB_ID: 'incident-1',
        DRIFTWATCH_MODEL_ID: 'asr-en',
        DRIFTWATCH_MODEL_VERSION: '1',
        DRIFTWATCH_ATTEMPT: '2',
      },
    });
    expect(c).toEqual(defaultConfig());
  });

  it('resolves schema files and the profile path against the config file folder', () => {
    const f = file('paths.yaml', 'kafka:\n  schemaIds:\n    "3": schemas/in.avsc\n    "4": /abs/out.avsc\nreference:\n  mode: profile\n  profilePath: base.json\n');
    const c = loadConfig({ file: f, env: {} });
    expect(c.kafka.schemaIds).toEqual({ '3': join(dir, 'schemas/in.avsc'), '4': '/abs/out.avsc' });
    expect(c.reference.profilePath).toBe(join(dir, 'base.json'));
    const fromFlag = loadConfig({ env: {}, cwd: '/srv/dw', flags: { set: ['reference.mode=profile', 'reference.profilePath=p.json'] } });
    expect(fromFlag.reference.profilePath).toBe('/srv/dw/p.json');
  });

  it('resolves TLS file paths against the config file folder and keeps inline PEM as it is', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    const f = file('tls.yaml', `kafka:\n  ssl:\n    ca: certs/ca.pem\n    cert: /abs/client.pem\n    key: ${JSON.stringify(pem)}\n`);
    const ssl = loadConfig({ file: f, env: {} }).kafka.ssl as { ca?: string; cert?: string; key?: string };
    expect(ssl).toEqual({ ca: join(dir, 'certs/ca.pem'), cert: '/abs/client.pem', key: pem });
  });

  it('treats an empty YAML section as unset', () => {
    const f = file('empty.yaml', 'redis:\n  # url: redis://x\nwindows:\n');
    expect(loadConfig({ file: f, env: {} })).toEqual(defaultConfig());
    expect(loadConfig({ file: file('blank.yaml', '# nothing\n'), env: {} })).toEqual(defaultConfig());
  });
});

describe('errors', () => {
  it('names the field, the value, where it came from and the valid range', () => {
    const e = failure({ env: { DRIFTWATCH_WINDOWS_SIZE: '0' } });
    expect(e.code).toBe('DRIFTWATCH_CONFIG_INVALID');
    expect(e.message).toContain('windows.size: expected integer ≥ 1, got 0 [from env DRIFTWATCH_WINDOWS_SIZE]');
    const f = failure({ file: file('bad.yaml', 'log:\n  level: verbose\ndetection:\n  alpha: 2\n') });
    expect(f.message).toContain('log.level: expected one of trace | debug | info | warn | error | fatal | silent, got "verbose"');
    expect(f.message).toContain('detection.alpha: expected number > 0 and < 1, got 2');
    expect(f.message).toContain('[from file ');
    expect(f.message).toMatch(/^invalid configuration \(2 problems\)/);
    const problems = (f.details as { problems: Array<{ path: string }> }).problems.map((p) => p.path).sort();
    expect(problems).toEqual(['detection.alpha', 'log.level']);
    expect(failure({ env: { DRIFTWATCH_WINDOWS_SIZE: 'lots' } }).message).toContain('windows.size: expected integer ≥ 1, got "lots"');
    expect(failure({ flags: { set: ['ops.port=70000'] } }).message).toContain('ops.port: expected integer ≥ 0 and ≤ 65535, got 70000 [from flag --set ops.port]');
    expect(failure({ flags: { brokers: 'a:9092,nohost' } }).message).toContain('kafka.brokers[1]: expected string (host:port), got "nohost"');
    expect(failure({ env: { DRIFTWATCH_CHECKPOINT_MAX_SHARD_SHARE: '0' } }).message).toContain('checkpoint.maxShardShare: expected number > 0 and ≤ 1, got 0');
  });

  it('rejects unknown keys (typos) with a suggestion, in the file, env, flags and overrides', () => {
    const inFile = failure({ file: file('typo.yaml', 'kafka:\n  brokerz: ["a:1"]\nwindow:\n  size: 3\n') });
    expect(inFile.message).toContain('kafka.brokerz: unknown option in kafka; did you mean kafka.brokers?');
    expect(inFile.message).toContain('window: unknown option; did you mean windows?');
    expect(failure({ env: { DRIFTWATCH_KAFKA_BROKER: 'a:1' } }).message).toContain(
      'DRIFTWATCH_KAFKA_BROKER: not a configuration variable; did you mean DRIFTWATCH_KAFKA_BROKERS?',
    );
    expect(failure({ flags: { set: ['windows.minSampls=3'] } }).message).toContain('did you mean windows.minSamples?');
    expect(failure({ flags: { set: ['windows.size'] } }).message).toContain('expected --set <option.path>=<value>');
    expect(failure({ overrides: { kafka: { topics: { inputz: 'x' } } } as never }).message).toContain('kafka.topics.inputz: unknown option');
  });

  it('never lets __proto__ or constructor keys through', () => {
    const e = failure({ file: file('proto.json', '{"__proto__": {"polluted": 1}, "kafka": {"constructor": {"x": 1}}}') });
    expect(e.message).toContain('__proto__: unknown option');
    expect(e.message).toContain('kafka.constructor: unknown option');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('checks cross-field rules and required fields of optional sections', () => {
    expect(failure({ flags: { set: ['windows.size=50'] } }).message).toContain('windows.minSamples: must be ≤ windows.size (50)');
    expect(failure({ flags: { set: ['reference.mode=profile'] } }).message).toContain('reference.profilePath: is required when reference.mode is "profile"');
    expect(failure({ flags: { set: ['models.idleTtlMs=50000'] } }).message).toContain('models.idleTtlMs: must be ≥ join.ttlMs and redo.windowMs (60000)');
    expect(failure({ flags: { set: ['models.idleTtlMs=100000', 'redo.windowMs=120000'] } }).message).toContain('models.idleTtlMs: must be ≥ join.ttlMs and redo.windowMs (120000)');
    expect(loadConfig({ env: {}, flags: { set: ['models.idleTtlMs=60000'] } }).models.idleTtlMs).toBe(60_000);
    const sasl = failure({ env: { DRIFTWATCH_KAFKA_SASL_PASSWORD: 'pw' } });
    expect(sasl.message).toContain('kafka.sasl.mechanism: is required (one of plain | scram-sha-256 | scram-sha-512) [from env DRIFTWATCH_KAFKA_SASL_PASSWORD]');
    expect(sasl.message).toContain('kafka.sasl.username: is required');
    expect(failure({ env: { DRIFTWATCH_FEATURES: '[{"name":"a","type":"numeric"},{"name":"a","type":"numeric"}]' } }).message).toContain(
      'features[1].name: duplicate feature "a"',
    );
    expect(failure({ env: { DRIFTWATCH_FEATURES: '[{name}]' } }).message).toContain('features: expected JSON');
  });

  it('never echoes a secret in an error message', () => {
    const e = failure({
      env: { DRIFTWATCH_KAFKA_SASL_MECHANISM: 'gssapi', DRIFTWATCH_KAFKA_SASL_USERNAME: 'u', DRIFTWATCH_REDIS_URL: 'http://user:hunter2@redis:6379' },
      overrides: { kafka: { sasl: { password: 12345 } } } as never,
    });
    expect(e.message).toContain('kafka.sasl.password: expected string, got [redacted]');
    expect(e.message).toContain('redis.url');
    expect(e.message).not.toContain('hunter2');
    expect(e.message).not.toContain('12345');
  });

  it('reports unreadable files with DRIFTWATCH_CONFIG_FILE_UNREADABLE', () => {
    expect(failure({ file: join(dir, 'missing.yaml') }).code).toBe('DRIFTWATCH_CONFIG_FILE_UNREADABLE');
    expect(failure({ file: file('c.toml', 'a = 1') }).message).toContain('unsupported extension ".toml"');
    const yaml = failure({ file: file('broken.yaml', 'windows:\n  size: [1, 2\n') });
    expect(yaml.code).toBe('DRIFTWATCH_CONFIG_FILE_UNREADABLE');
    expect(yaml.message).toContain('is not valid YAML');
    expect(failure({ file: file('dup.yaml', 'windows:\n  size: 1\n  size: 2\n') }).code).toBe('DRIFTWATCH_CONFIG_FILE_UNREADABLE');
    expect(failure({ file: file('broken.json', '{"windows": ') }).message).toContain('is not valid JSON');
    expect(failure({ file: file('list.yaml', '- a\n- b\n') }).message).toContain('must hold a mapping');
  });
});

describe('redactConfig', () => {
  const secrets = ['sasl-pw-31337', 'ssl-key-PRIVATE', 'ops-token-xyz', 'redis-pw-42', 'hook-pw-7', 'hook-token-9'];
  const config = loadConfig({
    env: {},
    overrides: {
      kafka: { sasl: { mechanism: 'plain', username: 'dw', password: secrets[0]! }, ssl: { ca: '/etc/kafka/ca.pem', key: secrets[1]! } },
      ops: { token: secrets[2]! },
      redis: { url: `redis://default:${secrets[3]}@127.0.0.1:6379/0` },
      retrain: { webhook: `https://ci:${secrets[4]}@ci.example.com/hook?token=${secrets[5]}&x=1` },
    },
  });

  it('replaces every secret with [redacted] and keeps everything else', () => {
    const r = redactConfig(config);
    const text = JSON.stringify(r);
    for (const s of secrets) expect(text).not.toContain(s);
    expect(r.kafka.sasl).toEqual({ mechanism: 'plain', username: 'dw', password: '[redacted]' });
    expect(r.kafka.ssl).toEqual({ ca: '/etc/kafka/ca.pem', key: '[redacted]' });
    expect(r.ops.token).toBe('[redacted]');
    expect(r.redis.url).toBe('redis://default:[redacted]@127.0.0.1:6379/0');
    expect(r.retrain.webhook).toBe('https://ci:[redacted]@ci.example.com/hook?token=[redacted]&x=1');
    expect({ ...r, kafka: config.kafka, ops: config.ops, redis: config.redis, retrain: config.retrain }).toEqual(config);
  });

  it('leaves the config itself untouched', () => {
    redactConfig(config);
    expect(config.kafka.sasl?.password).toBe(secrets[0]);
    expect(config.redis.url).toContain(secrets[3]);
  });
});

describe('docs/configuration.md', () => {
  const doc = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');
  const rows = doc.split('\n').filter((l) => l.startsWith('| `'));

  it('has a row for every option with its env var and default', () => {
    const missing: string[] = [];
    for (const o of configOptions()) {
      const row = rows.find((r) => r.startsWith(`| \`${o.path}\` |`));
      const shown = o.defaultText === '(absent)' ? '(absent)' : `\`${o.defaultText}\``;
      if (!row || !row.includes(`\`${o.envVar}\``) || !row.includes(` ${shown} `)) missing.push(o.path);
    }
    expect(missing).toEqual([]);
  });

  it('holds exactly the table generated from the schema (regenerate: see src/config/config-docs.ts)', () => {
    expect(doc).toContain(optionsTable());
  });

  it('documents no option the schema does not have', () => {
    const paths = new Set(configOptions().map((o) => o.path));
    const table = rows.map((r) => /^\| `([^`]+)` \| `DRIFTWATCH_/.exec(r)?.[1]).filter((p): p is string => p !== undefined);
    expect(table.filter((p) => !paths.has(p))).toEqual([]);
  });
});
