import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { DEFAULT_SDK_OPTIONS, resolveConfig } from '../../src/sdk/config.js';
import { PRESETS } from '../../src/sdk/presets.js';

const noEnv = {};

function errorOf(input: unknown, env: Record<string, string> = noEnv): ConfigError {
  try {
    resolveConfig(input, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig: invalid options name the field', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['options not an object', 42, 'options', /must be an object, got 42/],
    [
      'unknown top-level key',
      { promethus: {} },
      'options.promethus',
      /is not a known option \(did you mean 'prometheus'\?\)/,
    ],
    [
      'unknown preset',
      { preset: 'staging' },
      'options.preset',
      /must be one of 'production', 'development', got "staging"/,
    ],
    ['empty service name', { serviceName: ' ' }, 'options.serviceName', /non-empty string/],
    ['serviceVersion wrong type', { serviceVersion: 1 }, 'options.serviceVersion', /non-empty string, got 1/],
    ['port negative', { prometheus: { port: -1 } }, 'options.prometheus.port', /between 0 and 65535, got -1/],
    ['port too large', { prometheus: { port: 70000 } }, 'options.prometheus.port', /between 0 and 65535/],
    ['port not integer', { prometheus: { port: 80.5 } }, 'options.prometheus.port', /integer/],
    ['port as string', { prometheus: { port: '9464' } }, 'options.prometheus.port', /got "9464"/],
    [
      'prometheus not object',
      { prometheus: 'yes' },
      'options.prometheus',
      /must be false or an object, got "yes"/,
    ],
    [
      'unknown prometheus key',
      { prometheus: { path: '/m' } },
      'options.prometheus.path',
      /not a known option/,
    ],
    [
      'endpoint without slash',
      { prometheus: { endpoint: 'metrics' } },
      'options.prometheus.endpoint',
      /must start with '\/'/,
    ],
    ['empty token', { prometheus: { token: '' } }, 'options.prometheus.token', /non-empty string/],
    ['host wrong type', { prometheus: { host: 127 } }, 'options.prometheus.host', /non-empty string/],
    ['otlp non-http url', { otlp: { url: 'grpc://x' } }, 'options.otlp.url', /http\(s\) URL/],
    [
      'otlp negative interval',
      { otlp: { url: 'http://127.0.0.1:4318/v1/metrics', intervalMillis: -5 } },
      'options.otlp.intervalMillis',
      /positive number of milliseconds, got -5/,
    ],
    [
      'otlp zero timeout',
      { otlp: { url: 'http://127.0.0.1:4318', timeoutMillis: 0 } },
      'options.otlp.timeoutMillis',
      /positive/,
    ],
    [
      'otlp header not string',
      { otlp: { url: 'http://127.0.0.1:4318', headers: { k: 1 } } },
      'options.otlp.headers.k',
      /must be a string/,
    ],
    [
      'host interval negative',
      { hostMetrics: { intervalMillis: -1 } },
      'options.hostMetrics.intervalMillis',
      /positive/,
    ],
    [
      'host interval NaN',
      { hostMetrics: { intervalMillis: Number.NaN } },
      'options.hostMetrics.intervalMillis',
      /got NaN/,
    ],
    [
      'perCpu not boolean',
      { hostMetrics: { perCpu: 'yes' } },
      'options.hostMetrics.perCpu',
      /must be a boolean/,
    ],
    [
      'runtime precision zero',
      { runtimeMetrics: { monitoringPrecisionMillis: 0 } },
      'options.runtimeMetrics.monitoringPrecisionMillis',
      /must be a positive integer, got 0/,
    ],
    ['registerGlobal not boolean', { registerGlobal: 'no' }, 'options.registerGlobal', /boolean/],
    ['cardinality zero', { cardinalityLimit: 0 }, 'options.cardinalityLimit', /positive integer, got 0/],
    [
      'monitor interval infinite',
      { monitor: { intervalMillis: Number.POSITIVE_INFINITY } },
      'options.monitor.intervalMillis',
      /positive/,
    ],
    [
      'monitor verbose not boolean',
      { monitor: { verbose: 1 } },
      'options.monitor.verbose',
      /must be a boolean, got 1/,
    ],
    ['memory not object', { memory: 5 }, 'options.memory', /must be false or an object, got 5/],
    ['runtimeMetrics wrong type', { runtimeMetrics: 'on' }, 'options.runtimeMetrics', /boolean or an object/],
    [
      'hostMetrics typo',
      { hostMetrics: { percpu: true } },
      'options.hostMetrics.percpu',
      /did you mean 'perCpu'/,
    ],
    ['monitor typo', { monitor: { interval: 5 } }, 'options.monitor.interval', /is not a known option/],
    [
      'memory typo',
      { memory: { maxMemoryMB: 10 } },
      'options.memory.maxMemoryMB',
      /did you mean 'maxMemoryMb'/,
    ],
    ['memory bad value', { memory: { gcThreshold: 2 } }, 'options.memory.gcThreshold', /\(0, 1\], got 2/],
    [
      'memory cacheSizeMb over the preset budget',
      { preset: 'development', memory: { cacheSizeMb: 2048 } },
      'options.memory.cacheSizeMb',
      /must not exceed maxMemoryMb \(1024\), got 2048/,
    ],
    [
      'parallel typo',
      { parallel: { maxWorker: 2 } },
      'options.parallel.maxWorker',
      /did you mean 'maxWorkers'/,
    ],
    [
      'parallel minWorkers over the preset maxWorkers',
      { preset: 'development', parallel: { minWorkers: 5 } },
      'options.parallel.minWorkers',
      /must not exceed maxWorkers \(4\), got 5/,
    ],
    ['alerts typo', { alerts: { rulez: [] } }, 'options.alerts.rulez', /did you mean 'rules'/],
    [
      'alerts rule threshold',
      {
        alerts: {
          rules: [
            { name: 'A', metric: 'queue_size', threshold: 1 },
            { name: 'B', metric: 'queue_size', threshold: 2 },
            { name: 'C', metric: 'queue_size', threshold: '3' },
          ],
        },
      },
      'options.alerts.rules[2].threshold',
      /must be a finite number or \{ warning, critical, normal \}, got "3"/,
    ],
    [
      'alerts rule semantic check',
      { alerts: { rules: [{ name: 'A', metric: 'queue_size', threshold: 1, for: '5 minutes' }] } },
      'options.alerts.rules[0].for',
      /duration like '30s', got "5 minutes"/,
    ],
    ['parallel array', { parallel: [] }, 'options.parallel', /got an array/],
    ['dashboard string', { dashboard: 'yes' }, 'options.dashboard', /must be a boolean or an object/],
    [
      'dashboard path',
      { dashboard: { path: 'dash' } },
      'options.dashboard.path',
      /must be a path like '\/dashboard'/,
    ],
    [
      'dashboard under /api',
      { dashboard: { path: '/api/x' } },
      'options.dashboard.path',
      /must not be under \/api/,
    ],
    ['dashboard maxClients', { dashboard: { maxClients: 0 } }, 'options.dashboard.maxClients', /integer/],
    ['dashboard typo', { dashboard: { pth: '/d' } }, 'options.dashboard.pth', /did you mean 'path'/],
    [
      'dashboard without a server',
      { dashboard: true, prometheus: false },
      'options.dashboard',
      /needs the SDK server, but options.prometheus is false/,
    ],
    ['alerts null', { alerts: null }, 'options.alerts', /got null/],
  ];
  it.each(cases)('%s', (_label, input, field, message) => {
    const error = errorOf(input);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field} `)).toBe(true);
    expect(error.message.indexOf(field, 1)).toBe(-1); // no doubled prefix
    expect(error.message).toMatch(message);
    expect(error.name).toBe('ConfigError');
  });

  it('names the environment variable when OTEL_EXPORTER_PROMETHEUS_PORT is invalid', () => {
    const error = errorOf({}, { OTEL_EXPORTER_PROMETHEUS_PORT: 'abc' });
    expect(error.field).toBe('OTEL_EXPORTER_PROMETHEUS_PORT');
  });

  it('names OTEL_METRIC_EXPORT_INTERVAL when it is not a positive number', () => {
    const error = errorOf(
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_METRIC_EXPORT_INTERVAL: '-1' },
    );
    expect(error.field).toBe('OTEL_METRIC_EXPORT_INTERVAL');
  });
});

describe('resolveConfig: dashboard', () => {
  it('is on in the development preset, off in production, and quietly off without a server', () => {
    expect(resolveConfig({ preset: 'development' }, {}).dashboard).toEqual({
      path: '/dashboard',
      maxClients: 16,
    });
    expect(resolveConfig({}, {}).dashboard).toBe(false);
    expect(resolveConfig({ dashboard: { path: '/perf' } }, {}).dashboard).toEqual({
      path: '/perf',
      maxClients: 16,
    });
    expect(resolveConfig({ preset: 'development', prometheus: false }, {}).dashboard).toBe(false);
    expect(resolveConfig({ preset: 'development', dashboard: false }, {}).dashboard).toBe(false);
  });
});

describe('resolveConfig: presets, overrides and environment', () => {
  it('defaults to the production preset on 127.0.0.1:9464/metrics', () => {
    const config = resolveConfig({}, noEnv);
    expect(config.preset).toBe('production');
    expect(config.prometheus).toEqual({
      host: '127.0.0.1',
      port: 9464,
      endpoint: '/metrics',
      token: undefined,
      nativeHistograms: false,
      openHealthz: false,
      headersTimeoutMillis: 10_000,
      requestTimeoutMillis: 30_000,
      keepAliveTimeoutMillis: 5_000,
      maxConnections: 4096,
      maxHeaderSizeBytes: 8192,
    });
    expect(config.hostMetrics).toEqual({ intervalMillis: 10_000, perCpu: false });
    expect(config.memory).toEqual({ maxMemoryMb: 4096, gcThreshold: 0.75 });
    expect(config.parallel).toEqual({ maxWorkers: PRESETS.production.parallel.maxWorkers });
    expect(config.monitor).toEqual({ intervalMillis: 10_000, retentionDays: 30, verbose: false });
    expect(config.otlp).toBe(false);
    expect(config.cardinalityLimit).toBe(DEFAULT_SDK_OPTIONS.cardinalityLimit);
  });

  it('applies the development preset and merges user overrides over it', () => {
    const config = resolveConfig(
      { preset: 'development', memory: { maxMemoryMb: 256 }, hostMetrics: { perCpu: true } },
      noEnv,
    );
    expect(config.memory).toEqual({ maxMemoryMb: 256, gcThreshold: 0.8 });
    expect(config.parallel).toEqual({ maxWorkers: 4 });
    expect(config.hostMetrics).toEqual({ intervalMillis: 5000, perCpu: true });
    expect(config.monitor.verbose).toBe(true);
    expect(resolveConfig({ preset: 'development', monitor: { verbose: false } }, noEnv).monitor.verbose).toBe(
      false,
    );
  });

  it('honours OTEL_SERVICE_NAME, OTEL_EXPORTER_PROMETHEUS_HOST/PORT; explicit options win', () => {
    const env = {
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_EXPORTER_PROMETHEUS_HOST: '::1',
      OTEL_EXPORTER_PROMETHEUS_PORT: '9999',
    };
    const fromEnv = resolveConfig({}, env);
    expect(fromEnv.serviceName).toBe('from-env');
    expect(fromEnv.prometheus).toMatchObject({ host: '::1', port: 9999 });
    const explicit = resolveConfig({ serviceName: 'explicit', prometheus: { port: 1234 } }, env);
    expect(explicit.serviceName).toBe('explicit');
    expect(explicit.prometheus).toMatchObject({ host: '::1', port: 1234 });
  });

  it('turns OTLP on from OTEL_EXPORTER_OTLP_ENDPOINT, with headers from OTEL_EXPORTER_OTLP_METRICS_HEADERS', () => {
    const config = resolveConfig(
      {},
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/',
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'api-key=a%20b, x=1',
        OTEL_METRIC_EXPORT_INTERVAL: '15000',
      },
    );
    expect(config.otlp).toEqual({
      url: 'http://127.0.0.1:4318/v1/metrics',
      intervalMillis: 15_000,
      timeoutMillis: 30_000,
      headers: { 'api-key': 'a b', x: '1' },
      protocol: 'http/protobuf',
      compression: 'none',
      requestTimeoutMillis: 10_000,
      temporalityPreference: 'cumulative',
      histogramAggregation: 'explicit',
    });
    expect(
      resolveConfig({ otlp: false }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).otlp,
    ).toBe(false);
    expect(
      resolveConfig({}, { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:4318/custom' }).otlp,
    ).toMatchObject({ url: 'http://127.0.0.1:4318/custom' });
  });

  it('switches components off with false', () => {
    const config = resolveConfig(
      {
        prometheus: false,
        hostMetrics: false,
        runtimeMetrics: false,
        memory: false,
        parallel: false,
        alerts: false,
      },
      noEnv,
    );
    expect([
      config.prometheus,
      config.hostMetrics,
      config.runtimeMetrics,
      config.memory,
      config.parallel,
      config.alerts,
    ]).toEqual([false, false, false, false, false, false]);
  });

  it('freezes the preset table', () => {
    expect(Object.isFrozen(PRESETS.production.memory)).toBe(true);
    expect(PRESETS.production.memory.maxMb).toBe(4096);
    expect(PRESETS.development.parallel.maxWorkers).toBe(4);
  });
});
