import type { IncomingMessage, ServerResponse } from 'node:http';
import { DERIVED_METRICS, type DerivedMetricName } from '../../core/derived-metrics.js';
import { ConfigError } from '../../core/errors.js';
import { integer, nonEmptyString, options, parseOptions, v } from '../../core/options-schema.js';
import { parseHistoryQuery } from '../history/query-options.js';
import type { PerformanceMonitor } from '../monitor.js';
import { type MetricsServer, type RouteHandler, sendJson, startMetricsServer } from '../server.js';
import { renderPage } from './page.js';
import { SseHub } from './sse.js';

/** Options of {@link PerformanceDashboard}. */
export interface DashboardOptions {
  /** Path of the page. Default `/dashboard`. The JSON API is always under `/api/`. @example { path: '/ops' } */
  path?: string;
  /** Most browsers streaming live updates at once; more get 503. Default 16. */
  maxClients?: number;
}

/** Options of {@link PerformanceDashboard.serve}. */
export interface DashboardServeOptions {
  /** TCP port; `0` picks a free one. Default 8080 (the original module's). */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** When set, every route but `/healthz` requires `Authorization: Bearer <token>` (the page: `?access_token=`). */
  token?: string;
}

export const DEFAULT_DASHBOARD_OPTIONS = Object.freeze({
  path: '/dashboard',
  maxClients: 16,
  port: 8080,
  host: '127.0.0.1',
});

const path = () =>
  v.pipe(
    nonEmptyString(),
    v.regex(/^\/[A-Za-z0-9._~/-]*$/, "must be a path like '/dashboard'"),
    v.check((p) => !p.startsWith('/api/') && p !== '/api', 'must not be under /api'),
  );

export const DASHBOARD_OPTIONS_SCHEMA = options({
  path: v.optional(path()),
  maxClients: v.optional(integer(1, 10_000)),
});
const SERVE_OPTIONS_SCHEMA = options({
  port: v.optional(integer(0, 65535)),
  host: v.optional(nonEmptyString()),
  token: v.optional(nonEmptyString()),
});

/** A route table mountable on any server with `route(path, handler)`. */
type Mountable = Pick<MetricsServer, 'route'>;

/**
 * The built-in live dashboard over a monitor's history: one self-contained page (uPlot from the
 * package), a JSON API (`/api/current`, `/api/history`, `/api/alerts`) and live updates by server-sent
 * events (`/api/stream`). The SDK mounts it on its own server (`dashboard: true`); standalone:
 * @example const served = await new PerformanceDashboard(perf.monitor).serve({ port: 8080 });
 */
export class PerformanceDashboard {
  readonly path: string;
  readonly #monitor: PerformanceMonitor;
  readonly #hub: SseHub;
  readonly #onSample: Parameters<PerformanceMonitor['on']>[1];
  #servers: MetricsServer[] = [];

