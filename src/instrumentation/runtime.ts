import type { MeterProvider } from '@opentelemetry/api';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { CachingMeterProvider } from '../core/reading-cache.js';
import { conventionShape, type SemconvStability } from './semconv.js';

export interface RuntimeMetricsHandle {
  shutdown(): void;
}

/**
 * Event-loop delay and utilization, heap spaces, GC pauses and active resources from
 * `@opentelemetry/instrumentation-runtime-node` (`nodejs.eventloop.*`, `v8js.*`), bound to `meterProvider`.
 */
export function startRuntimeMetrics(
  meterProvider: MeterProvider,
  options: {
    monitoringPrecisionMillis: number;
    readingIntervalMillis: number;
    semconvStability?: SemconvStability;
  },
): RuntimeMetricsHandle {
  const stability = options.semconvStability ?? 'new';
  // Its callbacks reset state (event-loop delay histogram, utilization baseline) on each call, so
  // one reading per interval is replayed to every reader instead of each reader getting a sliver.
  // Its v8js.memory.heap.* are gauges; the conventions say UpDownCounter: `shape` creates those.
  const replaying = new CachingMeterProvider(meterProvider, {
    maxAgeMillis: options.readingIntervalMillis,
    shape: (name, kind, metricOptions) => ({
      name,
      ...conventionShape(stability, name, kind, metricOptions),
    }),
  });
  // Constructed disabled: enabling in the constructor would start the event-loop
  // histogram before the provider is set, recording into the no-op meter first.
  const instrumentation = new RuntimeNodeInstrumentation({
    enabled: false,
    monitoringPrecision: options.monitoringPrecisionMillis,
  });
  instrumentation.setMeterProvider(replaying);
  instrumentation.enable();
  return {
    shutdown: () => {
      instrumentation.disable();
      replaying.shutdown();
    },
  };
}
