import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { registerQueue, TaskRecorder } from '../../src/instrumentation/tasks.js';
import { InProcessMetricReader } from '../../src/sdk/in-process-reader.js';
import { PerformanceMonitor } from '../../src/sdk/monitor.js';

const MB = 1024 * 1024;
let provider: MeterProvider;
let reader: InProcessMetricReader;
let monitor: PerformanceMonitor;
const host = {
  diskRead: 0,
  netSent: 0,
  idle: 0.25,
  limit: 8000 * MB,
  available: 2000 * MB,
  swapUsed: 100 * MB,
  swapFree: 300 * MB,
};

beforeEach(() => {
  reader = new InProcessMetricReader({ cardinalityLimit: 100 });
  provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('test-host');
  meter.createObservableCounter('system.disk.io').addCallback((r) => {
    r.observe(host.diskRead, { 'system.device.name': 'sda', 'disk.io.direction': 'read' });
    r.observe(0, { 'system.device.name': 'sda', 'disk.io.direction': 'write' });
  });
  meter.createObservableCounter('system.network.io').addCallback((r) => {
    r.observe(host.netSent, { 'network.io.direction': 'transmit' });
    r.observe(0, { 'network.io.direction': 'receive' });
  });
  meter.createObservableGauge('system.cpu.utilization').addCallback((r) => {
    r.observe(host.idle, { 'cpu.mode': 'idle' });
    r.observe(1 - host.idle, { 'cpu.mode': 'user' });
  });
  meter.createObservableGauge('system.memory.limit').addCallback((r) => r.observe(host.limit));
  meter.createObservableGauge('system.memory.linux.available').addCallback((r) => r.observe(host.available));
  meter.createObservableUpDownCounter('system.paging.usage').addCallback((r) => {
    r.observe(host.swapUsed, { 'system.paging.state': 'used' });
    r.observe(host.swapFree, { 'system.paging.state': 'free' });
  });
  meter.createObservableGauge('system.cpu.load_average.1m').addCallback((r) => r.observe(1.5));
  monitor = new PerformanceMonitor({ reader, intervalMillis: 1000, retentionDays: 1 });
});

afterEach(async () => {
  monitor.stop();
  vi.useRealTimers();
  await provider.shutdown();
});

describe('PerformanceMonitor.getCurrentMetrics', () => {
  it('derives CPU, memory and swap from the instruments', async () => {
    const m = await monitor.getCurrentMetrics();
    expect(m.cpuPercent).toBeCloseTo(75, 9);
    expect(m.memoryTotalMb).toBe(8000);
    expect(m.memoryAvailableMb).toBe(2000);
    expect(m.memoryUsedMb).toBe(6000);
    expect(m.memoryPercent).toBe(75);
    expect(m.swapUsedMb).toBe(100);
    expect(m.swapTotalMb).toBe(400);
    expect(m.loadAverage1m).toBe(1.5);
  });

  it('reports NaN, not 0, for metrics the SDK does not collect (no queue registered is no data)', async () => {
    const m = await monitor.getCurrentMetrics();
    expect(m.loadAverage5m).toBeNaN();
    expect(m.eventLoopDelayP99Seconds).toBeNaN();
    expect(m.taskDurationP95Seconds).toBeNaN();
    expect(m.queueSize).toBeNaN();
    expect(m.taskErrorRate).toBeNaN();
  });

  it('reads a registered empty queue as 0, and no finished task in the window as an error rate of NaN', async () => {
    const tasks = new TaskRecorder(provider);
    const unregister = registerQueue('monitor-empty-jobs', () => 0);
    tasks.startTimer('t')('ok');
    // A window needs time in it: two readings in the same millisecond have no rate (flaked on a fast run).
    vi.useFakeTimers();
    await monitor.getCurrentMetrics();
    vi.advanceTimersByTime(1000);
    const m = await monitor.getCurrentMetrics();
    expect(m.queueSize).toBe(0);
    expect(m.tasksPerSecond).toBe(0);
    expect(m.taskErrorRate).toBeNaN();
    unregister();
  });

  it('computes byte rates over the window since the previous reading', async () => {
    host.diskRead = 1_000_000;
    host.netSent = 500;
    const first = await monitor.getCurrentMetrics();
    await new Promise((resolve) => setTimeout(resolve, 20));
    host.diskRead += 2_000_000;
    host.netSent += 1000;
    const second = await monitor.getCurrentMetrics();
    const seconds = (second.timestamp - first.timestamp) / 1000;
    expect(second.diskReadBytesPerSec).toBeCloseTo(2_000_000 / seconds, 3);
    expect(second.networkSentBytesPerSec).toBeCloseTo(1000 / seconds, 3);
    expect(second.diskWriteBytesPerSec).toBe(0);
  });

  it('computes the task p95 and error rate over the window, not since start', async () => {
    const tasks = new TaskRecorder(provider);
    for (let i = 0; i < 100; i++) tasks.startTimer('t')('ok'); // ~0 s each, before the window
    await monitor.getCurrentMetrics();
    const slow = vi.spyOn(performance, 'now');
    for (let i = 0; i < 10; i++) {
      slow.mockReturnValueOnce(0).mockReturnValueOnce(3000); // 3 s each
      tasks.startTimer('t')(i < 5 ? 'ok' : 'error');
    }
    slow.mockRestore();
    const m = await monitor.getCurrentMetrics();
    expect(m.taskDurationP95Seconds).toBeGreaterThan(2);
    expect(m.taskDurationP95Seconds).toBeLessThanOrEqual(5);
    expect(m.taskErrorRate).toBeCloseTo(0.5, 9);
  });
});

