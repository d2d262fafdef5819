import {
  AggregationTemporality,
  type CollectionResult,
  InstrumentType,
  type MetricProducer,
  MetricReader,
} from '@opentelemetry/sdk-metrics';

/**
 * The reader the monitor and the alert engine collect from, inside the process. Cumulative, like the
 * Prometheus reader, so rates and windowed quantiles come from differences of successive collections —
 * except gauges: sdk-metrics keeps exporting a cumulative gauge's last value after its callback stops
 * observing it, so a vanished queue would look stuck at its old size. Delta gauges report only what
 * was observed in this collection, and a vanished series reads as "no data".
 */
export class InProcessMetricReader extends MetricReader {
  #inFlight: Promise<CollectionResult> | undefined;

  constructor(options: { cardinalityLimit: number; metricProducers?: MetricProducer[] }) {
    super({
      metricProducers: options.metricProducers,
      cardinalitySelector: () => options.cardinalityLimit,
      aggregationTemporalitySelector: (type) =>
        type === InstrumentType.GAUGE || type === InstrumentType.OBSERVABLE_GAUGE
          ? AggregationTemporality.DELTA
          : AggregationTemporality.CUMULATIVE,
    });
  }

  /**
   * Callers that ask while a collection runs (an alert round, a monitor sample, the dashboard's API in
   * the same tick) share it: one collection, the same result, instead of one each.
   */
  override collect(options?: Parameters<MetricReader['collect']>[0]): Promise<CollectionResult> {
    if (this.#inFlight) return this.#inFlight;
    const collection = super.collect(options).finally(() => {
      if (this.#inFlight === collection) this.#inFlight = undefined;
    });
    this.#inFlight = collection;
    return collection;
  }

  protected override async onForceFlush(): Promise<void> {}

  protected override async onShutdown(): Promise<void> {}
}
