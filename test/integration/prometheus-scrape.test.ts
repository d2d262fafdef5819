import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC, promName } from '../../src/core/metric-names.js';
import { type PerformanceSdk, startPerformanceSdk } from '../../src/sdk/start.js';
import { requireBinary } from '../helpers/binaries.js';
import { HOST_METRICS } from '../helpers/expected-metrics.js';
import { type RunningPrometheus, startPrometheus } from '../helpers/prometheus.js';

const prometheusBinary = requireBinary('prometheus', 'prometheus');

describe.skipIf(prometheusBinary.skip)('a real Prometheus scrapes the SDK', () => {
  let sdk: PerformanceSdk;
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    sdk = await startPerformanceSdk({
      serviceName: 'scrape-test',
      prometheus: { port: 0 },
      hostMetrics: { intervalMillis: 1000 },
    });
    await sdk.trackTask('scraped_task', async () => {});
    // Application metrics whose names end with their unit: OpenMetrics can declare those units.
    sdk.meter.createHistogram('app.request.duration_seconds', { unit: 's' }).record(0.2, { route: '/' });
    sdk.meter.createCounter('app.requests').add(3);
    sdk.meter.createObservableGauge('app.payload_bytes', { unit: 'By' }).addCallback((r) => r.observe(512));
    prometheus = await startPrometheus(prometheusBinary.path as string, [new URL(sdk.url as string).host]);
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await sdk?.shutdown();
  });

  it('finds up == 1 for the SDK target', async () => {
    const result = await prometheus.waitFor('up{job="aiva"}', (r) => r[0]?.value[1] === '1');
    expect(result).toHaveLength(1);
  });

  it('finds every host metric through the HTTP API', async () => {
    for (const name of HOST_METRICS) {
      const result = await prometheus.waitFor(name, (r) => r.length > 0);
      expect(result.length, name).toBeGreaterThan(0);
    }
  });

  it('computes CPU busy % and memory % in PromQL within their ranges', async () => {
    const [cpu] = await prometheus.waitFor(
      '100 * (1 - avg(system_cpu_utilization{cpu_mode="idle"}))',
      (r) => r.length === 1,
    );
    const cpuPercent = Number(cpu?.value[1]);
    expect(cpuPercent).toBeGreaterThanOrEqual(0);
    expect(cpuPercent).toBeLessThanOrEqual(100);
    const [memory] = await prometheus.waitFor(
      '100 * (1 - system_memory_linux_available / system_memory_limit)',
      (r) => r.length === 1,
    );
    expect(Number(memory?.value[1])).toBeGreaterThan(0);
    expect(Number(memory?.value[1])).toBeLessThan(100);
  });

  it('sees the task histogram series with the service label from target_info', async () => {
    const result = await prometheus.waitFor(
      'aiva_task_duration_count{aiva_task_name="scraped_task"}',
      (r) => r.length > 0,
    );
    expect(result[0]?.metric.aiva_task_outcome).toBe('ok');
    const info = await prometheus.waitFor('target_info', (r) => r.length > 0);
    expect(info[0]?.metric.service_name).toBe('scrape-test');
  });

  it('negotiates OpenMetrics: units of unit-suffixed names and OpenMetrics counter families reach /api/v1/metadata', async () => {
    type Metadata = Record<string, { type: string; unit: string; help: string }[]>;
    const metadata = async (): Promise<Metadata> =>
      ((await (await fetch(`${prometheus.url}/api/v1/metadata`)).json()) as { data: Metadata }).data;
    let data: Metadata = {};
    for (let attempt = 0; attempt < 120 && !data.app_request_duration_seconds; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      data = await metadata();
    }
    expect(data.app_request_duration_seconds?.[0]).toMatchObject({ type: 'histogram', unit: 'seconds' });
    expect(data.app_payload_bytes?.[0]).toMatchObject({ type: 'gauge', unit: 'bytes' });
    // 0.0.4 would have given `app_requests_total` as a counter family; OpenMetrics names it without _total.
    expect(data.app_requests?.[0]?.type).toBe('counter');
    expect(data.app_requests_total).toBeUndefined();
    expect(data.target?.[0]?.type).toBe('info');
    // Our own names carry no unit suffix, so no unit is declared for them.
    expect(data[promName(METRIC.taskDuration)]?.[0]).toMatchObject({ type: 'histogram', unit: '' });
  });
});
