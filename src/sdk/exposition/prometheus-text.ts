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

/** Sample lines of one metric, one piece per series (a histogram series through `cache`, when given). */
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
      if (written !== undefined) {
        const bytes =
          written.unchanged(point.attributes, attributes, point.value) ??
          written.patched(
            point.attributes,
            attributes,
            point.value,
            histogramValues(point.value, histogramOrder),
          );
        if (bytes !== undefined) {
          yield bytes;
          continue;
        }
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
  const prefixes: string[] = [];
  const values = histogramValues(histogram, order, { name, labels, prefixes });
  let text = '';
  for (let i = 0; i < values.length; i++) text += `${prefixes[i]}${values[i]}\n`;
  return text;
}

/** Where {@link histogramValues} also puts each line's text up to its value. */
interface LinePrefixes {
  readonly name: string;
  readonly labels: string;
  readonly prefixes: string[];
}

/**
 * The values of a histogram series' sample lines, in line order; with `lines`, also each line's text
 * up to its value (one rule for both, so a cached series patched with new values reads as if written
 * afresh).
 */
export function histogramValues(
  histogram: Histogram,
  order: 'exporter' | 'buckets-first',
  lines?: LinePrefixes,
): string[] {
  const values: string[] = [];
  if (order === 'exporter') pushTotals(histogram, values, lines);
  pushBuckets(histogram, values, lines);
  if (order === 'buckets-first') pushTotals(histogram, values, lines);
  return values;
}

function pushTotals(histogram: Histogram, values: string[], lines: LinePrefixes | undefined): void {
  if (histogram.count != null) {
    values.push(valueString(histogram.count));
    lines?.prefixes.push(`${lines.name}_count{${lines.labels}} `);
  }
  if (histogram.sum != null) {
    values.push(valueString(histogram.sum));
    lines?.prefixes.push(`${lines.name}_sum{${lines.labels}} `);
  }
}

function pushBuckets(histogram: Histogram, values: string[], lines: LinePrefixes | undefined): void {
  const { boundaries, counts } = histogram.buckets;
  const le = lines ? leValues(boundaries) : undefined;
  const prefix = lines ? `${lines.name}_bucket{${lines.labels},le="` : '';
  let cumulative = 0;
  let infinityDefined = false;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i]!;
    const upper = boundaries[i];
    // The exporter's rule: aggregators give boundaries with or without a final Infinity.
    if (upper === undefined && infinityDefined) break;
    if (upper === Number.POSITIVE_INFINITY) infinityDefined = true;
    values.push(`${cumulative}`);
    lines?.prefixes.push(`${prefix}${upper === undefined ? '+Inf' : le![i]}"} `);
  }
}
