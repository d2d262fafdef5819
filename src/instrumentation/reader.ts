import { MetricReader } from '@opentelemetry/sdk-metrics';

/**
 * The reader the monitor and the alert engine collect from, inside the process. Cumulative, like the
 * Prometheus reader, so rates and windowed quantiles come from differences of successive collections.
 */
export class InProcessMetricReader extends MetricReader {
  constructor(options: { cardinalityLimit: number }) {
    super({ cardinalitySelector: () => options.cardinalityLimit });
  }

  protected override async onForceFlush(): Promise<void> {}

  protected override async onShutdown(): Promise<void> {}
}
