import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveAlertsOptions } from '../alerts/options.js';
import { ConfigError } from '../core/errors.js';
import { httpUrl, integer, parseOptions, positive, type v } from '../core/options-schema.js';
import { resolveMemoryOptions } from '../memory/resolve.js';
import { resolveProcessorOptions } from '../parallel/options.js';
import { DEFAULT_DASHBOARD_OPTIONS } from './dashboard/dashboard.js';
import { type MetricsExporterName, OTLP_ENV_DEFAULTS, readOtelEnv, resolveOtlpTransport } from './env.js';
import { type ResolvedSdkConfig, SDK_OPTIONS_SCHEMA } from './options.js';
import { PRESETS, type Preset, type PresetName } from './presets.js';
import { DEFAULT_SERVER_LIMITS } from './server.js';

export const DEFAULT_SDK_OPTIONS = Object.freeze({
  preset: 'production' as PresetName,
  prometheus: Object.freeze({
    host: '127.0.0.1',
    port: 9464,
    endpoint: '/metrics',
    ...DEFAULT_SERVER_LIMITS,
  }),
  otlpIntervalMillis: 60_000,
  otlpTimeoutMillis: 30_000,
  runtimeMonitoringPrecisionMillis: 20,
  registerGlobal: true,
  cardinalityLimit: 2000,
  retentionDays: 7,
  shutdownTimeoutMillis: 5000,
});

type Env = Record<string, string | undefined>;
type SdkInput = v.InferOutput<typeof SDK_OPTIONS_SCHEMA>;

/**
 * Validates every option once, components included, before anything starts; merges them over the preset
 * and the `OTEL_*` environment. Throws {@link ConfigError} whose `field` is the full path.
 */
export function resolveConfig(input: unknown = {}, env: Env = process.env): ResolvedSdkConfig {
  const options = parseOptions(SDK_OPTIONS_SCHEMA, input ?? {}, 'options');
  const preset = options.preset ?? DEFAULT_SDK_OPTIONS.preset;
  const presetValues = PRESETS[preset];
  const app = readAppPackage();
  const otelEnv = readOtelEnv(env);
  const exporters = otelEnv.metricsExporters;
  const presetIntervalMillis = presetValues.monitoring.intervalSeconds * 1000;
  const host = options.hostMetrics;
  const runtime = options.runtimeMetrics;
  return {
    // Specification order: explicit option > OTEL_SERVICE_NAME > OTEL_RESOURCE_ATTRIBUTES > our guess.
    serviceName: options.serviceName ?? otelEnv.serviceName ?? app.name ?? 'unknown_service:node',
    serviceVersion: options.serviceVersion ?? otelEnv.serviceVersion ?? app.version ?? '0.0.0',
    preset,
    prometheus: resolvePrometheus(options.prometheus, env, exporters),
    otlp: resolveOtlp(options.otlp, env, exporters),
    hostMetrics:
      host === false
        ? false
        : { intervalMillis: host?.intervalMillis ?? presetIntervalMillis, perCpu: host?.perCpu ?? false },
    runtimeMetrics:
      runtime === false
        ? false
        : {
            monitoringPrecisionMillis:
              (runtime === true ? undefined : runtime?.monitoringPrecisionMillis) ??
              DEFAULT_SDK_OPTIONS.runtimeMonitoringPrecisionMillis,
          },
    registerGlobal: options.registerGlobal ?? DEFAULT_SDK_OPTIONS.registerGlobal,
    cardinalityLimit: options.cardinalityLimit ?? DEFAULT_SDK_OPTIONS.cardinalityLimit,
    monitor: {
      intervalMillis: options.monitor?.intervalMillis ?? presetIntervalMillis,
      retentionDays: presetValues.monitoring.retentionDays ?? DEFAULT_SDK_OPTIONS.retentionDays,
      verbose: options.monitor?.verbose ?? presetValues.monitoring.verbose ?? false,
    },
    dashboard: resolveDashboard(options, preset),
    ...resolveComponents(options, presetValues),
    shutdownTimeoutMillis: options.shutdownTimeoutMillis ?? DEFAULT_SDK_OPTIONS.shutdownTimeoutMillis,
    semconvStability: options.semconvStability ?? 'new',
    disabled: otelEnv.disabled,
    console: exporters?.has('console')
      ? {
          intervalMillis: envMillis(
            env.OTEL_METRIC_EXPORT_INTERVAL,
            'OTEL_METRIC_EXPORT_INTERVAL',
            DEFAULT_SDK_OPTIONS.otlpIntervalMillis,
          ),
        }
      : false,
    resourceAttributes: otelEnv.resourceAttributes,
  };
}

/**
 * Component options over the preset's. The schema has checked each key; the rules that relate fields
 * (`cacheSizeMb` within `maxMemoryMb`, `minWorkers` ≤ `maxWorkers`, every rule) hold only for the merged
 * values, so the components' own resolvers run here too, given the path prefix of their option.
 */
function resolveComponents(
  options: SdkInput,
  preset: Preset,
): Pick<ResolvedSdkConfig, 'memory' | 'parallel' | 'alerts'> {
  const memory =
    options.memory === false
      ? false
      : { maxMemoryMb: preset.memory.maxMb, gcThreshold: preset.memory.gcThreshold, ...options.memory };
  if (memory) resolveMemoryOptions(memory, 'options.memory');
  const parallel =
    options.parallel === false ? false : { maxWorkers: preset.parallel.maxWorkers, ...options.parallel };
  if (parallel) resolveProcessorOptions(parallel, 'options.parallel');
  const alerts = options.alerts === false ? false : (options.alerts ?? {});
  if (alerts) resolveAlertsOptions(alerts, 'options.alerts');
  return { memory, parallel, alerts };
}

