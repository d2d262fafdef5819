import { diag, type MeterProvider } from '@opentelemetry/api';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { CachingMeterProvider } from '../core/reading-cache.js';
import { AdaptiveEventLoopDelay } from './event-loop-delay.js';
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
  replaceEventLoopDelay(instrumentation, new AdaptiveEventLoopDelay(options.monitoringPrecisionMillis));
  instrumentation.setMeterProvider(replaying);
  instrumentation.enable();
  return {
    shutdown: () => {
      instrumentation.disable();
      replaying.shutdown();
    },
  };
}

/**
 * Swaps the instrumentation's fixed-rate event-loop-delay collector for {@link AdaptiveEventLoopDelay}
 * (same gauges). `_collectors` is internal to instrumentation-runtime-node (0.37, pinned): if its shape
 * ever changes, the instrumentation's own collector stays and the SDK says so (diag warning).
 */
function replaceEventLoopDelay(
  instrumentation: RuntimeNodeInstrumentation,
  replacement: AdaptiveEventLoopDelay,
) {
  const collectors = (instrumentation as unknown as { _collectors?: unknown })._collectors;
  const at = Array.isArray(collectors)
    ? collectors.findIndex(
        (c: unknown) => (c as object | null)?.constructor?.name === 'EventLoopDelayCollector',
      )
    : -1;
  if (at === -1 || !Array.isArray(collectors)) {
    diag.warn(
      'aiva-performance: event-loop delay sampled at a fixed rate (instrumentation-runtime-node changed)',
    );
    return;
  }
  // its sampler was created with it and never enabled, which leaves it listed as an active resource
  // until it has been enabled and disabled once
  const replaced = collectors[at] as { _histogram?: { enable?(): unknown; disable?(): unknown } };
  replaced._histogram?.enable?.();
  replaced._histogram?.disable?.();
  collectors[at] = replacement;
}
