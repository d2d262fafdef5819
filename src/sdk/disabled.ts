import { createNoopMeter, type MeterProvider } from '@opentelemetry/api';
import type { CollectionResult } from '@opentelemetry/sdk-metrics';
import { registerQueue, taskRecorderFor } from '../instrumentation/tasks.js';
import { type Cleanup, startComponents } from './components.js';
import { InProcessMetricReader } from './in-process-reader.js';
import { PerformanceMonitor } from './monitor.js';
import type { ResolvedSdkConfig } from './options.js';
import { buildResource } from './resource.js';
import { runCleanups } from './shutdown.js';
import type { PerformanceSdk } from './start.js';

const NOOP_METER_PROVIDER: MeterProvider = Object.freeze({ getMeter: () => createNoopMeter() });

/**
 * The handle under `OTEL_SDK_DISABLED=true`: the same shape, every method works, nothing is recorded
 * (a no-op MeterProvider, not registered globally), nothing listens, nothing pushes, no timer holds the
 * process. `perf.memory` and `perf.processor` still do their work — the app depends on them — but
 * record into the no-op meter; the monitor reads an always-empty collection (every value `NaN`).
 */
export function startDisabled(
  resolved: ResolvedSdkConfig,
  cleanups: Cleanup[],
  onStopped: () => void,
): PerformanceSdk {
  const config: ResolvedSdkConfig = {
    ...resolved,
    prometheus: false,
    otlp: false,
    console: false,
    hostMetrics: false,
    runtimeMetrics: false,
    alerts: false,
    registerGlobal: false,
    // nothing is recorded: workers need not aggregate and ship what their tasks record
    parallel: resolved.parallel && { ...resolved.parallel, bridgeWorkerMetrics: false },
  };
  const empty: CollectionResult = {
    resourceMetrics: { resource: buildResource(config), scopeMetrics: [] },
    errors: [],
  };
  // startComponents wants a reader for the alert engine only, and alerts are off here.
  const unused = new InProcessMetricReader({ cardinalityLimit: config.cardinalityLimit });
  const components = startComponents(config, NOOP_METER_PROVIDER, unused, undefined, cleanups);
  const monitor = new PerformanceMonitor({
    reader: { collect: async () => empty },
    intervalMillis: config.monitor.intervalMillis,
    // Nothing is ever sampled: the smallest rings.
    retentionDays: 1,
    maxHistorySeries: 1,
    log: undefined,
  });
  cleanups.push(() => monitor.stop());
  const tasks = taskRecorderFor(NOOP_METER_PROVIDER);
  let stopped: Promise<void> | undefined;
  return {
    meterProvider: NOOP_METER_PROVIDER,
    meter: NOOP_METER_PROVIDER.getMeter('aiva-performance'),
    monitor,
    url: undefined,
    config,
    memory: components.memory,
    get processor() {
      return components.processor();
    },
    alerts: undefined,
    trackTask: (name, fn) => tasks.trackTask(name, fn),
    startTimer: (name) => tasks.startTimer(name),
    // The queue registry is read only by the task metrics' callback, which a no-op meter never runs.
    registerQueue,
    shutdown() {
      stopped ??= runCleanups(cleanups).finally(onStopped);
      return stopped;
    },
  };
}
