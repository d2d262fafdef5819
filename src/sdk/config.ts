import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import {
  expectBoolean,
  expectInteger,
  expectObject,
  expectOneOf,
  expectPositiveMillis,
  expectString,
  expectStringRecord,
  rejectUnknownKeys,
} from '../core/validate.js';
import type { ResolvedSdkConfig } from './options.js';
import { PRESET_NAMES, PRESETS, type PresetName } from './presets.js';

export const DEFAULT_SDK_OPTIONS = Object.freeze({
  preset: 'production' as PresetName,
  prometheus: Object.freeze({ host: '127.0.0.1', port: 9464, endpoint: '/metrics' }),
  otlpIntervalMillis: 60_000,
  otlpTimeoutMillis: 30_000,
  runtimeMonitoringPrecisionMillis: 20,
  registerGlobal: true,
  cardinalityLimit: 2000,
  retentionDays: 7,
});

const TOP_LEVEL_KEYS = [
  'serviceName',
  'serviceVersion',
  'preset',
  'prometheus',
  'otlp',
  'hostMetrics',
  'runtimeMetrics',
  'registerGlobal',
  'cardinalityLimit',
  'monitor',
  'memory',
  'parallel',
  'alerts',
] as const;

type Env = Record<string, string | undefined>;

/** Validates options once, merges them over the preset and the `OTEL_*` environment. Throws {@link ConfigError}. */
export function resolveConfig(input: unknown = {}, env: Env = process.env): ResolvedSdkConfig {
  const options = expectObject(input ?? {}, 'options');
  rejectUnknownKeys(options, TOP_LEVEL_KEYS, 'options');
  const preset =
    options.preset === undefined
      ? DEFAULT_SDK_OPTIONS.preset
      : expectOneOf(options.preset, PRESET_NAMES, 'options.preset');
  const presetValues = PRESETS[preset];
  const app = readAppPackage();
  const serviceName =
    options.serviceName !== undefined
      ? expectString(options.serviceName, 'options.serviceName')
      : (nonEmpty(env.OTEL_SERVICE_NAME) ?? app.name ?? 'unknown_service:node');
  const serviceVersion =
    options.serviceVersion !== undefined
      ? expectString(options.serviceVersion, 'options.serviceVersion')
      : (app.version ?? '0.0.0');
  const presetIntervalMillis = presetValues.monitoring.intervalSeconds * 1000;
  return {
    serviceName,
    serviceVersion,
    preset,
    prometheus: resolvePrometheus(options.prometheus, env),
    otlp: resolveOtlp(options.otlp, env),
    hostMetrics: resolveHostMetrics(options.hostMetrics, presetIntervalMillis),
    runtimeMetrics: resolveRuntimeMetrics(options.runtimeMetrics),
    registerGlobal:
      options.registerGlobal === undefined
        ? DEFAULT_SDK_OPTIONS.registerGlobal
        : expectBoolean(options.registerGlobal, 'options.registerGlobal'),
    cardinalityLimit:
      options.cardinalityLimit === undefined
        ? DEFAULT_SDK_OPTIONS.cardinalityLimit
        : expectInteger(options.cardinalityLimit, 'options.cardinalityLimit', { min: 1 }),
    monitor: resolveMonitor(options.monitor, presetIntervalMillis, presetValues),
    memory: resolveComponent(options.memory, 'options.memory', {
      maxMemoryMb: presetValues.memory.maxMb,
      gcThreshold: presetValues.memory.gcThreshold,
    }),
    parallel: resolveComponent(options.parallel, 'options.parallel', {
      maxWorkers: presetValues.parallel.maxWorkers,
    }),
    alerts: resolveComponent(options.alerts, 'options.alerts', {}),
  };
}

function resolvePrometheus(value: unknown, env: Env): ResolvedSdkConfig['prometheus'] {
  if (value === false) return false;
  const options = value === undefined ? {} : expectObject(value, 'options.prometheus');
  rejectUnknownKeys(options, ['host', 'port', 'endpoint', 'token'], 'options.prometheus');
  const host =
    options.host !== undefined
      ? expectString(options.host, 'options.prometheus.host')
      : (nonEmpty(env.OTEL_EXPORTER_PROMETHEUS_HOST) ?? DEFAULT_SDK_OPTIONS.prometheus.host);
  let port: number;
  if (options.port !== undefined) {
    port = expectInteger(options.port, 'options.prometheus.port', { min: 0, max: 65535 });
  } else if (nonEmpty(env.OTEL_EXPORTER_PROMETHEUS_PORT) !== undefined) {
    port = expectInteger(Number(env.OTEL_EXPORTER_PROMETHEUS_PORT), 'OTEL_EXPORTER_PROMETHEUS_PORT', {
      min: 0,
      max: 65535,
    });
  } else {
    port = DEFAULT_SDK_OPTIONS.prometheus.port;
  }
  const endpoint =
    options.endpoint === undefined
      ? DEFAULT_SDK_OPTIONS.prometheus.endpoint
      : expectString(options.endpoint, 'options.prometheus.endpoint');
  if (!endpoint.startsWith('/'))
    throw new ConfigError('options.prometheus.endpoint', `must start with '/', got "${endpoint}"`);
  const token =
    options.token === undefined ? undefined : expectString(options.token, 'options.prometheus.token');
  return { host, port, endpoint, token };
}

