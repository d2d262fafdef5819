import { readFileSync } from 'node:fs';
import type { CollectionResult } from '@opentelemetry/sdk-metrics';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../src/alerts/engine.js';
import {
  DERIVED_METRICS,
  type DerivedMetricName,
  type DeriveInput,
  isDerivedMetric,
} from '../../src/core/derived-metrics.js';
import { ATTR, METRIC } from '../../src/core/metric-names.js';
import { flattenMetrics, samplesOf } from '../../src/core/query.js';
import { startHostMetrics } from '../../src/instrumentation/host.js';
import { startRuntimeMetrics } from '../../src/instrumentation/runtime.js';
import { registerQueue, TaskRecorder } from '../../src/instrumentation/tasks.js';
import { InProcessMetricReader } from '../../src/sdk/in-process-reader.js';
import { PerformanceMonitor } from '../../src/sdk/monitor.js';

const NAMES = Object.keys(DERIVED_METRICS) as DerivedMetricName[];
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup() {
  const reader = new InProcessMetricReader({ cardinalityLimit: 1000 });
  const provider = new MeterProvider({ readers: [reader] });
  cleanups.push(() => provider.shutdown());
  return { reader, provider, meter: provider.getMeter('test') };
}

const derive = async (reader: InProcessMetricReader, metric: DerivedMetricName) =>
  DERIVED_METRICS[metric].compute({
    snapshot: flattenMetrics(await reader.collect()),
    baseline: () => undefined,
  });

