import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as OTLPJsonMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  AggregationType,
  ConsoleMetricExporter,
  InstrumentType,
  type MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { withLiveSeries } from '../core/live-series.js';
import { LocalHistograms } from '../core/local-histogram.js';
import type { TemporalityPreference } from './env.js';
import { IN_PROCESS_HISTOGRAM_MAX_BUCKETS, InProcessMetricReader } from './in-process-reader.js';
import { LocalHistogramProducer } from './local-producer.js';
import type { ResolvedSdkConfig } from './options.js';

/** The readers one SDK hands to its MeterProvider. */
export interface Readers {
  readonly inProcess: InProcessMetricReader;
  readonly prometheus: PrometheusExporter | undefined;
  /** The periodic (push) readers, with what each failed to deliver: the shutdown report reads them. */
  readonly push: readonly PushReader[];
  readonly all: MetricReader[];
  /**
   * The hot-path histograms every reader above exposes (a MetricProducer on each), or `undefined`
   * when a reader wants delta temporality (OTLP `delta`/`lowmemory`): then they go through sdk-metrics.
   */
  readonly localHistograms: LocalHistograms | undefined;
}

export interface PushReader {
  readonly reader: FinalExportReader;
  readonly exporter: TrackingExporter;
}

type ExporterOptions = NonNullable<ConstructorParameters<typeof OTLPJsonMetricExporter>[0]>;

const TEMPORALITY: Record<TemporalityPreference, AggregationTemporalityPreference> = {
  cumulative: AggregationTemporalityPreference.CUMULATIVE,
  delta: AggregationTemporalityPreference.DELTA,
  lowmemory: AggregationTemporalityPreference.LOWMEMORY,
};

export function createReaders(config: ResolvedSdkConfig): Readers {
  // The local histograms are cumulative; a delta OTLP reader gets the SDK's own aggregation instead.
  const cumulative = !config.otlp || config.otlp.temporalityPreference === 'cumulative';
  const localHistograms = cumulative && !config.disabled ? new LocalHistograms() : undefined;
  // Explicit buckets for Prometheus (and OTLP by default), exponential for the in-process quantiles.
  const producers = (exponential?: { maxBuckets: number }) =>
    localHistograms ? [new LocalHistogramProducer(localHistograms, exponential)] : undefined;
  const metricProducers = producers();
  const inProcess = new InProcessMetricReader({
    cardinalityLimit: config.cardinalityLimit,
    metricProducers: producers({ maxBuckets: IN_PROCESS_HISTOGRAM_MAX_BUCKETS }),
  });
  // OTEL_SDK_DISABLED: no reader at all, so a NodeSDK handed these neither serves nor pushes ours.
  if (config.disabled) return { inProcess, prometheus: undefined, push: [], all: [], localHistograms };
  const prometheus = config.prometheus
    ? new PrometheusExporter({
        preventServerStart: true,
        // Classic buckets, plus the exponential ones for the protobuf format's native histograms.
        metricProducers:
          config.prometheus.nativeHistograms && localHistograms
            ? [new LocalHistogramProducer(localHistograms, undefined, { native: true })]
            : metricProducers,
      })
    : undefined;
  const push: PushReader[] = [];
  const cardinalityLimits = { default: config.cardinalityLimit };
  if (config.otlp) {
    const { otlp } = config;
    const options: ExporterOptions = {
      url: otlp.url,
      headers: otlp.headers,
      timeoutMillis: otlp.requestTimeoutMillis,
      temporalityPreference: TEMPORALITY[otlp.temporalityPreference],
      // The same strings as the CompressionAlgorithm enum, which lives in otlp-exporter-base (not our dependency).
      compression: otlp.compression as ExporterOptions['compression'],
      ...(otlp.histogramAggregation === 'exponential'
        ? {
            aggregationPreference: (type: InstrumentType) =>
              type === InstrumentType.HISTOGRAM
                ? { type: AggregationType.EXPONENTIAL_HISTOGRAM }
                : { type: AggregationType.DEFAULT },
          }
        : {}),
    };
    const inner =
      otlp.protocol === 'http/json'
        ? new OTLPJsonMetricExporter(options)
        : new OTLPProtobufMetricExporter(options);
    const exporter = new TrackingExporter(inner, `OTLP ${otlp.protocol} export to ${otlp.url}`);
    push.push({
      exporter,
      reader: new FinalExportReader({
        exporter,
        exportIntervalMillis: otlp.intervalMillis,
        exportTimeoutMillis: Math.min(otlp.timeoutMillis, otlp.intervalMillis),
        cardinalityLimits,
        // 160 buckets: the SDK's default for its own exponential aggregation.
        metricProducers:
          otlp.histogramAggregation === 'exponential' ? producers({ maxBuckets: 160 }) : metricProducers,
      }),
    });
  }
  if (config.console) {
    const exporter = new TrackingExporter(new ConsoleMetricExporter(), 'console export');
    push.push({
      exporter,
      reader: new FinalExportReader({
        exporter,
        exportIntervalMillis: config.console.intervalMillis,
        cardinalityLimits,
        metricProducers,
      }),
    });
  }
  const all: MetricReader[] = [inProcess];
  if (prometheus) all.push(prometheus);
  for (const { reader } of push) all.push(reader);
  for (const reader of all) withLiveSeries(reader);
  return { inProcess, prometheus, push, all, localHistograms };
}

/**
 * Forwards to an exporter and remembers what did not arrive: the reader swallows export failures
 * (it hands them to the global error handler), and shutdown() must say what it could not flush.
 */
/**
 * A periodic reader whose own shutdown (its last export) can run first, while every producer still
 * answers; the provider's later shutdown of it — ours, or NodeSDK's `otel.shutdown()` — then does
 * nothing instead of exporting an incomplete collection or logging "Cannot call shutdown twice".
 */
export class FinalExportReader extends PeriodicExportingMetricReader {
  #final: Promise<void> | undefined;

  finalExport(): Promise<void> {
    this.#final ??= super.shutdown();
    return this.#final;
  }

  override async shutdown(options?: Parameters<MetricReader['shutdown']>[0]): Promise<void> {
    if (this.#final) return;
    this.#final = super.shutdown(options);
    await this.#final;
  }
}

type ResultCallback = Parameters<PushMetricExporter['export']>[1];

export class TrackingExporter implements PushMetricExporter {
  readonly description: string;
  readonly #inner: PushMetricExporter;
  #pending = 0;
  #lastFailure: string | undefined;

  constructor(inner: PushMetricExporter, description: string) {
    this.#inner = inner;
    this.description = description;
    if (inner.selectAggregationTemporality)
      this.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
    if (inner.selectAggregation) this.selectAggregation = inner.selectAggregation.bind(inner);
  }

  selectAggregationTemporality?: PushMetricExporter['selectAggregationTemporality'];
  selectAggregation?: PushMetricExporter['selectAggregation'];

  export(metrics: ResourceMetrics, resultCallback: ResultCallback): void {
    this.#pending += 1;
    this.#inner.export(metrics, (result) => {
      this.#pending -= 1;
      // ExportResultCode.SUCCESS is 0; the enum lives in @opentelemetry/core.
      this.#lastFailure = result.code === 0 ? undefined : (result.error?.message ?? 'export failed');
      resultCallback(result);
    });
  }

  /** What is undelivered now: `undefined` when the last export succeeded and none is in flight. */
  undelivered(): string | undefined {
    if (this.#pending > 0) return `${this.description}: still in flight`;
    if (this.#lastFailure !== undefined) return `${this.description}: ${this.#lastFailure}`;
    return undefined;
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
}