function resolveOtlp(value: unknown, env: Env): ResolvedSdkConfig['otlp'] {
  if (value === false) return false;
  const envUrl =
    nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) ??
    (nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT)
      ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/$/, '')}/v1/metrics`
      : undefined);
  if (value === undefined && envUrl === undefined) return false;
  const options = value === undefined ? {} : expectObject(value, 'options.otlp');
  rejectUnknownKeys(options, ['url', 'intervalMillis', 'timeoutMillis', 'headers'], 'options.otlp');
  const url = options.url !== undefined ? expectString(options.url, 'options.otlp.url') : envUrl;
  if (url === undefined) {
    throw new ConfigError('options.otlp.url', 'is required (or set OTEL_EXPORTER_OTLP_METRICS_ENDPOINT)');
  }
  if (!/^https?:\/\//.test(url))
    throw new ConfigError('options.otlp.url', `must be an http(s) URL, got "${url}"`);
  return {
    url,
    intervalMillis: millisFrom(
      options.intervalMillis,
      'options.otlp.intervalMillis',
      env.OTEL_METRIC_EXPORT_INTERVAL,
      'OTEL_METRIC_EXPORT_INTERVAL',
      DEFAULT_SDK_OPTIONS.otlpIntervalMillis,
    ),
    timeoutMillis: millisFrom(
      options.timeoutMillis,
      'options.otlp.timeoutMillis',
      env.OTEL_METRIC_EXPORT_TIMEOUT,
      'OTEL_METRIC_EXPORT_TIMEOUT',
      DEFAULT_SDK_OPTIONS.otlpTimeoutMillis,
    ),
    headers:
      options.headers !== undefined
        ? expectStringRecord(options.headers, 'options.otlp.headers')
        : parseHeaders(env.OTEL_EXPORTER_OTLP_METRICS_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS),
  };
}

function resolveHostMetrics(value: unknown, presetIntervalMillis: number): ResolvedSdkConfig['hostMetrics'] {
  if (value === false) return false;
  const options = value === undefined || value === true ? {} : expectObject(value, 'options.hostMetrics');
  rejectUnknownKeys(options, ['intervalMillis', 'perCpu'], 'options.hostMetrics');
  return {
    intervalMillis:
      options.intervalMillis === undefined
        ? presetIntervalMillis
        : expectPositiveMillis(options.intervalMillis, 'options.hostMetrics.intervalMillis'),
    perCpu:
      options.perCpu === undefined ? false : expectBoolean(options.perCpu, 'options.hostMetrics.perCpu'),
  };
}

function resolveRuntimeMetrics(value: unknown): ResolvedSdkConfig['runtimeMetrics'] {
  if (value === false) return false;
  const options = value === undefined || value === true ? {} : expectObject(value, 'options.runtimeMetrics');
  rejectUnknownKeys(options, ['monitoringPrecisionMillis'], 'options.runtimeMetrics');
  return {
    monitoringPrecisionMillis:
      options.monitoringPrecisionMillis === undefined
        ? DEFAULT_SDK_OPTIONS.runtimeMonitoringPrecisionMillis
        : expectInteger(
            options.monitoringPrecisionMillis,
            'options.runtimeMetrics.monitoringPrecisionMillis',
            { min: 1 },
          ),
  };
}

function resolveMonitor(
  value: unknown,
  presetIntervalMillis: number,
  preset: (typeof PRESETS)[PresetName],
): ResolvedSdkConfig['monitor'] {
  const options = value === undefined ? {} : expectObject(value, 'options.monitor');
  rejectUnknownKeys(options, ['intervalMillis', 'verbose'], 'options.monitor');
  return {
    intervalMillis:
      options.intervalMillis === undefined
        ? presetIntervalMillis
        : expectPositiveMillis(options.intervalMillis, 'options.monitor.intervalMillis'),
    retentionDays: preset.monitoring.retentionDays ?? DEFAULT_SDK_OPTIONS.retentionDays,
    verbose:
      options.verbose === undefined
        ? (preset.monitoring.verbose ?? false)
        : expectBoolean(options.verbose, 'options.monitor.verbose'),
  };
}

/** Component options are validated by the component's own constructor; here only their shape and the preset merge. */
function resolveComponent(
  value: unknown,
  field: string,
  presetValues: Record<string, unknown>,
): Record<string, unknown> | false {
  if (value === false) return false;
  if (value === undefined || value === true) return { ...presetValues };
  return { ...presetValues, ...expectObject(value, field) };
}

function millisFrom(
  value: unknown,
  field: string,
  envValue: string | undefined,
  envName: string,
  fallback: number,
): number {
  if (value !== undefined) return expectPositiveMillis(value, field);
  if (nonEmpty(envValue) !== undefined) return expectPositiveMillis(Number(envValue), envName);
  return fallback;
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
