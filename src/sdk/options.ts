import { ALERTS_OPTIONS_SCHEMA, type AlertsOptions } from '../alerts/options.js';
import {
  type Assert,
  boolean,
  httpUrl,
  integer,
  type MatchesSchema,
  nonEmptyString,
  oneOf,
  options,
  orFalse,
  positive,
  stringRecord,
  v,
} from '../core/options-schema.js';
import { SEMCONV_STABILITIES, type SemconvStability } from '../instrumentation/semconv.js';
import { MEMORY_OPTIONS_SCHEMA, type MemoryOptions } from '../memory/options.js';
import { PROCESSOR_OPTIONS_SCHEMA, type ProcessorOptions } from '../parallel/options.js';
import { DASHBOARD_OPTIONS_SCHEMA, type DashboardOptions } from './dashboard/dashboard.js';
import type { HistogramAggregation, OtlpCompression, OtlpProtocol, TemporalityPreference } from './env.js';
import { OTLP_PROTOCOLS } from './env.js';
import { PRESET_NAMES, type PresetName } from './presets.js';

/*
 * The options of startPerformanceSdk: what a user may pass (each interface, with its one schema below),
 * and what is in force after presets and the environment. Merging lives in config.ts.
 * Units are in the names: `…Millis` milliseconds, `…Mb` MiB (2^20 bytes), `…Bytes` bytes.
 */

/** Where Prometheus scrapes the app. */
export interface PrometheusOptions {
  /** Interface to bind. Default `OTEL_EXPORTER_PROMETHEUS_HOST`, else `127.0.0.1` (never all interfaces unless asked). */
  host?: string;
  /** TCP port; `0` picks a free one. Default `OTEL_EXPORTER_PROMETHEUS_PORT`, else `9464`. @example { port: 9464 } */
  port?: number;
  /**
   * Path of the metrics endpoint: a plain path (letters, digits, `-._~`, segments separated by `/`; no
   * query, fragment or `..`), not one of the server's own routes ({@link RESERVED_PATHS}). Default `/metrics`.
   * @example { endpoint: '/internal/metrics' }
   */
  endpoint?: string;
  /**
   * When set, every route the server serves (the metrics endpoint, `/healthz`, `/alerts`, the dashboard
   * and its API, and any route added later) requires `Authorization: Bearer <token>` — a browser opening
   * the dashboard passes `?access_token=<token>` once; `/healthz` stays open only with
   * {@link PrometheusOptions.openHealthz}. Default: none.
   */
  token?: string;
  /**
   * Offer Prometheus' protobuf format and write the hot-path duration and size histograms
   * (`aiva.task.duration`, pool wait/run, allocation size) as native histograms in it, beside their
   * classic buckets. Prometheus uses it when started with `--enable-feature=native-histograms`; text
   * and OpenMetrics scrapes are unchanged. Default `false`. @example { nativeHistograms: true }
   */
  nativeHistograms?: boolean;
  /** With a `token`, leave `/healthz` open (status, service, version, uptime) for load-balancer probes. Default `false`. */
  openHealthz?: boolean;
  /** Longest time a client may take to send the request headers, in ms; then 408 and the socket closes (slowloris). Default 10000. */
  headersTimeoutMillis?: number;
  /** Longest time a client may take to send a whole request, in ms; at least `headersTimeoutMillis`. Default 30000. */
  requestTimeoutMillis?: number;
  /** How long an idle keep-alive connection stays open, in ms. Default 5000. */
  keepAliveTimeoutMillis?: number;
  /** Most connections open at once; later ones are closed at once. Default 4096. @example { maxConnections: 256 } */
  maxConnections?: number;
  /** Largest request head (request line and headers) in bytes; larger gets 431. Default 8192. */
  maxHeaderSizeBytes?: number;
}

/** Paths the SDK's server serves itself (or reserves for its own pages): never the metrics endpoint. */
export const RESERVED_PATHS: readonly string[] = Object.freeze(['/healthz', '/alerts', '/dashboard', '/api']);

