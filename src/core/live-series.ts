import type { Attributes } from '@opentelemetry/api';
import type { CollectionResult, MetricProducer, MetricReader } from '@opentelemetry/sdk-metrics';

/*
 * sdk-metrics' cumulative storage reports every attribute set it ever saw, with its last value, for
 * the life of the process: a gauge series whose source is gone (an unregistered queue) would read
 * its old value forever. A component names, per instrument, which series are still live; the SDK's
 * readers drop the others from every collection (Prometheus, OTLP, the in-process reader).
 */

type Keep = (attributes: Attributes) => boolean;
const filters = new Map<string, Keep>();

/** Declares which series of `instrumentName` are exported: those for which `keep` returns true. */
export function setLiveSeries(instrumentName: string, keep: Keep): void {
  filters.set(instrumentName, keep);
}

/** Removes, in place, the data points no filter keeps (and metrics left with none). */
export function dropRetiredSeries(result: CollectionResult): CollectionResult {
  if (filters.size === 0) return result;
  for (const scope of result.resourceMetrics.scopeMetrics) {
    let emptied = false;
    for (const metric of scope.metrics) {
      const keep = filters.get(metric.descriptor.name);
      if (keep === undefined) continue;
      const points = metric.dataPoints as { attributes: Attributes }[];
      const kept = points.filter((point) => keep(point.attributes));
      if (kept.length === points.length) continue;
      (metric as { dataPoints: unknown[] }).dataPoints = kept;
      if (kept.length === 0) emptied = true;
    }
    if (emptied) scope.metrics = scope.metrics.filter((metric) => metric.dataPoints.length > 0);
  }
  return result;
}

/** Makes `reader` drop retired series from every collection, whichever MeterProvider binds it. */
export function withLiveSeries<T extends MetricReader>(reader: T): T {
  const bind = reader.setMetricProducer.bind(reader);
  reader.setMetricProducer = (producer: MetricProducer) =>
    bind({ collect: async (options) => dropRetiredSeries(await producer.collect(options)) });
  return reader;
}
