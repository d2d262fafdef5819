import { ValueType } from '@opentelemetry/api';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type MetricData,
  type MetricProducer,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import type { LocalHistograms } from '../core/local-histogram.js';

const toHrTime = (millis: number): [number, number] => [
  Math.floor(millis / 1000),
  Math.round((millis % 1000) * 1e6),
];

/**
 * Exposes the hot-path histograms aggregated in {@link LocalHistograms} to a reader, as cumulative
 * histogram metrics under their own scope (the reader replaces the resource with the SDK's).
 */
export class LocalHistogramProducer implements MetricProducer {
  constructor(readonly registry: LocalHistograms) {}

  async collect(): Promise<CollectionResult> {
    const now = toHrTime(Date.now());
    const byScope = new Map<string, MetricData[]>();
    for (const histogram of this.registry.histograms.values()) {
      const dataPoints = [];
      for (const cell of histogram.cells) {
        if (cell.count === 0) continue; // as sdk-metrics: a series exists from its first record
        dataPoints.push({
          attributes: cell.attributes,
          startTime: toHrTime(cell.startMillis),
          endTime: now,
          value: {
            buckets: { boundaries: histogram.boundaries as number[], counts: Array.from(cell.counts) },
            sum: cell.sum,
            count: cell.count,
            min: cell.min,
            max: cell.max,
          },
        });
      }
      if (dataPoints.length === 0) continue;
      let metrics = byScope.get(histogram.scope);
      if (!metrics) {
        metrics = [];
        byScope.set(histogram.scope, metrics);
      }
      metrics.push({
        descriptor: {
          name: histogram.name,
          description: histogram.options.description,
          unit: histogram.options.unit,
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints,
      });
    }
    const scopeMetrics: ScopeMetrics[] = [...byScope].map(([name, metrics]) => ({
      scope: { name },
      metrics,
    }));
    return { resourceMetrics: { resource: emptyResource(), scopeMetrics }, errors: [] };
  }
}