/** A plain absolute path: `/`-separated segments of unreserved characters, no `.`/`..` segment. */
function plainPath(path: string): boolean {
  return /^(\/[A-Za-z0-9._~-]+)+\/?$|^\/$/.test(path) && !/\/\.{1,2}(\/|$)/.test(path);
}

function reservedPath(path: string): boolean {
  const trimmed = path.length > 1 ? path.replace(/\/$/, '') : path;
  return RESERVED_PATHS.some((r) => trimmed === r || trimmed.startsWith(`${r}/`));
}

/** OTLP/HTTP push to an OpenTelemetry Collector, for fleets. */
export interface OtlpOptions {
  /** Full metrics URL. Default `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/metrics`. @example { url: 'http://127.0.0.1:4318/v1/metrics' } */
  url?: string;
  /** Push interval in ms. Default `OTEL_METRIC_EXPORT_INTERVAL`, else 60000. */
  intervalMillis?: number;
  /** Export timeout in ms. Default `OTEL_METRIC_EXPORT_TIMEOUT`, else 30000. */
  timeoutMillis?: number;
  /** Extra HTTP headers (e.g. an API key). Default `OTEL_EXPORTER_OTLP_METRICS_HEADERS`. */
  headers?: Record<string, string>;
  /** Wire format. Default `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else `'http/protobuf'`. @example { protocol: 'http/json' } */
  protocol?: OtlpProtocol;
  /** Body compression. Default `OTEL_EXPORTER_OTLP_METRICS_COMPRESSION`, else `OTEL_EXPORTER_OTLP_COMPRESSION`, else `'none'`. */
  compression?: OtlpCompression;
  /** How long one export request may take, retries included, in ms. Default `OTEL_EXPORTER_OTLP_METRICS_TIMEOUT`, else `OTEL_EXPORTER_OTLP_TIMEOUT`, else 10000. */
  requestTimeoutMillis?: number;
  /** Aggregation temporality the collector wants. Default `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`, else `'cumulative'`. @example { temporalityPreference: 'delta' } */
  temporalityPreference?: TemporalityPreference;
  /**
   * How histograms are exported over OTLP: `'explicit'` (the instruments' bucket boundaries, as
   * Prometheus scrapes them) or `'exponential'` (base-2 exponential histograms, 160 buckets — the
   * Collector and most backends take them, and their quantiles are within a few percent). Default
   * `OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION`, else `'explicit'`.
   * @example { histogramAggregation: 'exponential' }
   */
  histogramAggregation?: HistogramAggregation;
}

export interface HostMetricsOptions {
  /** How long one host reading is reused across readers, in ms. Default: the preset's monitoring interval (production 10000, development 5000). */
  intervalMillis?: number;
  /** Emit `system.cpu.*` per logical CPU. Default `false` (one machine-wide series per state). */
  perCpu?: boolean;
}

export interface RuntimeMetricsOptions {
  /**
   * Event-loop delay sampling resolution in ms while the loop is busy. Default 20. An idle loop is
   * checked once a second instead (each sample is a timer wake-up: at a fixed 20 ms, sampling alone
   * cost ~0.5 % of a core on an idle service); see `nodejs.eventloop.delay.*` in the README.
   */
  monitoringPrecisionMillis?: number;
}

export interface MonitorOptions {
  /** Sampling interval of `perf.monitor.start()` in ms. Default: the preset's (production 10000, development 5000). */
  intervalMillis?: number;
  /** While started, print one summary line per sample to the console. Default: the preset's (development `true`). */
  verbose?: boolean;
}

