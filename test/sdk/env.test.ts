import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { DEFAULT_SDK_OPTIONS, resolveConfig } from '../../src/sdk/config.js';
import { createReaders } from '../../src/sdk/readers.js';
import { buildResource } from '../../src/sdk/resource.js';

type Env = Record<string, string>;

function errorOf(input: unknown, env: Env): ConfigError {
  try {
    resolveConfig(input, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };

describe('OTEL_SDK_DISABLED', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    [' True ', true],
    ['false', false],
    ['1', false], // the specification: only "true" disables
    ['', false],
  ])('%j → disabled %s', (value, disabled) => {
    expect(resolveConfig({}, { OTEL_SDK_DISABLED: value }).disabled).toBe(disabled);
  });

  it('creates no reader at all, so a NodeSDK handed the components neither serves nor pushes ours', () => {
    const readers = createReaders(resolveConfig({}, { OTEL_SDK_DISABLED: 'true', ...ENDPOINT }));
    expect(readers.all).toEqual([]);
    expect(readers.push).toEqual([]);
  });
});

describe('OTEL_METRICS_EXPORTER', () => {
  const on = (env: Env, options: Record<string, unknown> = {}) => {
    const config = resolveConfig(options, env);
    return {
      prometheus: config.prometheus !== false,
      otlp: config.otlp !== false,
      console: config.console !== false,
    };
  };

  it('unset: Prometheus on; OTLP only with an endpoint variable; no console', () => {
    expect(on({})).toEqual({ prometheus: true, otlp: false, console: false });
    expect(on(ENDPOINT)).toEqual({ prometheus: true, otlp: true, console: false });
  });

  it('none: nothing serves, nothing pushes, even with an endpoint set', () => {
    expect(on({ OTEL_METRICS_EXPORTER: 'none', ...ENDPOINT })).toEqual({
      prometheus: false,
      otlp: false,
      console: false,
    });
  });

  it('prometheus: no OTLP push although an endpoint is set', () => {
    expect(on({ OTEL_METRICS_EXPORTER: 'prometheus', ...ENDPOINT })).toEqual({
      prometheus: true,
      otlp: false,
      console: false,
    });
  });

  it('otlp alone: pushes to the default http://localhost:4318/v1/metrics, serves nothing', () => {
    const config = resolveConfig({}, { OTEL_METRICS_EXPORTER: 'otlp' });
    expect(config.prometheus).toBe(false);
    expect(config.otlp).toMatchObject({ url: 'http://localhost:4318/v1/metrics', protocol: 'http/protobuf' });
  });

  it('a comma list, with spaces and any case; console exports at OTEL_METRIC_EXPORT_INTERVAL', () => {
    expect(on({ OTEL_METRICS_EXPORTER: ' Prometheus , otlp,console' })).toEqual({
      prometheus: true,
      otlp: true,
      console: true,
    });
    expect(
      resolveConfig({}, { OTEL_METRICS_EXPORTER: 'console', OTEL_METRIC_EXPORT_INTERVAL: '2500' }).console,
    ).toEqual({ intervalMillis: 2500 });
  });

  it('explicit options still win over it', () => {
    expect(on({ OTEL_METRICS_EXPORTER: 'none' }, { prometheus: { port: 0 } }).prometheus).toBe(true);
    expect(
      on({ OTEL_METRICS_EXPORTER: 'none' }, { otlp: { url: 'http://127.0.0.1:1/v1/metrics' } }).otlp,
    ).toBe(true);
    expect(on({ OTEL_METRICS_EXPORTER: 'otlp,prometheus' }, { otlp: false, prometheus: false })).toEqual({
      prometheus: false,
      otlp: false,
      console: false,
    });
  });

  it('names the variable for an unknown exporter, and for none combined with another', () => {
    const unknown = errorOf({}, { OTEL_METRICS_EXPORTER: 'prometheus,zipkin' });
    expect(unknown.field).toBe('OTEL_METRICS_EXPORTER');
    expect(unknown.message).toMatch(/got "zipkin"/);
    expect(errorOf({}, { OTEL_METRICS_EXPORTER: 'none,otlp' }).message).toMatch(
      /^OTEL_METRICS_EXPORTER cannot combine 'none'/,
    );
  });
});