describe('the derived-metric table', () => {
  it('monitor and alert engine read the same value for every friendly metric from the same snapshots', async () => {
    const { reader, provider } = setup();
    const host = startHostMetrics({ meterProvider: provider, intervalMillis: 1 });
    const runtime = startRuntimeMetrics(provider, {
      monitoringPrecisionMillis: 10,
      readingIntervalMillis: 1,
    });
    const tasks = new TaskRecorder(provider);
    let backlog = 40;
    const unregister = registerQueue('derived-table-jobs', () => backlog);
    cleanups.push(host.shutdown, runtime.shutdown, unregister);

    // Both read a fixed collection, so they see exactly the same snapshot.
    let current: CollectionResult = await reader.collect();
    const source = { collect: async () => current };
    const monitor = new PerformanceMonitor({ reader: source, intervalMillis: 1000, retentionDays: 1 });
    const engine = new AlertEngine({
      source,
      meterProvider: provider,
      defaults: false,
      log: false,
      logger: { info() {}, warn() {}, error() {} },
      serviceName: 'derived',
      rules: NAMES.map((metric) => ({ name: `T_${metric}`, metric, threshold: 0, rangeMillis: 60_000 })),
    });
    cleanups.push(() => engine.shutdown());

    const read = async () => {
      const m = (await monitor.getCurrentMetrics()) as unknown as Record<string, number>;
      await engine.evaluate();
      const alerts = new Map(engine.list().map((a) => [a.name, a.value]));
      const fromMonitor = NAMES.map((n) => {
        const v = m[DERIVED_METRICS[n].field] as number;
        return [n, Number.isNaN(v) ? null : v];
      });
      return { fromMonitor, fromAlerts: NAMES.map((n) => [n, alerts.get(`T_${n}`)]) };
    };

    // Window 1 (since start): ten tasks, two failed. Window 2: ten slow tasks, five failed.
    for (let i = 0; i < 10; i++) tasks.startTimer('scan')(i < 2 ? 'error' : 'ok');
    current = await reader.collect();
    const first = await read();
    expect(first.fromAlerts).toEqual(first.fromMonitor);

    backlog = 1200;
    for (let i = 0; i < 10; i++) tasks.startTimer('scan')(i < 5 ? 'error' : 'ok');
    current = await reader.collect();
    const second = await read();
    expect(second.fromAlerts).toEqual(second.fromMonitor);

    const byName = Object.fromEntries(second.fromMonitor) as Record<DerivedMetricName, number | null>;
    // The agreement above must be over real values, not over two "no data"s.
    expect(byName.queue_size).toBe(1200);
    expect(byName.error_rate).toBe(0.5);
    for (const always of [
      'cpu_percent',
      'memory_percent',
      'memory_used_mb',
      'swap_percent',
      'load_average_1m',
      'process_rss_mb',
      'heap_used_mb',
      'active_tasks',
      'tasks_per_second',
      'response_time',
    ] as const) {
      expect(byName[always], always).toEqual(expect.any(Number));
    }
  });

  it('clamps CPU % to 0..100', async () => {
    const { reader, meter } = setup();
    let idle = -0.5;
    meter
      .createObservableGauge(METRIC.cpuUtilization)
      .addCallback((r) => r.observe(idle, { [ATTR.cpuMode]: 'idle' }));
    expect(await derive(reader, 'cpu_percent')).toBe(100);
    idle = 1.5;
    expect(await derive(reader, 'cpu_percent')).toBe(0);
  });

  it('absent series are no data (undefined); a registered empty queue is 0; 0 / 0 tasks is NaN', async () => {
    const { reader, provider } = setup();
    for (const name of NAMES) expect(await derive(reader, name), name).toBeUndefined();
    const tasks = new TaskRecorder(provider);
    const unregister = registerQueue('derived-empty', () => 0);
    cleanups.push(unregister);
    tasks.startTimer('t')('ok');
    const input: DeriveInput = {
      snapshot: flattenMetrics(await reader.collect()),
      baseline: () => undefined,
    };
    expect(DERIVED_METRICS.queue_size.compute(input)).toBe(0);
    expect(DERIVED_METRICS.error_rate.compute(input)).toBe(0);
    expect(DERIVED_METRICS.response_time.compute(input)).toBeGreaterThan(0);
    // the same window again: nothing finished in it, so no error rate and no p95 (NaN), but data
    const later: DeriveInput = {
      snapshot: input.snapshot,
      baseline: (s) => samplesOf(input.snapshot.select(s.name, s.where)),
    };
    expect(DERIVED_METRICS.error_rate.compute(later)).toBeNaN();
    expect(DERIVED_METRICS.response_time.compute(later)).toBeNaN();
    expect(DERIVED_METRICS.tasks_per_second.compute(later)).toBeUndefined();
  });

  it('writes PromQL with injected label matchers and a dashboard range', () => {
    const dashboard = { matchers: '{job=~"$job",instance=~"$instance"}', range: '$__rate_interval' };
    expect(DERIVED_METRICS.cpu_percent.promql(dashboard)).toBe(
      'clamp(100 * (1 - avg by (job, instance) (system_cpu_utilization{cpu_mode="idle",job=~"$job",instance=~"$instance"})), 0, 100)',
    );
    expect(DERIVED_METRICS.queue_size.promql(dashboard)).toBe(
      'sum by (job, instance) (aiva_task_queue_size{job=~"$job",instance=~"$instance"})',
    );
    expect(DERIVED_METRICS.response_time.promql(dashboard)).toBe(
      'histogram_quantile(0.95, sum by (job, instance, le) (rate(aiva_task_duration_bucket{job=~"$job",instance=~"$instance"}[$__rate_interval])))',
    );
    expect(DERIVED_METRICS.disk_read_bytes_per_sec.promql({ range: '1m' })).toBe(
      'sum by (job, instance) (rate(system_disk_io_total{disk_io_direction="read"}[1m]))',
    );
    expect(DERIVED_METRICS.memory_total_mb.promql()).toBe(
      'sum by (job, instance) (system_memory_limit) / 1048576',
    );
    expect(DERIVED_METRICS.process_cpu_percent.promql()).toBe(
      '100 * sum by (job, instance) (process_cpu_utilization)',
    );
  });

  it('is frozen, and every entry names a unit, a description and a distinct monitor field', () => {
    expect(Object.isFrozen(DERIVED_METRICS)).toBe(true);
    expect(Object.isFrozen(DERIVED_METRICS.cpu_percent)).toBe(true);
    const fields = NAMES.map((n) => DERIVED_METRICS[n].field);
    expect(new Set(fields).size).toBe(NAMES.length);
    for (const name of NAMES) {
      expect(DERIVED_METRICS[name].unit, name).not.toBe('');
      expect(DERIVED_METRICS[name].description, name).not.toBe('');
    }
    expect(isDerivedMetric('queue_size')).toBe(true);
    expect(isDerivedMetric('toString')).toBe(false);
  });

  it('is documented row by row in docs/derived-metrics.md, PromQL included', () => {
    const doc = readFileSync(new URL('../../docs/derived-metrics.md', import.meta.url), 'utf8');
    for (const name of NAMES) {
      const m = DERIVED_METRICS[name];
      expect(doc, name).toContain(`| \`${name}\` | \`${m.field}\` | ${m.unit} | ${m.description} |`);
      expect(doc, name).toContain(`\`${m.promql()}\``);
    }
  });
});
