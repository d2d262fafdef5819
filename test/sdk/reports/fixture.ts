import { EventEmitter } from 'node:events';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { vi } from 'vitest';
import type { Alert, AlertRule } from '../../../src/alerts/types.js';
import { TaskRecorder } from '../../../src/instrumentation/tasks.js';
import type { AlertSource } from '../../../src/sdk/history/alert-log.js';
import { InProcessMetricReader } from '../../../src/sdk/in-process-reader.js';
import { PerformanceMonitor } from '../../../src/sdk/monitor.js';

const MB = 1024 * 1024;
export const XSS_TASK = '<img src=x onerror=alert(1)>';

/** An alert engine stand-in: one rule on cpu_percent, fired and resolved by the test. */
export function fakeAlerts() {
  const events = new EventEmitter();
  const rule = {
    id: 'HighCpu/warning',
    name: 'HighCpu',
    metric: 'cpu_percent',
    severity: 'warning',
    op: '>',
    threshold: 70,
  } as unknown as AlertRule;
  let state: Alert['state'] = 'inactive';
  const alert = (at: number, resolved = false): Alert =>
    ({
      id: rule.id,
      name: rule.name,
      severity: 'warning',
      state,
      value: 80,
      threshold: 70,
      op: '>',
      labels: {},
      annotations: {},
      activeAt: null,
      firedAt: new Date(at).toISOString(),
      resolvedAt: resolved ? new Date(Date.now()).toISOString() : null,
      lastEvaluatedAt: null,
    }) as Alert;
  let firedAt = 0;
  const source: AlertSource = {
    on: (event, listener) => {
      events.on(event, listener);
      return () => events.off(event, listener);
    },
    list: () => [alert(firedAt)],
    rules: () => [rule],
    status: () => ({
      service: 'test',
      evaluatedAt: null,
      intervals: { critical: 1, warning: 1, normal: 1 },
      missingMetrics: [],
      alerts: [],
    }),
  };
  return {
    source,
    fire() {
      firedAt = Date.now();
      state = 'firing';
      events.emit('firing', alert(firedAt));
    },
    resolve() {
      state = 'inactive';
      events.emit('resolved', alert(firedAt, true));
    },
  };
}

/**
 * A monitor over a real MeterProvider and in-process reader, with fake host gauges and real task
 * histograms, sampled every 10 s under fake timers for `minutes`: 3 tasks a tick (one of them an
 * error every other tick), the alert firing from minute 3 to minute 5.
 */
export async function runMonitor(minutes = 10) {
  vi.useFakeTimers({ now: Date.UTC(2026, 10, 30, 12) });
  const reader = new InProcessMetricReader({ cardinalityLimit: 100 });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('fixture');
  let idle = 0.5;
  meter
    .createObservableGauge('system.cpu.utilization')
    .addCallback((r) => r.observe(idle, { 'system.cpu.state': 'idle' }));
  meter.createObservableGauge('system.memory.limit').addCallback((r) => r.observe(8000 * MB));
  meter.createObservableGauge('system.memory.linux.available').addCallback((r) => r.observe(6000 * MB));
  const alerts = fakeAlerts();
  const monitor = new PerformanceMonitor({
    reader,
    intervalMillis: 10_000,
    retentionDays: 1,
    alertSource: alerts.source,
    serviceName: 'report-test',
  });
  const tasks = new TaskRecorder(provider);
  const start = Date.now();
  monitor.start();
  let recorded = 0;
  let errors = 0;
  for (let tick = 1; tick <= minutes * 6; tick++) {
    tasks.startTimer('fetch')('ok');
    tasks.startTimer(XSS_TASK)('ok');
    tasks.startTimer('parse')(tick % 2 ? 'error' : 'ok');
    recorded += 3;
    errors += tick % 2;
    idle = 0.5 - 0.4 * Math.sin(tick / 10) ** 2;
    if (tick === 18) alerts.fire();
    if (tick === 30) alerts.resolve();
    await vi.advanceTimersByTimeAsync(10_000);
  }
  return { monitor, provider, start, end: Date.now(), recorded, errors };
}