  constructor(monitor: PerformanceMonitor, dashboardOptions: DashboardOptions = {}) {
    const o = parseOptions(DASHBOARD_OPTIONS_SCHEMA, dashboardOptions ?? {}, 'options');
    this.path = o.path ?? DEFAULT_DASHBOARD_OPTIONS.path;
    this.#monitor = monitor;
    this.#hub = new SseHub(o.maxClients ?? DEFAULT_DASHBOARD_OPTIONS.maxClients);
    this.#onSample = (metrics, series) =>
      this.#hub.send('sample', { timestamp: metrics.timestamp, metrics, series });
    monitor.on('sample', this.#onSample);
  }

  /** Every route, by path. */
  routes(): Map<string, RouteHandler> {
    return new Map<string, RouteHandler>([
      [this.path, (req, res) => this.#page(req, res)],
      ['/api/current', (_req, res) => this.#current(res)],
      ['/api/history', (req, res) => this.#history(req, res)],
      ['/api/alerts', (req, res) => this.#alerts(req, res)],
      ['/api/stream', (_req, res) => this.#stream(res)],
    ]);
  }

  /** Adds the routes to a server (the SDK's own). Starts the monitor if it is not sampling yet. */
  mount(server: Mountable): void {
    for (const [route, handler] of this.routes()) server.route(route, handler);
    if (this.#monitor.intervalMillis === undefined) this.#monitor.start();
  }

  /**
   * Serves the dashboard on its own port, as the original `PerformanceDashboard(monitor).serve(port)`.
   * Rejects with ConfigError (bad option) or PortInUseError.
   */
  async serve(serveOptions: DashboardServeOptions = {}): Promise<{ url: string; close(): Promise<void> }> {
    const o = parseOptions(SERVE_OPTIONS_SCHEMA, serveOptions ?? {}, 'options');
    const server = await startMetricsServer({
      host: o.host ?? DEFAULT_DASHBOARD_OPTIONS.host,
      port: o.port ?? DEFAULT_DASHBOARD_OPTIONS.port,
      token: o.token,
    });
    this.mount(server);
    this.#servers.push(server);
    return { url: `${server.url}${this.path}`, close: () => server.close() };
  }

  /** Ends the live streams and closes what {@link serve} opened. */
  async close(): Promise<void> {
    this.#monitor.off('sample', this.#onSample);
    this.#hub.close();
    await Promise.all(this.#servers.map((s) => s.close()));
    this.#servers = [];
  }

  #page(_req: IncomingMessage, res: ServerResponse): void {
    const { html, csp } = renderPage({ apiBase: '/api', service: this.#monitor.serviceName });
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': csp,
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(html);
  }

  #current(res: ServerResponse): void {
    const latest = this.#monitor.latest();
    sendJson(res, 200, {
      service: this.#monitor.serviceName,
      intervalMillis: this.#monitor.intervalMillis ?? null,
      timestamp: latest?.metrics.timestamp ?? null,
      metrics: latest?.metrics ?? null,
      series: latest?.series ?? null,
      history: this.#monitor.historyStats(),
    });
  }

  #history(req: IncomingMessage, res: ServerResponse): void {
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const now = Date.now();
    try {
      const query = parseHistoryQuery(
        {
          from: params.has('from') ? time(params.get('from') as string, 'from') : now - 3_600_000,
          to: params.has('to') ? time(params.get('to') as string, 'to') : now,
          ...(params.has('step') ? { step: Number(params.get('step')) } : {}),
          ...(params.has('series') ? { series: (params.get('series') as string).split(',') } : {}),
        },
        'query',
        now,
      );
      sendJson(res, 200, this.#monitor.history(query));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      sendJson(res, 400, { error: error.message, field: error.field });
    }
  }

  #alerts(req: IncomingMessage, res: ServerResponse): void {
    const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
    const source = this.#monitor.alertSource;
    const from = Number(params.get('from') ?? Number.NEGATIVE_INFINITY);
    sendJson(res, 200, {
      enabled: source !== undefined,
      alerts: source?.list() ?? [],
      rules: (source?.rules() ?? []).map((r) => ({
        id: r.id,
        name: r.name,
        metric: r.metric,
        field: DERIVED_METRICS[r.metric as DerivedMetricName]?.field ?? null,
        severity: r.severity,
        op: r.op,
        threshold: r.threshold,
      })),
      history: this.#monitor.alertHistory(Number.isNaN(from) ? undefined : from),
    });
  }

  #stream(res: ServerResponse): void {
    const latest = this.#monitor.latest();
    this.#hub.open(
      res,
      latest && { event: 'sample', data: { timestamp: latest.metrics.timestamp, ...latest } },
    );
  }
}

/** ms since the epoch, or an ISO time. */
function time(raw: string, name: string): number {
  const value = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (Number.isNaN(value))
    throw new ConfigError(`query.${name}`, `must be ms since the epoch or an ISO time, got '${raw}'`);
  return value;
}
