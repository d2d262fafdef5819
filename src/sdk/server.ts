import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PortInUseError } from './errors.js';

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

/** The server's limits (documented on the SDK's `PrometheusOptions`). */
export interface ServerLimits {
  /** With a token: `/healthz` answers without it. */
  openHealthz: boolean;
  headersTimeoutMillis: number;
  requestTimeoutMillis: number;
  keepAliveTimeoutMillis: number;
  maxConnections: number;
  maxHeaderSizeBytes: number;
}

/** The limits when not given (the SDK's `prometheus` options and the standalone dashboard). */
export const DEFAULT_SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  openHealthz: false,
  headersTimeoutMillis: 10_000,
  requestTimeoutMillis: 30_000,
  keepAliveTimeoutMillis: 5_000,
  maxConnections: 4096,
  maxHeaderSizeBytes: 8192,
});

export interface MetricsServerOptions extends Partial<ServerLimits> {
  host: string;
  port: number;
  /** Path of `serveMetrics`; neither is given for a dashboard-only server. */
  endpoint?: string;
  token: string | undefined;
  serveMetrics?: RouteHandler;
  health?: () => Record<string, unknown>;
}

export interface MetricsServer {
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  /** Adds a GET route (alerts, dashboard, …). */
  route(path: string, handler: RouteHandler): void;
  close(): Promise<void>;
}

/**
 * One `node:http` server for everything the SDK serves: the metrics endpoint, `/healthz`, and the
 * routes other components add. One auth rule before any routing: with a token, every path (unknown
 * ones too) needs it, except `/healthz` when `openHealthz`. GET/HEAD only; other methods on a known
 * path get 405, unknown paths 404. Slow or idle clients are cut by the timeouts, and at most
 * `maxConnections` sockets are open at once.
 */
export async function startMetricsServer(given: MetricsServerOptions): Promise<MetricsServer> {
  const options = { ...DEFAULT_SERVER_LIMITS, ...given };
  const routes = new Map<string, RouteHandler>();
  if (options.serveMetrics) routes.set(options.endpoint ?? '/metrics', options.serveMetrics);
  routes.set('/healthz', (_request, response) =>
    sendJson(response, 200, options.health?.() ?? { status: 'ok' }),
  );
  // One check for every route (metrics, health, alerts, dashboard, its API), before routing, so an
  // unknown path says nothing either; the liveness probe is open only with openHealthz.
  const authorized = bearerCheck(options.token);

  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMillis,
      requestTimeout: options.requestTimeoutMillis,
      keepAliveTimeout: options.keepAliveTimeoutMillis,
      maxHeaderSize: options.maxHeaderSizeBytes,
      // Node checks the two timeouts above only this often (default 30 s).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, options.headersTimeoutMillis / 4)),
    },
    (request, response) => {
      const path = pathOf(request);
      if (!authorized(request) && !(options.openHealthz && path === '/healthz')) {
        response.setHeader('WWW-Authenticate', 'Bearer realm="aiva-performance"');
        return sendJson(response, 401, { error: 'unauthorized' });
      }
      const handler = path === undefined ? undefined : routes.get(path);
      if (!handler) return sendJson(response, 404, { error: 'not found', path });
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('Allow', 'GET, HEAD');
        return sendJson(response, 405, { error: 'method not allowed', method: request.method });
      }
      Promise.resolve()
        .then(() => handler(request, response))
        .catch((error: unknown) => {
          if (!response.headersSent)
            sendJson(response, 500, { error: String((error as Error)?.message ?? error) });
          else response.destroy();
        });
    },
  );
  server.maxConnections = options.maxConnections;
  await listen(server, options.host, options.port);
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    route: (path, handler) => {
      routes.set(path, handler);
    },
    close: () => closeServer(server),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(host, port, { cause: error }) : error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // Prometheus keeps scrape connections alive; without this, close() waits for its idle timeout.
    server.closeAllConnections();
  });
}

/**
 * `Authorization: Bearer <token>`, or `?access_token=<token>` (RFC 6750 §2.3) for what a browser
 * cannot send a header with: opening the dashboard page. Compared in constant time.
 */
export function bearerCheck(token: string | undefined): (request: IncomingMessage) => boolean {
  if (token === undefined) return () => true;
  const expected = Buffer.from(token);
  const same = (given: string | null | undefined) => {
    const bytes = Buffer.from(given ?? '');
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  };
  return (request) => {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) return same(header.slice(7));
    try {
      return same(new URL(request.url ?? '/', 'http://localhost').searchParams.get('access_token'));
    } catch {
      return false;
    }
  };
}

function pathOf(request: IncomingMessage): string | undefined {
  try {
    return new URL(request.url ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
  });
  response.end(payload);
}
