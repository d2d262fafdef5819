import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PortInUseError } from './errors.js';

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface MetricsServerOptions {
  host: string;
  port: number;
  endpoint: string;
  token: string | undefined;
  serveMetrics: RouteHandler;
  health: () => Record<string, unknown>;
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
 * routes other components add. GET/HEAD only; other methods on a known path get 405, unknown paths 404.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const routes = new Map<string, RouteHandler>();
  routes.set(options.endpoint, withBearerToken(options.token, options.serveMetrics));
  routes.set('/healthz', (_request, response) => sendJson(response, 200, options.health()));

  const server = createServer((request, response) => {
    const path = pathOf(request);
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
  });
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

function withBearerToken(token: string | undefined, handler: RouteHandler): RouteHandler {
  if (token === undefined) return handler;
  const expected = Buffer.from(`Bearer ${token}`);
  return (request, response) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      return sendJson(response, 401, { error: 'unauthorized' });
    }
    return handler(request, response);
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