describe('PerformanceMonitor.start', () => {
  it('samples on the interval into a bounded history and emits sample events', async () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    monitor.on('sample', (m) => seen.push(m.cpuPercent));
    monitor.start({ intervalMillis: 100 });
    expect(monitor.intervalMillis).toBe(100);
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(100);
    expect(seen).toHaveLength(5);
    const columns = monitor.history({ from: 0, to: Date.now() + 1000 });
    // The finest resolution is 1 s: five samples 100 ms apart fold into one or two steps.
    const steps = columns.series.cpuPercent?.avg.filter((x) => !Number.isNaN(x)) ?? [];
    expect(steps.length === 1 || steps.length === 2).toBe(true);
    expect(monitor.latest()?.metrics.cpuPercent).toBe(seen[4]);
    monitor.stop();
    await vi.advanceTimersByTimeAsync(500);
    expect(seen).toHaveLength(5);
    expect(monitor.intervalMillis).toBeUndefined();
  });

  it('history() under fake timers: the last hour at the sampling step, before that 1-minute steps', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 1) });
    const start = Date.now();
    monitor.start({ intervalMillis: 10_000 });
    await vi.advanceTimersByTimeAsync(2 * 3_600_000);
    const recent = monitor.history({ from: Date.now() - 600_000, to: Date.now(), step: 10_000 });
    expect(recent.resolutionMillis).toBe(10_000);
    expect(recent.series.cpuPercent?.avg.filter((x) => !Number.isNaN(x))).toHaveLength(60);
    const all = monitor.history({ from: start, to: Date.now() });
    expect(all.resolutionMillis).toBe(60_000);
    expect(all.series.cpuPercent?.avg.filter((x) => !Number.isNaN(x))).toHaveLength(120);
    expect(monitor.historyStats().bytes).toBeLessThan(2 * 1024 * 1024);
    expect(() => monitor.history({ from: 5, to: 1 })).toThrow(/options.to must be after options.from/);
    expect(() => monitor.history({ from: 'yesterday' } as never)).toThrow(/options.from must be a time/);
  });

  it('logs one summary line per sample when given a log (monitor.verbose)', async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const verbose = new PerformanceMonitor({
      reader,
      intervalMillis: 100,
      retentionDays: 1,
      log: (l) => lines.push(l),
    });
    verbose.start();
    await vi.advanceTimersByTimeAsync(200);
    verbose.stop();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^cpu 75\.0% {2}mem 75\.0% {2}load 1\.50 {2}queue - {2}tasks\/s - {2}p95 - {2}errors -$/,
    );
  });

  it('rejects a bad interval naming the field', () => {
    expect(() => monitor.start({ intervalMillis: 0 })).toThrow(ConfigError);
    expect(() => monitor.start({ intervalMillis: -5 })).toThrow(
      /options.intervalMillis must be a positive number/,
    );
    expect(() => monitor.start({ intervalMilis: 5 } as never)).toThrow(
      /options.intervalMilis is not a known option/,
    );
  });

  it('explains that alert methods need alerts enabled', () => {
    expect(() => monitor.setAlert({} as never)).toThrow(
      /options.alerts is false, so monitor.setAlert\(\) is unavailable/,
    );
  });
});
