import { ConfigError } from '../core/errors.js';
import { expectPositiveMillis } from '../core/validate.js';
import type { OtlpOptions, ResolvedSdkConfig } from './options.js';

/*
 * The OpenTelemetry SDK environment variables (specification: "SDK environment variables" and
 * "OTLP exporter configuration"), read and checked here; config.ts applies them under the explicit
 * options. Errors name the variable.
 */

export type Env = Record<string, string | undefined>;

export const METRICS_EXPORTERS = ['prometheus', 'otlp', 'console'] as const;
export type MetricsExporterName = (typeof METRICS_EXPORTERS)[number];

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];
export type OtlpCompression = 'gzip' | 'none';
export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';
export type HistogramAggregation = 'explicit' | 'exponential';

/** The specification's defaults where the variables are unset. */
export const OTLP_ENV_DEFAULTS = Object.freeze({
  url: 'http://localhost:4318/v1/metrics',
  protocol: 'http/protobuf' as OtlpProtocol,
  compression: 'none' as OtlpCompression,
  requestTimeoutMillis: 10_000,
  temporalityPreference: 'cumulative' as TemporalityPreference,
  histogramAggregation: 'explicit' as HistogramAggregation,
});

/** What the SDK-wide variables ask for. */
export interface OtelEnv {
  /** `OTEL_SDK_DISABLED=true` (case-insensitive; any other value leaves the SDK on, as specified). */
  readonly disabled: boolean;
  /** `OTEL_METRICS_EXPORTER` as a set; `undefined` when unset; empty for `none`. */
  readonly metricsExporters: ReadonlySet<MetricsExporterName> | undefined;
  /** `OTEL_SERVICE_NAME`, else `service.name` from `OTEL_RESOURCE_ATTRIBUTES`. */
  readonly serviceName: string | undefined;
  /** `service.version` from `OTEL_RESOURCE_ATTRIBUTES`. */
  readonly serviceVersion: string | undefined;
  /** Every `OTEL_RESOURCE_ATTRIBUTES` pair, decoded. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

/** What the OTLP exporter variables ask for; read only when OTLP is on, so a trace-only value cannot fail us. */
export interface OtlpEnv {
  readonly protocol: OtlpProtocol | undefined;
  readonly compression: OtlpCompression | undefined;
  readonly requestTimeoutMillis: number | undefined;
  readonly temporalityPreference: TemporalityPreference | undefined;
  readonly histogramAggregation: HistogramAggregation | undefined;
}

export function readOtelEnv(env: Env): OtelEnv {
  const resourceAttributes = parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES);
  return {
    disabled: nonEmpty(env.OTEL_SDK_DISABLED)?.toLowerCase() === 'true',
    metricsExporters: parseMetricsExporters(env.OTEL_METRICS_EXPORTER),
    serviceName: nonEmpty(env.OTEL_SERVICE_NAME) ?? nonEmpty(resourceAttributes['service.name']),
    serviceVersion: nonEmpty(resourceAttributes['service.version']),
    resourceAttributes,
  };
}

export function readOtlpEnv(env: Env): OtlpEnv {
  return {
    protocol: signalOrGeneral(env, 'PROTOCOL', parseProtocol),
    compression: signalOrGeneral(env, 'COMPRESSION', parseCompression),
    requestTimeoutMillis: signalOrGeneral(env, 'TIMEOUT', (raw, name) =>
      expectPositiveMillis(Number(raw), name),
    ),
    temporalityPreference: parseTemporality(env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE),
    histogramAggregation: parseHistogramAggregation(
      env.OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION,
    ),
  };
}

