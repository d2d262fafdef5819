import type { MeterProvider } from '@opentelemetry/api';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';

export interface RuntimeMetricsHandle {
  shutdown(): void;
}

/**
 * Event-loop delay and utilization, heap spaces, GC pauses and active resources from
 * `@opentelemetry/instrumentation-runtime-node` (`nodejs.eventloop.*`, `v8js.*`), bound to `meterProvider`.
 */
export function startRuntimeMetrics(
  meterProvider: MeterProvider,
  options: { monitoringPrecisionMillis: number },
): RuntimeMetricsHandle {
  // Constructed disabled: enabling in the constructor would start the event-loop
  // histogram before the provider is set, recording into the no-op meter first.
  const instrumentation = new RuntimeNodeInstrumentation({
    enabled: false,
    monitoringPrecision: options.monitoringPrecisionMillis,
  });
  instrumentation.setMeterProvider(meterProvider);
  instrumentation.enable();
  return { shutdown: () => instrumentation.disable() };
}