/** On in the development preset unless switched off; explicit `dashboard` without a server is an error. */
function resolveDashboard(options: SdkInput, preset: PresetName): ResolvedSdkConfig['dashboard'] {
  const value = options.dashboard ?? preset === 'development';
  if (value === false) return false;
  if (options.prometheus === false) {
    // The preset's default quietly yields to a server switched off; an explicit request does not.
    if (options.dashboard === undefined) return false;
    throw new ConfigError(
      'options.dashboard',
      'needs the SDK server, but options.prometheus is false; use new PerformanceDashboard(perf.monitor).serve() instead',
    );
  }
  const o = value === true ? {} : value;
  return {
    path: o.path ?? DEFAULT_DASHBOARD_OPTIONS.path,
    maxClients: o.maxClients ?? DEFAULT_DASHBOARD_OPTIONS.maxClients,
  };
}

type Exporters = ReadonlySet<MetricsExporterName> | undefined;

function resolvePrometheus(
  value: SdkInput['prometheus'],
  env: Env,
  exporters: Exporters,
): ResolvedSdkConfig['prometheus'] {
  if (value === false) return false;
  if (value === undefined && exporters && !exporters.has('prometheus')) return false;
  const envPort = nonEmpty(env.OTEL_EXPORTER_PROMETHEUS_PORT);
  const d = DEFAULT_SDK_OPTIONS.prometheus;
  const headersTimeoutMillis = value?.headersTimeoutMillis ?? d.headersTimeoutMillis;
  const requestTimeoutMillis =
    value?.requestTimeoutMillis ?? Math.max(d.requestTimeoutMillis, headersTimeoutMillis);
  if (headersTimeoutMillis > requestTimeoutMillis) {
    throw new ConfigError(
      'options.prometheus.headersTimeoutMillis',
      `must not exceed options.prometheus.requestTimeoutMillis (${requestTimeoutMillis}), got ${headersTimeoutMillis}`,
    );
  }
  return {
    host: value?.host ?? nonEmpty(env.OTEL_EXPORTER_PROMETHEUS_HOST) ?? DEFAULT_SDK_OPTIONS.prometheus.host,
    port:
      value?.port ??
      (envPort === undefined
        ? DEFAULT_SDK_OPTIONS.prometheus.port
        : parseOptions(integer(0, 65535), Number(envPort), 'OTEL_EXPORTER_PROMETHEUS_PORT')),
    endpoint: value?.endpoint ?? d.endpoint,
    token: value?.token,
    nativeHistograms: value?.nativeHistograms ?? false,
    openHealthz: value?.openHealthz ?? d.openHealthz,
    headersTimeoutMillis,
    requestTimeoutMillis,
    keepAliveTimeoutMillis: value?.keepAliveTimeoutMillis ?? d.keepAliveTimeoutMillis,
    maxConnections: value?.maxConnections ?? d.maxConnections,
    maxHeaderSizeBytes: value?.maxHeaderSizeBytes ?? d.maxHeaderSizeBytes,
  };
}

function resolveOtlp(value: SdkInput['otlp'], env: Env, exporters: Exporters): ResolvedSdkConfig['otlp'] {
  if (value === false) return false;
  const envUrl =
    nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) ??
    (nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT)
      ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/$/, '')}/v1/metrics`
      : undefined);
  // OTEL_METRICS_EXPORTER decides when set; unset, an endpoint variable alone turns OTLP on (as before).
  if (value === undefined && (exporters ? !exporters.has('otlp') : envUrl === undefined)) return false;
  const url =
    value?.url ??
    (envUrl === undefined
      ? OTLP_ENV_DEFAULTS.url
      : parseOptions(httpUrl(), envUrl, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'));
  return {
    url,
    intervalMillis:
      value?.intervalMillis ??
      envMillis(
        env.OTEL_METRIC_EXPORT_INTERVAL,
        'OTEL_METRIC_EXPORT_INTERVAL',
        DEFAULT_SDK_OPTIONS.otlpIntervalMillis,
      ),
    timeoutMillis:
      value?.timeoutMillis ??
      envMillis(
        env.OTEL_METRIC_EXPORT_TIMEOUT,
        'OTEL_METRIC_EXPORT_TIMEOUT',
        DEFAULT_SDK_OPTIONS.otlpTimeoutMillis,
      ),
    headers:
      value?.headers ??
      parseHeaders(env.OTEL_EXPORTER_OTLP_METRICS_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS),
    ...resolveOtlpTransport(value ?? {}, env),
  };
}

function envMillis(raw: string | undefined, name: string, fallback: number): number {
  return nonEmpty(raw) === undefined ? fallback : parseOptions(positive('milliseconds'), Number(raw), name);
}

/** `OTEL_EXPORTER_OTLP_HEADERS` format: `key1=value1,key2=value2`, values URL-encoded. */
function parseHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function readAppPackage(): { name?: string; version?: string } {
  const name = nonEmpty(process.env.npm_package_name);
  if (name) return { name, version: nonEmpty(process.env.npm_package_version) };
  try {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as {
      name?: unknown;
      version?: unknown;
    };
    return {
      name: typeof pkg.name === 'string' ? pkg.name : undefined,
      version: typeof pkg.version === 'string' ? pkg.version : undefined,
    };
  } catch {
    return {};
  }
}