/** Protocol, compression, request timeout, temporality, histogram aggregation: option > `OTEL_EXPORTER_OTLP_METRICS_*` > `OTEL_EXPORTER_OTLP_*` > default. */
export function resolveOtlpTransport(
  options: Pick<OtlpOptions, TransportKey>,
  env: Env,
): Pick<Exclude<ResolvedSdkConfig['otlp'], false>, TransportKey> {
  // The options were checked by the SDK's schema; the variables are parsed here.
  const fromEnv = readOtlpEnv(env);
  return {
    protocol: options.protocol ?? fromEnv.protocol ?? OTLP_ENV_DEFAULTS.protocol,
    compression: options.compression ?? fromEnv.compression ?? OTLP_ENV_DEFAULTS.compression,
    requestTimeoutMillis:
      options.requestTimeoutMillis ?? fromEnv.requestTimeoutMillis ?? OTLP_ENV_DEFAULTS.requestTimeoutMillis,
    temporalityPreference:
      options.temporalityPreference ??
      fromEnv.temporalityPreference ??
      OTLP_ENV_DEFAULTS.temporalityPreference,
    histogramAggregation:
      options.histogramAggregation ?? fromEnv.histogramAggregation ?? OTLP_ENV_DEFAULTS.histogramAggregation,
  };
}

type TransportKey =
  | 'protocol'
  | 'compression'
  | 'requestTimeoutMillis'
  | 'temporalityPreference'
  | 'histogramAggregation';

/** `OTEL_EXPORTER_OTLP_METRICS_<X>` wins over `OTEL_EXPORTER_OTLP_<X>`, as the specification says. */
function signalOrGeneral<T>(
  env: Env,
  suffix: string,
  parse: (raw: string, name: string) => T,
): T | undefined {
  for (const name of [`OTEL_EXPORTER_OTLP_METRICS_${suffix}`, `OTEL_EXPORTER_OTLP_${suffix}`]) {
    const raw = nonEmpty(env[name]);
    if (raw !== undefined) return parse(raw, name);
  }
  return undefined;
}

function parseMetricsExporters(raw: string | undefined): ReadonlySet<MetricsExporterName> | undefined {
  const value = nonEmpty(raw);
  if (value === undefined) return undefined;
  const names = value.split(',').map((name) => name.trim().toLowerCase());
  if (names.includes('none')) {
    if (names.length > 1)
      throw new ConfigError(
        'OTEL_METRICS_EXPORTER',
        `cannot combine 'none' with other exporters, got "${value}"`,
      );
    return new Set();
  }
  for (const name of names) {
    if (!(METRICS_EXPORTERS as readonly string[]).includes(name))
      throw new ConfigError(
        'OTEL_METRICS_EXPORTER',
        `must be a comma list of ${METRICS_EXPORTERS.join(', ')} or 'none', got "${name}"`,
      );
  }
  return new Set(names as MetricsExporterName[]);
}

function parseProtocol(raw: string, name: string): OtlpProtocol {
  if ((OTLP_PROTOCOLS as readonly string[]).includes(raw)) return raw as OtlpProtocol;
  if (raw === 'grpc')
    throw new ConfigError(
      name,
      "'grpc' is not supported (its client library would add ~5 MB); use 'http/protobuf' (port 4318) — every Collector's OTLP receiver accepts it",
    );
  throw new ConfigError(name, `must be one of ${OTLP_PROTOCOLS.join(', ')}, got "${raw}"`);
}

function parseCompression(raw: string, name: string): OtlpCompression {
  if (raw === 'gzip' || raw === 'none') return raw;
  throw new ConfigError(name, `must be 'gzip' or 'none', got "${raw}"`);
}

function parseTemporality(raw: string | undefined): TemporalityPreference | undefined {
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === 'cumulative' || value === 'delta' || value === 'lowmemory') return value;
  throw new ConfigError(
    'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
    `must be cumulative, delta or lowmemory, got "${raw}"`,
  );
}

/** The specification's values of OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION. */
function parseHistogramAggregation(raw: string | undefined): HistogramAggregation | undefined {
  const value = nonEmpty(raw)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value === 'explicit_bucket_histogram') return 'explicit';
  if (value === 'base2_exponential_bucket_histogram') return 'exponential';
  throw new ConfigError(
    'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION',
    `must be explicit_bucket_histogram or base2_exponential_bucket_histogram, got "${raw}"`,
  );
}

/** `key1=value1,key2=value2`, keys and values percent-decoded (the W3C Baggage octet rules). */
function parseResourceAttributes(raw: string | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    try {
      attributes[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(
        pair.slice(at + 1).trim(),
      );
    } catch (error) {
      throw new ConfigError('OTEL_RESOURCE_ATTRIBUTES', `has a badly percent-encoded pair "${pair}"`, {
        cause: error,
      });
    }
  }
  return attributes;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
