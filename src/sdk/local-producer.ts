import { ValueType } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type MetricData,
  type MetricProducer,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import { downscale, type ExponentialBuckets } from '../core/exponential-histogram.js';
import {
  type HistogramCell,
  LOCAL_EXPONENTIAL_SCALE,
  type LocalHistograms,
  type LocalObservedSum,
} from '../core/local-histogram.js';

/**
 * A typed array's values from `start` to `end` as a plain array. `Array.from(typed)` goes through the
 * iterator protocol: at 2,000 series it made ~2 MB of iterator results per scrape, most of the
 * collection's garbage.
 */
function plainArray(typed: ArrayLike<number>, start = 0, end = typed.length): number[] {
  const array = new Array<number>(end - start);
  for (let i = start; i < end; i++) array[i - start] = typed[i] as number;
  return array;
}

const toHrTime = (millis: number): [number, number] => [
  Math.floor(millis / 1000),
  Math.round((millis % 1000) * 1e6),
];

/**
 * Exposes the hot-path histograms aggregated in {@link LocalHistograms} to a reader, as cumulative
 * histogram metrics under their own scope (the reader replaces the resource with the SDK's): explicit
 * buckets, or — for the in-process reader and OTLP with `histogramAggregation: 'exponential'` —
 * base-2 exponential buckets, downscaled until at most `maxBuckets` remain.
 */
export class LocalHistogramProducer implements MetricProducer {
  constructor(
    readonly registry: LocalHistograms,
    readonly exponential?: { maxBuckets: number },
    /** Explicit data points also carry their exponential buckets (`native`) for native histograms. */
    readonly options: { native?: boolean } = {},
  ) {}

  /** Each cell's start time (made once) and value as last collected, with the count it had then. */
  readonly #points = new WeakMap<
    HistogramCell,
    { readonly startTime: [number, number]; count: number; value: object }
  >();

  #value(cell: HistogramCell, boundaries: number[]): object {
    const { sum, count, min, max } = cell;
    if (this.exponential)
      return { sum, count, min, max, ...exponentialValue(cell, this.exponential.maxBuckets) };
    const buckets = { boundaries, counts: plainArray(cell.counts) };
    return this.options.native
      ? { sum, count, min, max, buckets, native: exponentialBuckets(cell, NATIVE_MAX_BUCKETS) }
      : { sum, count, min, max, buckets };
  }

  async collect(): Promise<CollectionResult> {
    // Sub-millisecond: two readings in the same millisecond must still have a window (rates divide by it).
    const now = toHrTime(performance.timeOrigin + performance.now());
    const byScope = new Map<string, MetricData[]>();
    for (const histogram of this.registry.histograms.values()) {
      const dataPoints = [];
      const boundaries = histogram.boundaries as number[];
      for (const cell of histogram.cells) {
        if (cell.count === 0) continue; // as sdk-metrics: a series exists from its first record
        let last = this.#points.get(cell);
        if (last === undefined) {
          last = {
            startTime: toHrTime(cell.startMillis),
            count: cell.count,
            value: this.#value(cell, boundaries),
          };
          this.#points.set(cell, last);
        } else if (last.count !== cell.count) {
          // a cell with no record since the last collection keeps its value: readers only read it
          last.count = cell.count;
          last.value = this.#value(cell, boundaries);
        }
        dataPoints.push({
          attributes: cell.attributes,
          startTime: last.startTime,
          endTime: now,
          value: last.value,
        });
      }
      if (dataPoints.length === 0) continue;
      metricsOf(byScope, histogram.scope).push({
        descriptor: {
          name: histogram.name,
          description: histogram.options.description,
          unit: histogram.options.unit,
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: this.exponential ? DataPointType.EXPONENTIAL_HISTOGRAM : DataPointType.HISTOGRAM,
        dataPoints,
      } as MetricData);
    }
    for (const sum of this.registry.observedSums.values()) {
      const metric = observedSum(sum, now);
      if (metric !== undefined) metricsOf(byScope, sum.scope).push(metric);
    }
    const scopeMetrics: ScopeMetrics[] = [...byScope].map(([name, metrics]) => ({
      scope: { name },
      metrics,
    }));
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics }, errors: [] };
  }
}

/** An observed sum's current values as a cumulative non-monotonic sum (undefined: no series, or its callback threw). */
function observedSum(sum: LocalObservedSum, now: [number, number]): MetricData | undefined {
  const startTime = toHrTime(sum.startMillis);
  const dataPoints: DataPoint<number>[] = [];
  try {
    sum.observe((value, attributes) => {
      dataPoints.push({ attributes, startTime, endTime: now, value });
    });
  } catch {
    return undefined; // as sdk-metrics drops a throwing callback's observations
  }
  if (dataPoints.length === 0) return undefined;
  return {
    descriptor: { name: sum.name, description: sum.description, unit: sum.unit, valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: false,
    dataPoints,
  } as MetricData;
}

/** A scope's metric list in `byScope`, made on first use. */
function metricsOf(byScope: Map<string, MetricData[]>, scope: string): MetricData[] {
  let metrics = byScope.get(scope);
  if (metrics === undefined) {
    metrics = [];
    byScope.set(scope, metrics);
  }
  return metrics;
}

/** Buckets a native histogram keeps, as Prometheus' client_golang defaults to (160). */
const NATIVE_MAX_BUCKETS = 160;

/** A cell's exponential buckets, trimmed to the used range and coarsened to fit `maxBuckets`. */
function exponentialBuckets(cell: HistogramCell, maxBuckets: number): ExponentialBuckets {
  const all = cell.expCounts;
  let first = 0;
  while (first < all.length && all[first] === 0) first++;
  let last = all.length - 1;
  while (last >= first && all[last] === 0) last--;
  let h: ExponentialBuckets = {
    scale: LOCAL_EXPONENTIAL_SCALE,
    zeroCount: cell.zeroCount,
    offset: cell.expOffset + first,
    counts: first <= last ? plainArray(all, first, last + 1) : [],
    count: cell.count,
    sum: cell.sum,
  };
  while (h.counts.length > maxBuckets) h = downscale(h, h.scale - 1);
  return h;
}

function exponentialValue(cell: HistogramCell, maxBuckets: number) {
  const h = exponentialBuckets(cell, maxBuckets);
  return {
    scale: h.scale,
    zeroCount: h.zeroCount,
    positive: { offset: h.offset, bucketCounts: [...h.counts] },
    negative: { offset: 0, bucketCounts: [] },
  };
}