/** Options of {@link startPerformanceSdk}. Every field is optional. */
export interface PerformanceSdkOptions {
  /** `service.name`. Default `OTEL_SERVICE_NAME`, else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else the app's package.json name, else `unknown_service:node`. */
  serviceName?: string;
  /** `service.version`. Default `service.version` in `OTEL_RESOURCE_ATTRIBUTES`, else the app's package.json version, else `0.0.0`. */
  serviceVersion?: string;
  /** Configuration preset. Default `'production'`. */
  preset?: PresetName;
  /** Prometheus pull endpoint, or `false` for none. Default on, unless `OTEL_METRICS_EXPORTER` is set without `prometheus`. */
  prometheus?: PrometheusOptions | false;
  /** OTLP push, or `false`. Default: on when `OTEL_METRICS_EXPORTER` includes `otlp`, or (that variable unset) when an `OTEL_EXPORTER_OTLP_*ENDPOINT` variable is set. */
  otlp?: OtlpOptions | false;
  /** Host metrics, or `false`. */
  hostMetrics?: HostMetricsOptions | false;
  /** Node runtime metrics (event loop, heap, GC), or `false`. Default on. */
  runtimeMetrics?: RuntimeMetricsOptions | boolean;
  /** Register as the global MeterProvider so `@opentelemetry/api` users record into it. Default `true`. */
  registerGlobal?: boolean;
  /** Most attribute sets kept per instrument; extra ones fold into an overflow series. Default 2000. */
  cardinalityLimit?: number;
  /** Defaults for `perf.monitor`. */
  monitor?: MonitorOptions;
  /**
   * The built-in dashboard at `/dashboard` on the SDK's server (with `/api/current`, `/api/history`,
   * `/api/alerts`, `/api/stream`), protected by `prometheus.token`; it starts the monitor's sampling.
   * `true`, `{ path, maxClients }` or `false`. Default: on in the development preset, off in production.
   * Needs the server (`prometheus` not `false`). @example { dashboard: { path: '/perf' } }
   */
  dashboard?: boolean | DashboardOptions;
  /**
   * The memory manager (`perf.memory`): its options over the preset's (`maxMemoryMb`, `gcThreshold`),
   * or `false` for none. `meterProvider` is always the SDK's. @example { maxMemoryMb: 2048 }
   */
  memory?: MemoryOptions | false;
  /**
   * The worker pool (`perf.processor`, created on first use): its options over the preset's
   * (`maxWorkers`), or `false`. `meterProvider` is always the SDK's. @example { maxWorkers: 4 }
   */
  parallel?: ProcessorOptions | false;
  /** Alert engine options, or `false`. Default: the default rules. @example { rules: [{ name: 'Busy', metric: 'queue_size', threshold: 50 }] } */
  alerts?: AlertsOptions | false;
  /**
   * Longest `shutdown()` may take, in ms, final OTLP export included; what is still unsent then is
   * named once through the OpenTelemetry diag logger. Default 5000. @example { shutdownTimeoutMillis: 2000 }
   */
  shutdownTimeoutMillis?: number;
  /**
   * Semantic-convention names of host and runtime metrics, for one release of overlap (like
   * OpenTelemetry's `OTEL_SEMCONV_STABILITY_OPT_IN`): `'new'` the current conventions (`cpu.mode`,
   * `network.interface.name`, `system.device.name`, `system.network.packet.dropped`); `'old'` the
   * names of aiva-performance 0.1 (`system.cpu.state`, `system.device`, `system.network.dropped`);
   * `'dup'` both. The shipped dashboards and rules use the new names.
   * @default 'new'
   * @example { semconvStability: 'dup' }
   */
  semconvStability?: SemconvStability;
}

const optional = v.optional;
const millis = () => positive('milliseconds');

export const PROMETHEUS_OPTIONS_SCHEMA = options({
  host: optional(nonEmptyString()),
  port: optional(integer(0, 65535)),
  endpoint: optional(
    v.pipe(
      nonEmptyString(),
      v.check((s) => s.startsWith('/'), "must start with '/'"),
      v.check(
        plainPath,
        "must be a plain path (letters, digits, '-._~' between '/'; no query, fragment or '..')",
      ),
      v.check(
        (s) => !reservedPath(s),
        `must not be a path the server serves itself (${RESERVED_PATHS.join(', ')})`,
      ),
    ),
  ),
  token: optional(nonEmptyString()),
  nativeHistograms: optional(boolean()),
  openHealthz: optional(boolean()),
  headersTimeoutMillis: optional(millis()),
  requestTimeoutMillis: optional(millis()),
  keepAliveTimeoutMillis: optional(millis()),
  maxConnections: optional(integer(1)),
  maxHeaderSizeBytes: optional(integer(1024, 1024 * 1024)),
});

