import { getHeapStatistics } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_COALESCE_MILLIS } from '../../src/sdk/exposition/endpoint.js';
import { type PerformanceSdk, startPerformanceSdk } from '../../src/sdk/start.js';

// Issue 13: ten rounds of 2,000 new task names grew aiva_task_duration_count 2,000 → 19,991 series and
// the heap 20 → 134 MB; 3,000 queues of 10 read 20,000.

const LIMIT = 2000;
let sdk: PerformanceSdk;

async function scrape(): Promise<string> {
  // Scrapes within the coalescing window of the previous collection share its body (by design, for
  // bursts and HA pairs); each scrape here must see what was recorded since, so wait the window out.
  await new Promise((resolve) => setTimeout(resolve, DEFAULT_COALESCE_MILLIS + 5));
  const response = await fetch(`${sdk.url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** Series of one Prometheus family (lines starting `name{`). */
function series(body: string, name: string): string[] {
  return body.split('\n').filter((line) => line.startsWith(`${name}{`));
}

function sampleValue(line: string): number {
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

beforeAll(async () => {
  sdk = await startPerformanceSdk({
    serviceName: 'cardinality-test',
    prometheus: { port: 0 },
    hostMetrics: false,
    runtimeMetrics: false,
    alerts: false,
    memory: false,
    cardinalityLimit: LIMIT,
  });
});

afterAll(async () => {
  await sdk.shutdown();
});

describe('cardinality bounded by construction (issue 13)', () => {
  it('ten rounds of 2,000 new task names, each followed by a scrape: ≤ cardinalityLimit + 1 series per instrument, bounded heap', async () => {
    const perRound: number[] = [];
    const heap: number[] = [];
    let failures = 0;
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 2000; i++) {
        const name = `r${round}_task_${i}`;
        if (i % 10 === 0) {
          try {
            sdk.trackTask(name, () => {
              throw new Error('x');
            });
          } catch {
            failures++;
          }
        } else sdk.trackTask(name, () => i);
      }
      const body = await scrape();
      const counts = series(body, 'aiva_task_duration_count');
      const active = series(body, 'aiva_task_active');
      expect(counts.length).toBeLessThanOrEqual(LIMIT + 1);
      expect(active.length).toBeLessThanOrEqual(LIMIT + 1);
      perRound.push(counts.length);
      // Totals stay exact: every call is counted somewhere, the overflow series carrying the rest.
      const total = counts.reduce((n, line) => n + sampleValue(line), 0);
      expect(total).toBe((round + 1) * 2000);
      const errors = counts
        .filter((line) => line.includes('aiva_task_outcome="error"'))
        .reduce((n, line) => n + sampleValue(line), 0);
      expect(errors).toBe(failures);
      expect(body).toMatch(/^aiva_task_duration_count\{.*otel_metric_overflow="true".*\} \d+$/m);
      heap.push(getHeapStatistics().used_heap_size);
    }
    // The series set stops growing once the first names are in: rounds 2…10 export the same number.
    expect(new Set(perRound.slice(1)).size).toBe(1);
    // Unbounded, the heap grew by > 100 MB over these rounds; bounded, it stays within noise.
    expect(Math.max(...heap.slice(2)) - heap[1]!).toBeLessThan(40 * 2 ** 20);
  });

  it('stops exporting an unregistered queue (it used to read 0, or its old size, forever)', async () => {
    const unregister = sdk.registerQueue('short_lived', () => 4);
    expect(await scrape()).toMatch(/^aiva_task_queue_size\{aiva_queue_name="short_lived",.*\} 4$/m);
    unregister();
    expect(await scrape()).not.toContain('aiva_queue_name="short_lived"');
  });

  it('3,000 queues of 10 items read their true total of 30,000 (in /metrics and in queue_size)', async () => {
    const unregister: (() => void)[] = [];
    for (let i = 0; i < 3000; i++) unregister.push(sdk.registerQueue(`queue_${i}`, () => 10));
    try {
      const lines = series(await scrape(), 'aiva_task_queue_size');
      expect(lines.length).toBeLessThanOrEqual(LIMIT + 1);
      expect(lines.reduce((n, line) => n + sampleValue(line), 0)).toBe(30_000);
      expect(lines.filter((line) => line.includes('otel_metric_overflow="true"'))).toHaveLength(1);
      expect((await sdk.monitor.getCurrentMetrics()).queueSize).toBe(30_000);
    } finally {
      for (const u of unregister) u();
    }
  });
});
