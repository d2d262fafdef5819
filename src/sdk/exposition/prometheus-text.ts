import type { Histogram } from '@opentelemetry/sdk-metrics';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import {
  cachedLabelsOf,
  escapeText,
  type Family,
  leValues,
  type ScrapeModel,
  TARGET_INFO,
  valueString,
} from './families.js';
import type { ExpositionFormat, MediaRange } from './format.js';
import type { SeriesTextCache } from './series-cache.js';

/**
 * Prometheus text format 0.0.4, byte for byte what exporter-prometheus 0.301's `PrometheusSerializer`
 * writes minus its `# UNIT` lines, which 0.0.4 does not define (test/sdk/exposition-golden.test.ts).
 * That includes its sample order: `_count`, `_sum`, then the buckets of each histogram series.
 */
export const PROMETHEUS_TEXT: ExpositionFormat = Object.freeze({
  id: 'text',
  contentType: 'text/plain; version=0.0.4; charset=utf-8',
  matches: (range: MediaRange) =>
    range.type === 'text' &&
    range.subtype === 'plain' &&
    (range.params.version === undefined || range.params.version === '0.0.4'),
  write: writeText,
});

function* writeText(model: ScrapeModel, cache?: SeriesTextCache): Generator<string | Uint8Array> {
  let wroteAny = false;
  for (const family of model.families) {
    let writeHeader = true;
    if (family.name === TARGET_INFO) {
      yield `${header(family)}${model.resourceLabels ? `target_info{${model.resourceLabels}} 1` : 'target_info 1'}\n`;
      writeHeader = false;
    }
    // As the exporter: the header goes with the family's first member, even an empty one.
    for (const member of family.members) {
      if (writeHeader) {
        yield header(family);
        writeHeader = false;
        wroteAny = true;
      }
      for (const series of seriesOf(family.name, member.metric, member.scopeLabels, 'exporter', cache)) {
        wroteAny = true;
        yield series;
      }
    }
  }
  if (!wroteAny) yield '# no registered metrics';
}

function header(family: Family): string {
  return `# HELP ${family.name} ${escapeText(family.help || 'description missing')}\n# TYPE ${family.name} ${family.type}\n`;
}

type Metric = Family['members'][number]['metric'];

/** Sample lines of one metric, one piece per series (a histogram's from `cache` when unchanged). */
export function* seriesOf(
  name: string,
  metric: Metric,
  scopeLabels: string,
  histogramOrder: 'exporter' | 'buckets-first',
  cache: SeriesTextCache | undefined,
): Generator<string | Uint8Array> {
  if (metric.dataPointType === DataPointType.HISTOGRAM) {
    const written = cache?.metric(name, scopeLabels);
    for (const point of metric.dataPoints) {
      const attributes = cachedLabelsOf(point.attributes);
      const unchanged = written?.unchanged(point.attributes, attributes, point.value);
      if (unchanged !== undefined) {
        yield unchanged;
        continue;
      }
      const labels = attributes ? `${attributes},${scopeLabels}` : scopeLabels;
      const text = histogramLines(name, labels, point.value, histogramOrder);
      yield written === undefined ? text : written.store(point.attributes, attributes, point.value, text);
    }
    return;
  }
  if (metric.dataPointType !== DataPointType.SUM && metric.dataPointType !== DataPointType.GAUGE) return;
  for (const point of metric.dataPoints) {
    const attributes = cachedLabelsOf(point.attributes);
    yield `${name}{${attributes ? `${attributes},${scopeLabels}` : scopeLabels}} ${valueString(point.value)}\n`;
  }
}

function histogramLines(
  name: string,
  labels: string,
  histogram: Histogram,
  order: 'exporter' | 'buckets-first',
): string {
  let totals = '';
  if (histogram.count != null) totals += `${name}_count{${labels}} ${valueString(histogram.count)}\n`;
  if (histogram.sum != null) totals += `${name}_sum{${labels}} ${valueString(histogram.sum)}\n`;
  const { boundaries, counts } = histogram.buckets;
  const le = leValues(boundaries);
  const prefix = `${name}_bucket{${labels},le="`;
  let buckets = '';
  let cumulative = 0;
  let infinityDefined = false;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i]!;
    const upper = boundaries[i];
    // The exporter's rule: aggregators give boundaries with or without a final Infinity.
    if (upper === undefined && infinityDefined) break;
    if (upper === Number.POSITIVE_INFINITY) infinityDefined = true;
    buckets += `${prefix}${upper === undefined ? '+Inf' : le[i]}"} ${cumulative}\n`;
  }
  return order === 'exporter' ? totals + buckets : buckets + totals;
}