export const OTLP_OPTIONS_SCHEMA = options({
  url: optional(httpUrl()),
  intervalMillis: optional(millis()),
  timeoutMillis: optional(millis()),
  headers: optional(stringRecord()),
  protocol: optional(oneOf(OTLP_PROTOCOLS)),
  compression: optional(oneOf(['gzip', 'none'] as const)),
  requestTimeoutMillis: optional(millis()),
  temporalityPreference: optional(oneOf(['cumulative', 'delta', 'lowmemory'] as const)),
  histogramAggregation: optional(oneOf(['explicit', 'exponential'] as const)),
});

/** The one declaration of {@link PerformanceSdkOptions}, components included: strict at every level. */
export const SDK_OPTIONS_SCHEMA = options({
  serviceName: optional(nonEmptyString()),
  serviceVersion: optional(nonEmptyString()),
  preset: optional(oneOf(PRESET_NAMES)),
  prometheus: optional(orFalse(PROMETHEUS_OPTIONS_SCHEMA)),
  otlp: optional(orFalse(OTLP_OPTIONS_SCHEMA)),
  hostMetrics: optional(
    orFalse(options({ intervalMillis: optional(millis()), perCpu: optional(boolean()) })),
  ),
  runtimeMetrics: optional(
    v.union(
      [v.boolean(), options({ monitoringPrecisionMillis: optional(integer(1)) })],
      'must be a boolean or an object',
    ),
  ),
  registerGlobal: optional(boolean()),
  cardinalityLimit: optional(integer(1)),
  monitor: optional(options({ intervalMillis: optional(millis()), verbose: optional(boolean()) })),
  dashboard: optional(v.union([v.boolean(), DASHBOARD_OPTIONS_SCHEMA], 'must be a boolean or an object')),
  memory: optional(orFalse(MEMORY_OPTIONS_SCHEMA)),
  parallel: optional(orFalse(PROCESSOR_OPTIONS_SCHEMA)),
  alerts: optional(orFalse(ALERTS_OPTIONS_SCHEMA)),
  shutdownTimeoutMillis: optional(millis()),
  semconvStability: optional(oneOf(SEMCONV_STABILITIES)),
});

/** Compile-time only: the interfaces and their schemas accept the same objects. */
export type SdkOptionsMatchSchema = Assert<
  MatchesSchema<PerformanceSdkOptions, v.InferInput<typeof SDK_OPTIONS_SCHEMA>>
>;
export type PrometheusOptionsMatchSchema = Assert<
  MatchesSchema<PrometheusOptions, v.InferInput<typeof PROMETHEUS_OPTIONS_SCHEMA>>
>;
export type OtlpOptionsMatchSchema = Assert<
  MatchesSchema<OtlpOptions, v.InferInput<typeof OTLP_OPTIONS_SCHEMA>>
>;

export interface ResolvedSdkConfig {
  serviceName: string;
  serviceVersion: string;
  preset: PresetName;
  prometheus: (Required<Omit<PrometheusOptions, 'token'>> & { token: string | undefined }) | false;
  otlp: Required<OtlpOptions> | false;
  hostMetrics: Required<HostMetricsOptions> | false;
  runtimeMetrics: Required<RuntimeMetricsOptions> | false;
  registerGlobal: boolean;
  cardinalityLimit: number;
  monitor: { intervalMillis: number; retentionDays: number; verbose: boolean };
  /** The built-in dashboard on the SDK's server, or `false`. */
  dashboard: Required<DashboardOptions> | false;
  /** The user's memory options over the preset's, validated. */
  memory: MemoryOptions | false;
  /** The user's pool options over the preset's, validated. */
  parallel: ProcessorOptions | false;
  alerts: AlertsOptions | false;
  shutdownTimeoutMillis: number;
  semconvStability: SemconvStability;
  /** `OTEL_SDK_DISABLED=true`: the handle is a no-op and nothing starts. */
  disabled: boolean;
  /** `OTEL_METRICS_EXPORTER` includes `console`: print every export to stdout at this interval. */
  console: { intervalMillis: number } | false;
  /** `OTEL_RESOURCE_ATTRIBUTES`, under the SDK's own `service.*` attributes. */
  resourceAttributes: Readonly<Record<string, string>>;
}
