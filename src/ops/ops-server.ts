import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { DriftwatchError } from '../../detectors/errors';
import type { ServiceMetrics } from './metrics';

/**
 * The ops HTTP server (node:http, no framework):
 * - `GET /livez`   200 while the process runs (never needs the token: a liveness probe must not fail
 *                  because a secret rotated);
 * - `GET /readyz`  503 until markReady(), 200 while ready, 503 again after markShuttingDown();
 * - `GET /metrics` Prometheus text of ServiceMetrics;
 * - anything else  404; a method other than GET/HEAD 405.
 * With a token, /readyz and /metrics require `Authorization: Bearer <token>` (401 otherwise).
 * Bound to 127.0.0.1 by default (config.ops.host); port 0 picks an ephemeral port (tests).
 */
export interface OpsServerOptions {
  host: string;
  port: number;
  token?: string;
  metrics: ServiceMetrics;
  logger?: Logger;
}

export interface OpsServer {
  /** The bound address (the real port when 0 was asked). */
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
  /** Readiness on: /readyz answers 200. */
  markReady(): void;
  /** Readiness off for good: /readyz answers 503 (the load balancer drains us). */
  markShuttingDown(): void;
  readonly state: 'starting' | 'ready' | 'shutting-down';
  /** Stops listening and closes idle keep-alive connections. */
  close(): Promise<void>;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function send(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8', head = false): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(head ? undefined : body);
}

/** Starts the ops server; resolves once it listens. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  let state: OpsServer['state'] = 'starting';
  // Compared as fixed-length digests so the check takes the same time whatever the guess.
  const expected = options.token === undefined ? undefined : digest(`Bearer ${options.token}`);
  const authorised = (req: IncomingMessage): boolean =>
    expected === undefined || timingSafeEqual(digest(req.headers.authorization ?? ''), expected);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'method not allowed\n');
      return;
    }
    if (path === '/livez') {
      send(res, 200, 'ok\n', undefined, head);
      return;
    }
    if (path !== '/readyz' && path !== '/metrics') {
      send(res, 404, 'not found\n', undefined, head);
      return;
    }
    if (!authorised(req)) {
      res.setHeader('www-authenticate', 'Bearer');
      send(res, 401, 'unauthorized\n', undefined, head);
      return;
    }
    if (path === '/readyz') {
      send(res, state === 'ready' ? 200 : 503, `${state}\n`, undefined, head);
      return;
    }
    send(res, 200, await options.metrics.metrics(), options.metrics.contentType, head);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      options.logger?.error({ err: e }, 'ops request failed');
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  // Probes are short; do not let an idle keep-alive connection hold the shutdown.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(
        new DriftwatchError('DRIFTWATCH_OPS_LISTEN_FAILED', `ops server cannot listen on ${options.host}:${options.port}: ${e.code ?? e.message}`, {
          cause: e,
          details: { host: options.host, port: options.port },
        }),
      );
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  options.logger?.info({ host: address.address, port: address.port }, 'ops server listening');

  return {
    host: address.address,
    port: address.port,
    url: `http://${host}:${address.port}`,
    get state() {
      return state;
    },
    markReady() {
      if (state === 'starting') state = 'ready';
    },
    markShuttingDown() {
      state = 'shutting-down';
    },
    close() {
      state = 'shutting-down';
      return new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeIdleConnections();
      });
    },
  };
}
