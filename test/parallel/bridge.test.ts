import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkerMetricsMerger } from '../../src/parallel/bridge-merge.js';
import type { ProcessorOptions } from '../../src/parallel/index.js';
import { defineTask } from '../../src/parallel/index.js';
import { type PerformanceSdk, startPerformanceSdk } from '../../src/sdk/start.js';
import { MODES } from './helpers.js';

const FIXTURE = new URL('./fixtures/metrics-tasks.mjs', import.meta.url);
const scan = defineTask<number, number>(FIXTURE, 'scan');
const scanOrExit = defineTask<{ n: number; exitAt: number; marker: string }, number>(FIXTURE, 'scanOrExit');
const mixed = defineTask<number, number>(FIXTURE, 'mixed');
const conflicting = defineTask<number, number>(FIXTURE, 'conflicting');
const allocate = defineTask<number, number>(FIXTURE, 'allocate');

const ITEMS = 10_000;
const items = Array.from({ length: ITEMS }, (_, n) => n);
/** Same as the fixture's `sizeOf`. */
const sizeOf = (n: number): number => (n * 7) % 3000;
const BOUNDARIES = [10, 100, 1000];

/** Cumulative bucket counts (Prometheus `le` order, +Inf last) of the sizes of items of one parity. */
function expectedBuckets(kind: 'even' | 'odd', rounds = 1, counted: readonly number[] = items): number[] {
  const counts = [0, 0, 0, 0];
  for (const n of counted) {
    if ((n % 2 === 0) !== (kind === 'even')) continue;
    const size = sizeOf(n);
    for (let b = 0; b < BOUNDARIES.length; b++) if (size <= BOUNDARIES[b]!) counts[b]! += rounds;
    counts[3]! += rounds;
  }
  return counts;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function value(samples: Sample[], name: string, match: Record<string, string>): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} series match ${name} ${JSON.stringify(match)}`);
  return found[0]?.value;
}

/** The series (name + labels) of the fixture's metrics. */
function seriesOf(samples: Sample[]): string[] {
  return samples
    .filter(
      (s) =>
        s.name.startsWith('user_') ||
        (s.name.startsWith('aiva_task_duration') && s.labels.aiva_task_name === 'user-scan'),
    )
    .map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`)
    .sort();
}

