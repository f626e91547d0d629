import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { freeLoopbackPort } from '../../src/local/free-port';
import { packageRoot } from '../../src/local/package-root';
import { testBrokers, testKafka, uniqueName } from '../harness/env';
import { createSourceTopics, dlqOf, readTopic, uniqueTopics } from './runtime-fixtures';

jest.setTimeout(170_000);

/** Polls an async condition (errors count as false) until it holds. */
async function pollUntil(condition: () => Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// `driftwatch run` as a real process: ready after the group join, serves /metrics, and exits 0
// after SIGTERM once it has drained (the DLQ entries of what it read are produced).
describe('driftwatch run', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let dir: string;

  beforeAll(async () => {
    kafka = testKafka();
    admin = kafka.admin();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([admin.connect(), producer.connect()]);
    dir = mkdtempSync(join(tmpdir(), 'driftwatch-run-'));
  });

  afterAll(async () => {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs until SIGTERM, then drains and exits 0', async () => {
    const topics = uniqueTopics('run-cmd');
    await createSourceTopics(admin, topics, 2);
    const port = await freeLoopbackPort();
    const configFile = join(dir, 'driftwatch.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        kafka: { brokers: testBrokers(), clientId: uniqueName('run-cmd'), groupId: uniqueName('run-cmd-group'), topics, fetchMaxWaitMs: 100 },
        shards: 2,
        ops: { port },
        log: { level: 'info' },
        shutdownTimeoutMs: 30_000,
      }),
    );
    // The child must not see the harness's variables (DRIFTWATCH_* are config env vars).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DRIFTWATCH_')));
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'driftwatch.js'), 'run', '--config', configFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await pollUntil(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000, () => `/readyz 200 (stderr: ${stderr.slice(-2000)})`);
      await producer.send({ topic: topics.inputs, messages: [0, 1, 2, 3].map((i) => ({ partition: i % 2, key: 'm', value: `not json ${i}` })) });
      await pollUntil(
        async () => {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          const counts = [...text.matchAll(/^driftwatch_events_rejected_total\{code="[A-Z_]+"\} (\d+)$/gm)].map((m) => Number(m[1]));
          return counts.reduce((a, b) => a + b, 0) === 4;
        },
        60_000,
        () => 'the four rejected records in /metrics',
      );
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toContain('"msg":"stopped"');
    const dlq = dlqOf(await readTopic(kafka, admin, topics.dlq));
    expect(dlq.map((d) => d.offset).sort()).toEqual([0, 0, 1, 1]);
  });
});
