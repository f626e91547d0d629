import { request } from 'node:http';
import { isDriftwatchError } from '../../detectors/errors';
import { defaultConfig } from '../../src/config/load-config';
import { ServiceMetrics } from '../../src/ops/metrics';
import { type OpsServer, startOpsServer } from '../../src/ops/ops-server';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One real HTTP request on loopback (no keep-alive, so nothing lingers after the test). */
function get(server: OpsServer, path: string, options: { token?: string; method?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: options.method ?? 'GET',
        agent: false,
        headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const METRIC_NAMES = [
  'driftwatch_events_consumed_total',
  'driftwatch_events_rejected_total',
  'driftwatch_events_late_total',
  'driftwatch_join_orphans_total',
  'driftwatch_shard_batch_seconds',
  'driftwatch_consumer_lag',
  'driftwatch_alerts_total',
  'driftwatch_retrain_jobs_total',
  'driftwatch_inflight_batches',
  'driftwatch_merge_buffered_events',
  'driftwatch_limit_hits_total',
  'driftwatch_checkpoint_bytes',
  'driftwatch_checkpoint_seconds',
  'driftwatch_checkpoint_interval_seconds',
  'driftwatch_partitions_taken_over_total',
];

describe('ops server', () => {
  let metrics: ServiceMetrics;
  let server: OpsServer;
  beforeAll(async () => {
    metrics = new ServiceMetrics();
    server = await startOpsServer({ host: defaultConfig().ops.host, port: 0, metrics });
  });
  afterAll(() => server.close());

  it('binds to loopback by default', () => {
    expect(defaultConfig().ops.host).toBe('127.0.0.1');
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('answers /livez always and /readyz 503 → 200 → 503 through start and shutdown', async () => {
    expect((await get(server, '/livez')).status).toBe(200);
    expect(server.state).toBe('starting');
    const starting = await get(server, '/readyz');
    expect([starting.status, starting.body]).toEqual([503, 'starting\n']);
    server.markReady();
    const ready = await get(server, '/readyz');
    expect([ready.status, ready.body]).toEqual([200, 'ready\n']);
    server.markShuttingDown();
    const down = await get(server, '/readyz');
    expect([down.status, down.body]).toEqual([503, 'shutting-down\n']);
    // Shutting down is final.
    server.markReady();
    expect((await get(server, '/readyz')).status).toBe(503);
    expect((await get(server, '/livez')).status).toBe(200);
  });

  it('serves every driftwatch metric and the event-loop lag as Prometheus text', async () => {
    metrics.eventsConsumed.inc({ topic_role: 'inputs' }, 5);
    metrics.eventsRejected.inc({ code: 'DRIFTWATCH_DECODE_JSON' });
    metrics.shardBatchSeconds.observe({ shard: '0' }, 0.004);
    metrics.consumerLag.set({ topic_role: 'inputs', partition: '2' }, 17);
    metrics.alerts.inc({ kind: 'data_drift', status: 'firing' });
    metrics.addPipelineCounters({ late: 2, orphans: 3 });
    const reply = await get(server, '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(metrics.contentType);
    for (const name of METRIC_NAMES) expect(reply.body).toContain(`# TYPE ${name} `);
    expect(reply.body).toContain('nodejs_eventloop_lag_seconds');
    expect(reply.body).toContain('driftwatch_events_consumed_total{topic_role="inputs"} 5');
    expect(reply.body).toContain('driftwatch_events_rejected_total{code="DRIFTWATCH_DECODE_JSON"} 1');
    expect(reply.body).toContain('driftwatch_events_late_total 2');
    expect(reply.body).toContain('driftwatch_join_orphans_total 3');
    expect(reply.body).toContain('driftwatch_consumer_lag{topic_role="inputs",partition="2"} 17');
    expect(reply.body).toContain('driftwatch_alerts_total{kind="data_drift",status="firing"} 1');
    expect(reply.body).toContain('driftwatch_shard_batch_seconds_count{shard="0"} 1');
  });

  it('has no per-model labels and only _total counters', async () => {
    const all = await metrics.registry.getMetricsAsJSON();
    const ours = all.filter((m) => m.name.startsWith('driftwatch_'));
    expect(ours.map((m) => m.name).sort()).toEqual([...METRIC_NAMES].sort());
    for (const m of ours) {
      for (const v of m.values) for (const label of Object.keys(v.labels)) expect(['topic_role', 'code', 'shard', 'partition', 'kind', 'status', 'result', 'le', 'limit']).toContain(label);
      if (String(m.type) === 'counter') expect(m.name.endsWith('_total')).toBe(true);
    }
  });

  it('answers 404 to other paths and 405 to other methods', async () => {
    expect((await get(server, '/')).status).toBe(404);
    expect((await get(server, '/metrics/x')).status).toBe(404);
    const post = await get(server, '/readyz', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const head = await get(server, '/livez', { method: 'HEAD' });
    expect([head.status, head.body]).toEqual([200, '']);
  });

  it('keeps two registries apart', async () => {
    const other = new ServiceMetrics({ defaultMetrics: false });
    other.eventsLate.inc(9);
    expect(await other.metrics()).toContain('driftwatch_events_late_total 9');
    expect(await metrics.metrics()).not.toContain('driftwatch_events_late_total 9');
    expect(await other.metrics()).not.toContain('nodejs_eventloop_lag_seconds');
  });
});

describe('ops server with a bearer token', () => {
  const token = 'a-long-random-token-for-tests';
  let server: OpsServer;
  beforeAll(async () => {
    server = await startOpsServer({ host: '127.0.0.1', port: 0, token, metrics: new ServiceMetrics({ defaultMetrics: false }) });
    server.markReady();
  });
  afterAll(() => server.close());

  it('keeps /livez open and requires the token for /readyz and /metrics', async () => {
    expect((await get(server, '/livez')).status).toBe(200);
    for (const path of ['/readyz', '/metrics']) {
      const none = await get(server, path);
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      expect((await get(server, path, { token: 'wrong' })).status).toBe(401);
      expect((await get(server, path, { token: token + 'x' })).status).toBe(401);
      expect((await get(server, path, { token })).status).toBe(200);
    }
  });
});

describe('ops server start-up', () => {
  it('fails with DRIFTWATCH_OPS_LISTEN_FAILED when the port is taken', async () => {
    const metrics = new ServiceMetrics({ defaultMetrics: false });
    const first = await startOpsServer({ host: '127.0.0.1', port: 0, metrics });
    try {
      const error = await startOpsServer({ host: '127.0.0.1', port: first.port, metrics }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isDriftwatchError(error, 'DRIFTWATCH_OPS_LISTEN_FAILED')).toBe(true);
      expect((error as Error).message).toContain('EADDRINUSE');
    } finally {
      await first.close();
    }
  });
});
