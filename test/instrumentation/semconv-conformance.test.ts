import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { metrics } from '@opentelemetry/api';
import { type CollectionResult, DataPointType, MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attachPerformanceSdk,
  createPerformanceMetricsComponents,
  type PerformanceSdk,
} from '../../src/index.js';

/**
 * Every instrument the SDK emits, checked against @opentelemetry/semantic-conventions (stable and
 * incubating): names and attribute keys must be current (not @deprecated) convention constants, or in
 * the commented allow-lists below; units must be the conventions'.
 */
type Constants = Map<string, { deprecated: boolean }>;

/** `declare const METRIC_X: "value";` with whether the JSDoc right above it says @deprecated. */
function conventionConstants(prefix: 'METRIC' | 'ATTR'): Constants {
  const dir = dirname(createRequire(import.meta.url).resolve('@opentelemetry/semantic-conventions'));
  const out: Constants = new Map();
  for (const file of [
    'stable_metrics',
    'experimental_metrics',
    'stable_attributes',
    'experimental_attributes',
  ]) {
    const text = readFileSync(join(dir, `${file}.d.mts`), 'utf8');
    const pattern = new RegExp(
      `/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*declare const ${prefix}_\\w+: "([^"]+)";`,
      'g',
    );
    for (const m of text.matchAll(pattern)) {
      const deprecated = /@deprecated/.test(m[1] as string);
      const value = m[2] as string;
      // A value is current if any constant naming it is not deprecated.
      out.set(value, { deprecated: (out.get(value)?.deprecated ?? true) && deprecated });
    }
  }
  return out;
}

/** Our own instruments: namespaced `aiva.*` (task, memory manager, pool, alert and host CPU count). */
const OWN_METRIC = /^aiva\./;
/** No convention exists for the load average; the name says what it is, in the `system.cpu` namespace. */
const NON_CONVENTION_METRICS = new Set([
  'system.cpu.load_average.1m',
  'system.cpu.load_average.5m',
  'system.cpu.load_average.15m',
]);
/** Our attributes: namespaced `aiva.*`, and the Prometheus-style labels of the memory manager and alerts
 * (`pool`, `kind`, `outcome`; `alertname`, `severity`, `alertstate`, `notifier`, like Prometheus' ALERTS). */
const OWN_ATTRIBUTE = /^aiva\./;
const LABEL_STYLE_ATTRIBUTES = new Set([
  'pool',
  'kind',
  'outcome',
  'alertname',
  'severity',
  'alertstate',
  'notifier',
]);

/** Units and kinds the conventions give the convention instruments we emit. */
const CONVENTION_UNITS: Record<string, string> = {
  'system.cpu.time': 's',
  'system.cpu.utilization': '1',
  'system.memory.usage': 'By',
  'system.memory.utilization': '1',
  'system.memory.limit': 'By',
  'system.memory.linux.available': 'By',
  'system.paging.usage': 'By',
  'system.disk.io': 'By',
  'system.disk.operations': '{operation}',
  'system.network.io': 'By',
  'system.network.errors': '{error}',
  'system.network.packet.dropped': '{packet}',
  'process.cpu.time': 's',
  'process.cpu.utilization': '1',
  'process.memory.usage': 'By',
  'v8js.gc.duration': 's',
  'v8js.memory.heap.used': 'By',
  'v8js.memory.heap.limit': 'By',
  'v8js.memory.heap.space.available_size': 'By',
  'v8js.memory.heap.space.physical_size': 'By',
  'v8js.memory.heap.space.size': 'By',
  'nodejs.eventloop.delay.min': 's',
  'nodejs.eventloop.delay.max': 's',
  'nodejs.eventloop.delay.mean': 's',
  'nodejs.eventloop.delay.stddev': 's',
  'nodejs.eventloop.delay.p50': 's',
  'nodejs.eventloop.delay.p90': 's',
  'nodejs.eventloop.delay.p99': 's',
  'nodejs.eventloop.utilization': '1',
  'nodejs.eventloop.time': 's',
};
const UP_DOWN = [
  'system.memory.usage',
  'process.memory.usage',
  'v8js.memory.heap.used',
  'system.paging.usage',
];