describe('OTLP exporter variables', () => {
  const otlp = (env: Env, options: Record<string, unknown> = {}) => {
    const config = resolveConfig({ otlp: options }, env).otlp;
    if (!config) throw new Error('otlp off');
    return config;
  };

  it('protocol: http/protobuf by default; the METRICS_ variable wins over the general one; option over both', () => {
    expect(otlp({}).protocol).toBe('http/protobuf');
    expect(otlp({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).protocol).toBe('http/json');
    const both = {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
    };
    expect(otlp(both).protocol).toBe('http/protobuf');
    expect(otlp(both, { protocol: 'http/json' }).protocol).toBe('http/json');
  });

  it('grpc is refused with a ConfigError naming the variable that asked for it', () => {
    for (const name of ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL']) {
      const error = errorOf({ otlp: {} }, { [name]: 'grpc' });
      expect(error.field).toBe(name);
      expect(error.message).toMatch(/'grpc' is not supported.*'http\/protobuf'/);
    }
    expect(errorOf({ otlp: {} }, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http' }).message).toMatch(
      /^OTEL_EXPORTER_OTLP_PROTOCOL must be one of http\/protobuf, http\/json, got "http"/,
    );
  });

  it('are read only when OTLP is on: a grpc setting meant for traces does not fail a Prometheus-only app', () => {
    expect(resolveConfig({}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).otlp).toBe(false);
  });

  it('compression and request timeout: METRICS_ first, then general, then none / 10000', () => {
    expect(otlp({})).toMatchObject({ compression: 'none', requestTimeoutMillis: 10_000 });
    expect(
      otlp({
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
        OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '3000',
      }),
    ).toMatchObject({ compression: 'gzip', requestTimeoutMillis: 3000 });
    expect(
      otlp({ OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'none', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }),
    ).toMatchObject({
      compression: 'none',
    });
    expect(
      otlp({ OTEL_EXPORTER_OTLP_TIMEOUT: '2000' }, { requestTimeoutMillis: 500 }).requestTimeoutMillis,
    ).toBe(500);
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_COMPRESSION', 'brotli', /must be 'gzip' or 'none', got "brotli"/],
    ['OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', '-1', /positive number of milliseconds/],
    ['OTEL_EXPORTER_OTLP_TIMEOUT', 'soon', /positive number of milliseconds/],
    ['OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', 'sometimes', /cumulative, delta or lowmemory/],
  ])('names %s when it is invalid', (name, value, message) => {
    const error = errorOf({ otlp: {} }, { [name]: value });
    expect(error.field).toBe(name);
    expect(error.message).toMatch(message);
  });

  it('temporality preference: cumulative by default, from the variable (any case), option over it', () => {
    expect(otlp({}).temporalityPreference).toBe('cumulative');
    const env = { OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'Delta' };
    expect(otlp(env).temporalityPreference).toBe('delta');
    expect(otlp(env, { temporalityPreference: 'lowmemory' }).temporalityPreference).toBe('lowmemory');
  });
});

describe('resource precedence', () => {
  // npm sets npm_package_name when tests run through npm: stand in for package.json explicitly.
  const pkg = { npm_package_name: 'from-package', npm_package_version: '1.2.3' };
  const attrs = { OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,service.version=9.9.9,team=a%2Cb' };
  const name = (env: Env, options: Record<string, unknown> = {}) => resolveConfig(options, env).serviceName;

  it('service.name: option > OTEL_SERVICE_NAME > OTEL_RESOURCE_ATTRIBUTES > package.json', () => {
    const saved = { name: process.env.npm_package_name, version: process.env.npm_package_version };
    Object.assign(process.env, pkg); // readAppPackage reads these from process.env
    try {
      expect(name({})).toBe('from-package');
      expect(name(attrs)).toBe('from-attrs');
      expect(name({ ...attrs, OTEL_SERVICE_NAME: 'from-service-name' })).toBe('from-service-name');
      expect(name({ ...attrs, OTEL_SERVICE_NAME: 'x' }, { serviceName: 'explicit' })).toBe('explicit');
      expect(resolveConfig({}, attrs).serviceVersion).toBe('9.9.9');
      expect(resolveConfig({}, {}).serviceVersion).toBe('1.2.3');
    } finally {
      for (const [key, value] of Object.entries({
        npm_package_name: saved.name,
        npm_package_version: saved.version,
      })) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it('merges the default resource (telemetry.sdk.*), then OTEL_RESOURCE_ATTRIBUTES, then service.*', () => {
    const config = resolveConfig(
      { serviceName: 'explicit' },
      { OTEL_RESOURCE_ATTRIBUTES: `${attrs.OTEL_RESOURCE_ATTRIBUTES},host.name=pod-7` },
    );
    const attributes = buildResource(config).attributes;
    expect(attributes).toMatchObject({
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': 'nodejs',
      'service.name': 'explicit',
      'service.version': '9.9.9',
      team: 'a,b',
      'host.name': 'pod-7', // the user's value wins over the detected one
      'process.pid': process.pid,
    });
    expect(attributes['telemetry.sdk.version']).toMatch(/^3\./);
  });

  it('names OTEL_RESOURCE_ATTRIBUTES when a value is badly percent-encoded', () => {
    expect(errorOf({}, { OTEL_RESOURCE_ATTRIBUTES: 'team=%E0%A4%A' }).field).toBe('OTEL_RESOURCE_ATTRIBUTES');
  });
});

describe('shutdownTimeoutMillis', () => {
  it('defaults to 5000 and names the field when invalid', () => {
    expect(DEFAULT_SDK_OPTIONS.shutdownTimeoutMillis).toBe(5000);
    expect(resolveConfig({}, {}).shutdownTimeoutMillis).toBe(5000);
    expect(resolveConfig({ shutdownTimeoutMillis: 250 }, {}).shutdownTimeoutMillis).toBe(250);
    expect(errorOf({ shutdownTimeoutMillis: 0 }, {}).field).toBe('options.shutdownTimeoutMillis');
  });
});
