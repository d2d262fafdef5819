import { AggregationTemporality, InstrumentType, MetricReader } from '@opentelemetry/sdk-metrics';

/**
 * The reader the monitor and the alert engine collect from, inside the process. Cumulative, like the
 * Prometheus reader, so rates and windowed quantiles come from differences of successive collections —
 * except gauges: sdk-metrics keeps exporting a cumulative gauge's last value after its callback stops
 * observing it, so a vanished queue would look stuck at its old size. Delta gauges report only what
 * was observed in this collection, and a vanished series reads as "no data".
 */
export class InProcessMetricReader extends MetricReader {
  constructor(options: { cardinalityLimit: number }) {
    super({
      cardinalitySelector: () => options.cardinalityLimit,
      aggregationTemporalitySelector: (type) =>
        type === InstrumentType.GAUGE || type === InstrumentType.OBSERVABLE_GAUGE
          ? AggregationTemporality.DELTA
          : AggregationTemporality.CUMULATIVE,
    });
  }

  protected override async onForceFlush(): Promise<void> {}

  protected override async onShutdown(): Promise<void> {}
}
