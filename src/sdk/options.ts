import type { PresetName } from './presets.js';

/*
 * The options schema of startPerformanceSdk: what a user may pass, and what is in force after presets
 * and the environment. Validation and merging live in config.ts.
 */

/** Where Prometheus scrapes the app. */
export interface PrometheusOptions {
  /** Interface to bind. Default `OTEL_EXPORTER_PROMETHEUS_HOST`, else `127.0.0.1` (never all interfaces unless asked). */
  host?: string;
  /** TCP port; `0` picks a free one. Default `OTEL_EXPORTER_PROMETHEUS_PORT`, else `9464`. @example { port: 9464 } */
  port?: number;
  /** Path of the metrics endpoint. Default `/metrics`. */
  endpoint?: string;
  /** When set, `/metrics` requires `Authorization: Bearer <token>`. Default: none. */
  token?: string;
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
}

export interface HostMetricsOptions {
  /** How long one host reading is reused across readers, in ms. Default: the preset's monitoring interval (production 10000, development 5000). */
  intervalMillis?: number;
  /** Emit `system.cpu.*` per logical CPU. Default `false` (one machine-wide series per state). */
  perCpu?: boolean;
}

export interface RuntimeMetricsOptions {
  /**
   * Event-loop delay sampling resolution in ms. Default 20: each sample is a timer wake-up, and at
   * 10 ms (the instrumentation's own default) sampling alone cost ~0.9% of a core on an idle service.
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
  /** `service.name`. Default `OTEL_SERVICE_NAME`, else the app's package.json name, else `unknown_service:node`. */
  serviceName?: string;
  /** `service.version`. Default the app's package.json version, else `0.0.0`. */
  serviceVersion?: string;
  /** Configuration preset. Default `'production'`. */
  preset?: PresetName;
  /** Prometheus pull endpoint, or `false` for none. */
  prometheus?: PrometheusOptions | false;
  /** OTLP push, or `false`. Default: on only when an `OTEL_EXPORTER_OTLP_*ENDPOINT` variable is set. */
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
  /** Options passed to the memory manager (`perf.memory`), over the preset's, or `false`. */
  memory?: Record<string, unknown> | false;
  /** Options passed to the worker pool (`perf.processor`, created on first use), over the preset's, or `false`. */
  parallel?: Record<string, unknown> | false;
  /** Alert engine options, or `false`. */
  alerts?: Record<string, unknown> | false;
}

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
  memory: Record<string, unknown> | false;
  parallel: Record<string, unknown> | false;
  alerts: Record<string, unknown> | false;
}
