import {
  type AggregationOption,
  AggregationTemporality,
  AggregationType,
  type CollectionResult,
  InstrumentType,
  type MetricProducer,
  MetricReader,
} from '@opentelemetry/sdk-metrics';

/**
 * Buckets of the in-process exponential histograms. At 512 buckets a series spanning 1 µs … 1 h
 * (32 octaves) keeps scale 4 (16 buckets per octave), so a quantile is off by at most 2^(1/16) − 1 =
 * 4.4 %; a narrower span keeps a finer scale. Memory per series is at most 512 × 8 bytes of counts.
 */
export const IN_PROCESS_HISTOGRAM_MAX_BUCKETS = 512;

const EXPONENTIAL: AggregationOption = {
  type: AggregationType.EXPONENTIAL_HISTOGRAM,
  options: { maxSize: IN_PROCESS_HISTOGRAM_MAX_BUCKETS, recordMinMax: true },
};
const DEFAULT: AggregationOption = { type: AggregationType.DEFAULT };

/**
 * The reader the monitor and the alert engine collect from, inside the process. Cumulative, like the
 * Prometheus reader, so rates and windowed quantiles come from differences of successive collections —
 * except gauges: sdk-metrics keeps exporting a cumulative gauge's last value after its callback stops
 * observing it, so a vanished queue would look stuck at its old size. Delta gauges report only what
 * was observed in this collection, and a vanished series reads as "no data".
 *
 * Histograms aggregate as base-2 exponential histograms here (and only here: the Prometheus and OTLP
 * readers keep the instruments' explicit buckets), so p50/p95/p99 read by the monitor, the alerts and
 * the history are within a few percent of the truth instead of interpolated across a 1 s-wide bucket.
 * The hot-path histograms aggregated by the SDK itself reach it through an exponential producer.
 */
export class InProcessMetricReader extends MetricReader {
  #inFlight: Promise<CollectionResult> | undefined;
  /** `performance.now()` of the latest collection's start (the SDK drains a reader nobody collects). */
  lastCollectedAt = performance.now();

  constructor(options: { cardinalityLimit: number; metricProducers?: MetricProducer[] }) {
    super({
      metricProducers: options.metricProducers,
      cardinalitySelector: () => options.cardinalityLimit,
      aggregationSelector: (type) => (type === InstrumentType.HISTOGRAM ? EXPONENTIAL : DEFAULT),
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
    this.lastCollectedAt = performance.now();
    const collection = super.collect(options).finally(() => {
      if (this.#inFlight === collection) this.#inFlight = undefined;
    });
    this.#inFlight = collection;
    return collection;
  }

  protected override async onForceFlush(): Promise<void> {}

  protected override async onShutdown(): Promise<void> {}
}
