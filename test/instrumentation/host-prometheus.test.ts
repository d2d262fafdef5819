import { spawnSync } from 'node:child_process';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { type HostMetricsHandle, hostMetricViews, startHostMetrics } from '../../src/instrumentation/host.js';
import { requireBinary } from '../helpers/binaries.js';

/** The Prometheus names in the README's metric table (exporter-prometheus 0.223: `.`→`_`, counters `_total`, no unit suffix). */
const EXPECTED: (readonly [string, 'gauge' | 'counter'])[] = [
  ['system_cpu_utilization', 'gauge'],
  ['system_cpu_time_total', 'counter'],
  ['system_cpu_load_average_1m', 'gauge'],
  ['system_cpu_load_average_5m', 'gauge'],
  ['system_cpu_load_average_15m', 'gauge'],
  ['system_memory_usage', 'gauge'],
  ['system_memory_utilization', 'gauge'],
  ['system_memory_limit', 'gauge'],
  ['system_memory_linux_available', 'gauge'],
  ['system_paging_usage', 'gauge'],
  ['system_network_io_total', 'counter'],
  ['system_network_errors_total', 'counter'],
  ['system_network_packet_dropped_total', 'counter'],
  ['process_cpu_time_total', 'counter'],
  ['process_cpu_utilization', 'gauge'],
  ['process_memory_usage', 'gauge'],
  ...(process.platform === 'linux'
    ? ([
        ['system_disk_io_total', 'counter'],
        ['system_disk_operations_total', 'counter'],
      ] as const)
    : []),
];

const promtool = requireBinary('promtool', 'prometheus');
const handles: HostMetricsHandle[] = [];
afterEach(() => {
  for (const h of handles.splice(0)) h.shutdown();
});

async function exposition(perCpu: boolean): Promise<string> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter], views: hostMetricViews({ perCpu }) });
  handles.push(startHostMetrics({ meterProvider, intervalMillis: 100, perCpu }));
  const { resourceMetrics, errors } = await exporter.collect();
  expect(errors).toEqual([]);
  return new PrometheusSerializer().serialize(resourceMetrics);
}

describe('host metrics in the Prometheus exposition', () => {
  for (const perCpu of [false, true]) {
    it(`has every name with its type and one HELP per name (perCpu: ${perCpu})`, async () => {
      const body = await exposition(perCpu);
      for (const [name, type] of EXPECTED) {
        expect(body, name).toContain(`# TYPE ${name} ${type}\n`);
        expect(body.split('\n').filter((l) => l.startsWith(`# HELP ${name} `)).length, name).toBe(1);
      }
      const util = body.split('\n').filter((l) => l.startsWith('system_cpu_utilization{'));
      expect(util.some((l) => l.includes('cpu_logical_number='))).toBe(perCpu);
    });

    it.skipIf(promtool.skip)(`passes promtool check metrics (perCpu: ${perCpu})`, async () => {
      const body = await exposition(perCpu);
      const r = spawnSync(promtool.path as string, ['check', 'metrics'], { input: body, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
      expect(r.status).toBe(0);
    });
  }
});