describe.each(MODES)('worker metrics bridge, %s mode', (mode) => {
  let perf: PerformanceSdk | undefined;
  afterEach(async () => {
    await perf?.shutdown();
    perf = undefined;
  });

  async function start(parallel: ProcessorOptions = {}): Promise<PerformanceSdk> {
    perf = await startPerformanceSdk({
      serviceName: 'bridge-test',
      hostMetrics: false,
      runtimeMetrics: false,
      alerts: false,
      memory: false,
      prometheus: { port: 0 },
      parallel: { maxWorkers: 2, mode, ...parallel },
    });
    return perf;
  }

  async function scrape(sdk: PerformanceSdk): Promise<Sample[]> {
    const response = await fetch(`${sdk.url}/metrics`);
    return parse(await response.text());
  }

  /** The fixture's series count exactly the items in `counted`, `rounds` times each. */
  function expectExact(samples: Sample[], rounds = 1, counted: readonly number[] = items): void {
    for (const kind of ['even', 'odd'] as const) {
      const labels = { kind, otel_scope_name: 'user-task' };
      const ofKind = counted.filter((n) => (n % 2 === 0) === (kind === 'even'));
      expect(value(samples, 'user_scans_total', labels)).toBe(rounds * ofKind.length);
      expect(value(samples, 'user_scan_size_count', labels)).toBe(rounds * ofKind.length);
      const buckets = ['10', '100', '1000', '+Inf'].map((le) =>
        value(samples, 'user_scan_size_bucket', { ...labels, le }),
      );
      expect(buckets).toEqual(expectedBuckets(kind, rounds, counted));
      const sum = ofKind.reduce((t, n) => t + sizeOf(n), 0);
      expect(value(samples, 'user_scan_size_sum', labels)).toBeCloseTo(rounds * sum, 3);
    }
    expect(
      value(samples, 'aiva_task_duration_count', { aiva_task_name: 'user-scan', aiva_task_outcome: 'ok' }),
    ).toBe(rounds * counted.length);
  }

  it('a user counter, a user histogram and trackTask inside tasks reach /metrics with exact counts when map returns', async () => {
    const sdk = await start();
    const received = vi.spyOn(WorkerMetricsMerger.prototype, 'received');
    const carried = vi.spyOn(WorkerMetricsMerger.prototype, 'receivedRecords');
    const results = await sdk.processor.map(scan, items, { chunkSize: 50 });
    // threads commit to the shared ring; child processes' answers carry the records
    expect([received.mock.calls.length > 0, carried.mock.calls.length > 0]).toEqual(
      mode === 'thread' ? [true, false] : [false, true],
    );
    received.mockRestore();
    carried.mockRestore();
    expect(results[9_999]).toBe(19_998);
    expect(sdk.processor.workerIds(mode)).toHaveLength(2);
    const samples = await scrape(sdk);
    expectExact(samples);
    // the meter's version and the instrument's description travel too
    expect(value(samples, 'user_scans_total', { kind: 'even', otel_scope_version: '1.2.3' })).toBe(ITEMS / 2);
    const text = await (await fetch(`${sdk.url}/metrics`)).text();
    expect(text.match(/^# HELP user_scans_total .*$/gm)).toEqual(['# HELP user_scans_total Scans done.']);
  });

  it('the same series as when the task runs on the main thread: one series each, counts add up', async () => {
    const sdk = await start();
    await sdk.processor.map(scan, items, { chunkSize: 200 });
    const fromWorkers = seriesOf(await scrape(sdk));
    // a fresh copy of the module on the main thread: its top-level meter binds to this SDK's provider
    const onMain = defineTask<number, number>(new URL(`${FIXTURE.href}?main=${mode}`), 'scan');
    await sdk.processor.map(onMain, items, { mode: 'async' });
    const samples = await scrape(sdk);
    expect(seriesOf(samples)).toEqual(fromWorkers);
    expect(fromWorkers.length).toBeGreaterThan(10);
    expectExact(samples, 2);
  });

  it('loses nothing when the pool is resized down and workers idle out', async () => {
    const sdk = await start({ maxWorkers: 3, minWorkers: 0, idleTimeoutMillis: 20 });
    await sdk.processor.map(scan, items.slice(0, ITEMS / 2), { chunkSize: 50 });
    sdk.processor.resize(1);
    await vi.waitFor(() => expect(sdk.processor.workerIds(mode).length).toBeLessThanOrEqual(1), {
      timeout: 10_000,
      interval: 20,
    });
    await sdk.processor.map(scan, items.slice(ITEMS / 2), { chunkSize: 50 });
    await vi.waitFor(() => expect(sdk.processor.workerIds(mode)).toHaveLength(0), {
      timeout: 10_000,
      interval: 20,
    });
    expectExact(await scrape(sdk));
  });

  it("a worker crash mid-chunk loses nothing from completed chunks (the crashed chunk's other items re-run)", async () => {
    const sdk = await start();
    const dir = mkdtempSync(join(tmpdir(), 'aiva-bridge-'));
    try {
      const marker = join(dir, 'exited');
      const results = await sdk.processor.map(
        scanOrExit,
        items.map((n) => ({ n, exitAt: 5_025, marker })),
        { chunkSize: 50, settle: true },
      );
      expect(results).toHaveLength(ITEMS);
      // a thread knows which item it died in: that item fails alone; a child process's chunk re-runs
      // item by item, and the item (which exits only once) then succeeds
      const failed = results.flatMap((result, n) => (result.ok ? [] : [n]));
      expect(failed).toEqual(mode === 'thread' ? [5_025] : []);
      expect(sdk.processor.stats().failed).toBe(failed.length);
      expectExact(
        await scrape(sdk),
        1,
        items.filter((n) => !failed.includes(n)),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bridges timers with outcomes, up-down counters and gauges', async () => {
    const sdk = await start();
    await sdk.processor.map(mixed, items.slice(0, 300), { chunkSize: 10 });
    const samples = await scrape(sdk);
    const timer = (outcome: string): number | undefined =>
      value(samples, 'aiva_task_duration_count', {
        aiva_task_name: 'user-timer',
        aiva_task_outcome: outcome,
      });
    expect(timer('error')).toBe(100);
    expect(timer('ok')).toBe(200);
    expect(value(samples, 'user_inflight', {})).toBe(0);
    const last = value(samples, 'user_last', {});
    expect(last).toBeGreaterThanOrEqual(0);
    expect(last).toBeLessThan(300);
  });

  it('a memory manager created inside the workers records: allocations counted once over all workers', async () => {
    const sdk = await start();
    await sdk.processor.map(allocate, items.slice(0, 400), { chunkSize: 10 });
    expect(sdk.processor.workerIds(mode)).toHaveLength(2);
    const samples = await scrape(sdk);
    const pick = (name: string, match: Record<string, string>): number =>
      samples
        .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
        .reduce((t, s) => t + s.value, 0);
    expect(pick('aiva_memory_allocations_total', { pool: 'worker-pool', outcome: 'ok' })).toBe(400);
    expect(pick('aiva_memory_releases_total', { pool: 'worker-pool' })).toBe(400);
    expect(pick('aiva_memory_allocation_size_count', {})).toBe(400);
  });

  it('bridgeWorkerMetrics: false leaves workers on the no-op provider', async () => {
    const sdk = await start({ bridgeWorkerMetrics: false });
    await sdk.processor.map(scan, items.slice(0, 100), { chunkSize: 10 });
    const samples = await scrape(sdk);
    expect(samples.filter((s) => s.name.startsWith('user_'))).toEqual([]);
    expect(value(samples, 'aiva_task_duration_count', { aiva_task_name: 'user-scan' })).toBeUndefined();
  });

  it('an instrument registered again with another kind is reported through the diag logger as the SDK does, once, not thrown', async () => {
    const sdk = await start();
    const warn = vi.fn();
    diag.setLogger({ warn, error: warn, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
    const about = (name: string): number =>
      warn.mock.calls.filter((call) => call.join(' ').includes(name)).length;
    try {
      // the SDK's own behaviour for the same conflict on the main thread
      const meter = sdk.meterProvider.getMeter('user-task', '1.2.3');
      meter.createCounter('direct.scans', { unit: '{scan}' });
      meter.createHistogram('direct.scans', { unit: '{scan}' });
      expect(about('direct.scans')).toBeGreaterThan(0);
      await sdk.processor.map(scan, items.slice(0, 10), { chunkSize: 5 });
      await expect(
        sdk.processor.map(conflicting, items.slice(0, 10), { chunkSize: 5 }),
      ).resolves.toHaveLength(10);
      expect(about('user.scans')).toBe(about('direct.scans'));
      await expect(
        sdk.processor.map(conflicting, items.slice(0, 10), { chunkSize: 5 }),
      ).resolves.toHaveLength(10);
      expect(about('user.scans')).toBe(about('direct.scans'));
      expect(value(await scrape(sdk), 'user_scans_total', { kind: 'even' })).toBe(5);
    } finally {
      diag.disable();
    }
  });
});
