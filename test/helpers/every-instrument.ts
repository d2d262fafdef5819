import { ValueType } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

/**
 * A collection with every instrument kind (counter, up-down counter, histogram, gauge and the three
 * observables), an exponential histogram, awkward names, units, descriptions and attribute values
 * (quotes, backslashes, newlines, non-strings), two meters sharing a name, a scope with version and
 * schema URL, and ±Infinity / NaN values — collected by exporter-prometheus' own reader.
 */
export async function collectEveryInstrument(): Promise<{
  resourceMetrics: ResourceMetrics;
  exporter: PrometheusExporter;
  provider: MeterProvider;
}> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': 'golden "svc"',
      'service.version': '1.2.3',
      'deployment.environment.name': 'line\nbreak \\ back',
    }),
    readers: [exporter],
    views: [
      { instrumentName: 'golden.exponential', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
    ],
  });
  const meter = provider.getMeter('golden-meter', '0.1.0', {
    schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
  });
  const other = provider.getMeter('golden-other');

  const counter = meter.createCounter('golden.requests', {
    description: 'Requests "served".',
    unit: '{request}',
  });
  counter.add(3, { 'http.method': 'GET', route: '/a"b\\c\nd' });
  counter.add(1.5, { 'http.method': 'POST', route: '/' });
  counter.add(2);
  other
    .createCounter('golden.requests', { description: 'Requests "served".', unit: '{request}' })
    .add(7, { from: 'other' });
  meter.createCounter('golden.already_total', { unit: '1' }).add(1, { 'weird-key.with.dots': true });
  meter.createCounter('golden.unused'); // no data point: the exporter's empty-metric rule
  const upDown = meter.createUpDownCounter('golden.in_flight', {
    description: 'In flight\\now.',
    unit: 'By',
  });
  upDown.add(5, { pool: 'a' });
  upDown.add(-8, { pool: 'b' });
  const histogram = meter.createHistogram('golden.duration', {
    description: 'Durations\nsecond line.',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.001, 0.5, 2, 5] },
  });
  for (const value of [0.0001, 0.3, 0.3, 1, 3, 7, 1e9]) histogram.record(value, { task: 'x', n: 1 });
  histogram.record(0.2, { task: 'y', list: ['a', 'b'] as unknown as string });
  meter
    .createHistogram('golden.default_buckets', { unit: 'ms', valueType: ValueType.INT })
    .record(12, { kind: 'int' });
  meter.createHistogram('golden.exponential', { unit: 's' }).record(0.25);
  meter.createHistogram('golden.latency_seconds', { unit: 's' }).record(0.5);
  const gauge = meter.createGauge('golden.temperature', { description: '', unit: 'Cel' });
  gauge.record(21.5, { room: 'ä ü – 🌡' });
  gauge.record(Number.POSITIVE_INFINITY, { room: 'inf' });
  gauge.record(Number.NEGATIVE_INFINITY, { room: '-inf' });
  gauge.record(Number.NaN, { room: 'nan' });
  gauge.record(1e-7, { room: 'tiny' });
  gauge.record(1.5e21, { room: 'huge' });
  meter
    .createObservableCounter('golden.cpu.time', { description: 'CPU time.', unit: 's' })
    .addCallback((result) => {
      result.observe(12.25, { 'cpu.mode': 'user' });
      result.observe(3, { 'cpu.mode': 'system' });
    });
  meter
    .createObservableUpDownCounter('golden.queue.depth', { unit: '{item}' })
    .addCallback((result) => result.observe(-2, { queue: 'q' }));
  meter
    .createObservableGauge('golden.ratio', { description: 'A ratio.', unit: '1' })
    .addCallback((result) => result.observe(0.25));
  meter
    .createObservableGauge('golden.memory_bytes', { unit: 'By' })
    .addCallback((result) => result.observe(1024));
  meter.createObservableGauge('golden.rate', { unit: 'By/s' }).addCallback((result) => result.observe(10));

  const { resourceMetrics, errors } = await exporter.collect();
  if (errors.length > 0) throw new Error(`collection errors: ${errors.join(', ')}`);
  return { resourceMetrics, exporter, provider };
}

/** Runs every piece of a format's writer into one string. */
export function writeAll(pieces: Iterable<string | Uint8Array>): string {
  let out = '';
  for (const piece of pieces) out += typeof piece === 'string' ? piece : Buffer.from(piece).toString('utf8');
  return out;
}
