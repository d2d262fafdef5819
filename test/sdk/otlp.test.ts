import { afterEach, describe, expect, it, vi } from 'vitest';
import { startPerformanceSdk } from '../../src/sdk/start.js';
import {
  CUMULATIVE,
  DELTA,
  type OtlpReceiver,
  type ReceivedExport,
  startOtlpReceiver,
} from '../helpers/otlp-receiver.js';

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await receiver?.close();
  receiver = undefined;
});

/** Only what OTLP needs: the exports stay small and the tests quick. */
const quiet = { prometheus: false, hostMetrics: false, runtimeMetrics: false, alerts: false } as const;

async function exportOnce(otlp: Record<string, unknown>, serviceName = 'otlp-test'): Promise<ReceivedExport> {
  receiver = await startOtlpReceiver();
  const perf = await startPerformanceSdk({
    ...quiet,
    serviceName,
    otlp: { url: receiver.url, intervalMillis: 600_000, ...otlp },
  });
  await perf.trackTask('pushed_task', async () => {});
  expect(receiver.received).toHaveLength(0); // the interval is 10 minutes: only shutdown can send
  await perf.shutdown();
  expect(receiver.received).toHaveLength(1);
  return receiver.received[0] as ReceivedExport;
}

function metric(received: ReceivedExport, name: string) {
  const found = received.metrics.find((m) => m.name === name);
  if (!found) throw new Error(`${name} not in the export: ${received.metrics.map((m) => m.name).join(', ')}`);
  return found;
}

describe('OTLP push', () => {
  it('sends http/protobuf by default, decodable with the OTLP schema, with the full resource', async () => {
    const received = await exportOnce({ headers: { 'x-api-key': 'k1' } });
    expect(received.path).toBe('/v1/metrics');
    expect(received.headers['content-type']).toBe('application/x-protobuf');
    expect(received.headers['x-api-key']).toBe('k1');
    expect(received.encoding).toBe('protobuf');
    expect(received.resource).toMatchObject({
      'service.name': 'otlp-test',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.language': 'nodejs',
    });
    expect(received.resource['telemetry.sdk.version']).toMatch(/^3\./);
    expect(received.resource['service.instance.id']).toMatch(/^[0-9a-f-]{36}$/);
    const duration = metric(received, 'aiva.task.duration');
    expect(duration).toMatchObject({ kind: 'histogram', unit: 's', temporality: CUMULATIVE });
  });

  it('sends OTLP/JSON with protocol http/json, same resource and temporality', async () => {
    const received = await exportOnce({ protocol: 'http/json' });
    expect(received.headers['content-type']).toBe('application/json');
    expect(received.encoding).toBe('json');
    expect(received.resource).toMatchObject({
      'service.name': 'otlp-test',
      'telemetry.sdk.language': 'nodejs',
    });
    expect(metric(received, 'aiva.task.duration')).toMatchObject({
      kind: 'histogram',
      temporality: CUMULATIVE,
    });
  });

  it('exports delta temporality when asked (temporalityPreference: delta)', async () => {
    const received = await exportOnce({ temporalityPreference: 'delta' });
    expect(metric(received, 'aiva.task.duration').temporality).toBe(DELTA);
    // Up-down counters stay cumulative under 'delta', as the exporter's selector specifies.
    expect(metric(received, 'aiva.task.active')).toMatchObject({ kind: 'sum', temporality: CUMULATIVE });
  });

  it('gzips the body with compression: gzip', async () => {
    const received = await exportOnce({ compression: 'gzip' });
    expect(received.headers['content-encoding']).toBe('gzip');
    expect(metric(received, 'aiva.task.duration').kind).toBe('histogram');
  });

  it('exports exponential histograms with histogramAggregation: exponential (protobuf and JSON)', async () => {
    const proto = await exportOnce({ histogramAggregation: 'exponential' });
    expect(metric(proto, 'aiva.task.duration')).toMatchObject({ kind: 'exponentialHistogram', unit: 's' });
    await receiver?.close();
    const json = await exportOnce({ histogramAggregation: 'exponential', protocol: 'http/json' });
    expect(metric(json, 'aiva.task.duration').kind).toBe('exponentialHistogram');
    // Sums are unaffected.
    expect(metric(json, 'aiva.task.active').kind).toBe('sum');
  });

  it('pushes periodically at intervalMillis', async () => {
    receiver = await startOtlpReceiver();
    const perf = await startPerformanceSdk({ ...quiet, otlp: { url: receiver.url, intervalMillis: 100 } });
    try {
      await receiver.waitFor(2);
      expect(receiver.received.length).toBeGreaterThanOrEqual(2);
    } finally {
      await perf.shutdown();
    }
  });
});

describe('OTLP from the environment alone', () => {
  it('OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION=base2_exponential_bucket_histogram', async () => {
    vi.stubEnv(
      'OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION',
      'base2_exponential_bucket_histogram',
    );
    const received = await exportOnce({});
    expect(metric(received, 'aiva.task.duration').kind).toBe('exponentialHistogram');
  });

  it('rejects an unknown OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION, naming it', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION', 'summary');
    await expect(
      startPerformanceSdk({ ...quiet, otlp: { url: 'http://127.0.0.1:1/v1/metrics' } }),
    ).rejects.toThrow(
      /^OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION must be explicit_bucket_histogram/,
    );
  });

  it('OTEL_METRICS_EXPORTER=otlp + OTEL_EXPORTER_OTLP_ENDPOINT + _PROTOCOL=http/json: pushes JSON, serves nothing', async () => {
    receiver = await startOtlpReceiver();
    vi.stubEnv('OTEL_METRICS_EXPORTER', 'otlp');
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.endpoint);
    vi.stubEnv('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'http/json');
    vi.stubEnv('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/protobuf'); // the signal-specific one wins
    vi.stubEnv('OTEL_RESOURCE_ATTRIBUTES', 'service.name=from-attrs,deployment.environment.name=test');
    const perf = await startPerformanceSdk({ hostMetrics: false, runtimeMetrics: false, alerts: false });
    expect(perf.url).toBeUndefined();
    await perf.shutdown();
    const received = receiver.received.at(-1) as ReceivedExport;
    expect(received.encoding).toBe('json');
    expect(received.resource).toMatchObject({
      'service.name': 'from-attrs',
      'deployment.environment.name': 'test',
      'telemetry.sdk.name': 'opentelemetry',
    });
  });

  it('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta and _COMPRESSION=gzip reach the exporter', async () => {
    receiver = await startOtlpReceiver();
    vi.stubEnv('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', receiver.url);
    vi.stubEnv('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', 'delta');
    vi.stubEnv('OTEL_EXPORTER_OTLP_COMPRESSION', 'gzip');
    const perf = await startPerformanceSdk(quiet);
    await perf.trackTask('env_task', async () => {});
    await perf.shutdown();
    const received = receiver.received.at(-1) as ReceivedExport;
    expect(received.headers['content-encoding']).toBe('gzip');
    expect(metric(received, 'aiva.task.duration').temporality).toBe(DELTA);
  });
});