describe('semantic conventions', () => {
  let perf: PerformanceSdk;
  let provider: MeterProvider;
  let collection: CollectionResult;
  const metricConstants = conventionConstants('METRIC');
  const attributeConstants = conventionConstants('ATTR');

  beforeAll(async () => {
    const components = createPerformanceMetricsComponents({
      serviceName: 'semconv-check',
      prometheus: false,
      hostMetrics: { intervalMillis: 50 },
      alerts: { intervals: { critical: 50, warning: 50, normal: 50 } },
    });
    provider = new MeterProvider({ readers: components.metricReaders, views: components.views });
    metrics.setGlobalMeterProvider(provider);
    perf = await attachPerformanceSdk(components);
    await perf.trackTask('semconv', async () => {});
    perf.memory?.allocate({ bytes: 4096, label: 'semconv', kind: 'scratch' }).release();
    await new Promise((resolve) => setTimeout(resolve, 200)); // one alert round and a GC-free event-loop sample
    collection = await (components.metricReaders[0] as { collect(): Promise<CollectionResult> }).collect();
  }, 30_000);

  afterAll(async () => {
    await perf?.shutdown();
    await provider?.shutdown();
    metrics.disable();
  });

  const instruments = () => collection.resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);

  it('finds the convention constants (the parser still matches the package)', () => {
    expect(metricConstants.get('system.cpu.time')).toEqual({ deprecated: false });
    expect(metricConstants.get('system.network.dropped')).toEqual({ deprecated: true });
    expect(attributeConstants.get('system.cpu.state')).toEqual({ deprecated: true });
    expect(attributeConstants.get('cpu.mode')).toEqual({ deprecated: false });
  });

  it('emits only current convention names, or allow-listed own names', () => {
    const names = instruments().map((m) => m.descriptor.name);
    expect(names.length).toBeGreaterThan(30);
    const wrong = names.filter((name) => {
      if (OWN_METRIC.test(name) || NON_CONVENTION_METRICS.has(name)) return false;
      const known = metricConstants.get(name);
      return !known || known.deprecated;
    });
    expect(wrong).toEqual([]);
  });

  it('uses only current convention attribute keys, or allow-listed own keys', () => {
    const keys = new Set<string>();
    for (const m of instruments())
      for (const p of m.dataPoints) for (const k of Object.keys(p.attributes)) keys.add(k);
    expect(keys.has('cpu.mode')).toBe(true);
    const wrong = [...keys].filter((key) => {
      if (OWN_ATTRIBUTE.test(key) || LABEL_STYLE_ATTRIBUTES.has(key)) return false;
      const known = attributeConstants.get(key);
      return !known || known.deprecated;
    });
    expect(wrong).toEqual([]);
  });

  it('sets the conventions’ unit on every convention instrument, and a unit on every own one', () => {
    const wrong: string[] = [];
    for (const m of instruments()) {
      const { name, unit } = m.descriptor;
      const expected = CONVENTION_UNITS[name];
      if (expected !== undefined ? unit !== expected : unit === '') wrong.push(`${name}: '${unit}'`);
    }
    expect(wrong).toEqual([]);
  });

  it('makes usage metrics UpDownCounters, as the conventions do', () => {
    for (const name of UP_DOWN) {
      const m = instruments().find((x) => x.descriptor.name === name);
      // An UpDownCounter exports as a non-monotonic sum (a gauge would be DataPointType.GAUGE).
      expect(m?.dataPointType, name).toBe(DataPointType.SUM);
      expect(m?.dataPointType === DataPointType.SUM && m.isMonotonic, name).toBe(false);
    }
  });
});
