import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PerformanceSdk, startPerformanceSdk } from '../../src/sdk/start.js';
import {
  ALL_FOUNDATION_METRICS,
  metricNames,
  provokeGarbageCollection,
} from '../helpers/expected-metrics.js';

let sdk: PerformanceSdk;
let unregister: () => void;

async function scrape(): Promise<string> {
  const response = await fetch(`${sdk.url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

beforeAll(async () => {
  sdk = await startPerformanceSdk({
    serviceName: 'endpoint-test',
    prometheus: { port: 0 },
    hostMetrics: { intervalMillis: 200 },
  });
  unregister = sdk.registerQueue('endpoint_jobs', () => 7);
  await sdk.trackTask('endpoint_task', async () => {});
  await provokeGarbageCollection(async () => (await scrape()).includes('v8js_gc_duration_bucket'));
});

afterAll(async () => {
  unregister();
  await sdk.shutdown();
});

describe('GET /metrics', () => {
  it('has every host, runtime and task metric', async () => {
    // The event-loop delay gauges appear once the runtime histogram has 5 samples (≥ 50 ms after start).
    let missing: string[] = [...ALL_FOUNDATION_METRICS];
    for (let attempt = 0; attempt < 50 && missing.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const names = metricNames(await scrape());
      missing = ALL_FOUNDATION_METRICS.filter((name) => !names.has(name));
    }
    expect(missing).toEqual([]);
  });

  it('has the queue size and task series with their attributes', async () => {
    const body = await scrape();
    expect(body).toMatch(
      /^aiva_task_queue_size\{aiva_queue_name="endpoint_jobs",otel_scope_name="aiva-performance\/tasks"\} 7$/m,
    );
    expect(body).toMatch(
      /^aiva_task_duration_bucket\{aiva_task_name="endpoint_task",aiva_task_outcome="ok",.*le="2"\} 1$/m,
    );
  });

  it('emits one machine-wide utilization series per CPU state by default (no per-CPU series)', async () => {
    const lines = (await scrape()).split('\n').filter((line) => line.startsWith('system_cpu_utilization{'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((line) => line.includes('cpu_logical_number'))).toBe(false);
    expect(lines.some((line) => line.includes('cpu_mode="idle"'))).toBe(true);
  });

  it('writes each HELP line once (one meter per metric name)', async () => {
    const help = (await scrape()).split('\n').filter((line) => line.startsWith('# HELP '));
    const names = help.map((line) => line.split(' ')[2]);
    expect(new Set(names).size).toBe(names.length);
  });
});
