import type { Attributes } from '@opentelemetry/api';
import { DataPointType, type Histogram } from '@opentelemetry/sdk-metrics';
import { downscale, type ExponentialBuckets } from '../../core/exponential-histogram.js';
import {
  type Family,
  type InstrumentationScope,
  labelName,
  type ScrapeModel,
  TARGET_INFO,
} from './families.js';
import type { ExpositionFormat, MediaRange } from './format.js';
import { delimited, ProtobufWriter } from './protobuf-writer.js';

/**
 * Prometheus' protobuf exposition (`io.prometheus.client.MetricFamily`, length-delimited), the format
 * Prometheus asks for first when started with `--enable-feature=native-histograms`. Same families,
 * names and labels as the text formats; a histogram whose data point carries exponential buckets
 * (`native`, set by the SDK's hot-path histograms when `prometheus.nativeHistograms` is on) is written
 * as a native histogram — schema, spans and deltas — beside its classic buckets.
 */
export const PROMETHEUS_PROTOBUF: ExpositionFormat = Object.freeze({
  id: 'protobuf',
  contentType: 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
  matches: (range: MediaRange) =>
    range.type === 'application' &&
    range.subtype === 'vnd.google.protobuf' &&
    range.params.proto === 'io.prometheus.client.MetricFamily' &&
    (range.params.encoding ?? 'delimited') === 'delimited',
  write: writeProtobuf,
});

/** A histogram data point value that also carries its exponential buckets. */
export interface HistogramWithNative extends Histogram {
  native?: ExponentialBuckets;
}

/** Native-histogram schemas Prometheus accepts. */
const MAX_SCHEMA = 8;
const MIN_SCHEMA = -4;

// MetricFamily / Metric / Histogram field numbers (io/prometheus/client/metrics.proto).
const TYPE = { counter: 0, gauge: 1, untyped: 3, histogram: 4 } as const;

function* writeProtobuf(model: ScrapeModel): Generator<Uint8Array> {
  for (const family of model.families) {
    const w = new ProtobufWriter().string(1, family.name);
    w.string(2, family.help || 'description missing');
    w.uint(3, TYPE[family.type]);
    let metrics = 0;
    if (family.name === TARGET_INFO) {
      w.message(4, (m) => {
        labels(m, model.resourceAttributes);
        m.message(2, (g) => g.double(1, 1));
      });
      metrics++;
    }
    for (const member of family.members) metrics += writeMember(w, family, member.metric, member.scope);
    if (metrics > 0) yield delimited(w.bytes());
  }
}

type Metric = Family['members'][number]['metric'];

function writeMember(w: ProtobufWriter, family: Family, metric: Metric, scope: InstrumentationScope): number {
  let written = 0;
  if (metric.dataPointType === DataPointType.HISTOGRAM) {
    for (const point of metric.dataPoints) {
      w.message(4, (m) => {
        labels(m, point.attributes, scope);
        m.message(7, (h) => histogram(h, point.value as HistogramWithNative));
      });
      written++;
    }
  } else if (metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.GAUGE) {
    const field = family.type === 'counter' ? 3 : family.type === 'gauge' ? 2 : 5;
    for (const point of metric.dataPoints) {
      w.message(4, (m) => {
        labels(m, point.attributes, scope);
        m.message(field, (v) => v.double(1, point.value));
      });
      written++;
    }
  }
  return written;
}

function labels(m: ProtobufWriter, attributes: Attributes, scope?: InstrumentationScope): void {
  const pair = (name: string, value: string) =>
    m.message(1, (l) => {
      l.string(1, name);
      l.string(2, value);
    });
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    const value = attributes[key];
    pair(labelName(key), typeof value === 'string' ? value : JSON.stringify(value ?? ''));
  }
  if (!scope) return;
  pair('otel_scope_name', scope.name);
  if (scope.schemaUrl) pair('otel_scope_schema_url', scope.schemaUrl);
  if (scope.version) pair('otel_scope_version', scope.version);
}

function histogram(h: ProtobufWriter, value: HistogramWithNative): void {
  h.uint(1, value.count);
  h.double(2, value.sum ?? 0);
  const { boundaries, counts } = value.buckets;
  let cumulative = 0;
  for (let i = 0; i < boundaries.length; i++) {
    cumulative += counts[i] ?? 0;
    const upper = boundaries[i] as number;
    h.message(3, (b) => {
      b.uint(1, cumulative);
      b.double(2, upper);
    });
  }
  if (value.native) native(h, value.native);
}

/**
 * Native buckets: Prometheus' bucket i is (base^(i-1), base^i], OpenTelemetry's is (base^i, base^(i+1)],
 * so indices shift by one. One span from the first to the last bucket; counts as deltas.
 */
function native(h: ProtobufWriter, buckets: ExponentialBuckets): void {
  const e = buckets.scale > MAX_SCHEMA ? downscale(buckets, MAX_SCHEMA) : buckets;
  if (e.scale < MIN_SCHEMA) return;
  h.sint(5, e.scale);
  h.double(6, 0);
  h.uint(7, e.zeroCount);
  if (e.counts.length === 0) return;
  h.message(12, (span) => {
    span.sint(1, e.offset + 1);
    span.uint(2, e.counts.length);
  });
  const deltas: number[] = [];
  let previous = 0;
  for (const count of e.counts) {
    deltas.push(count - previous);
    previous = count;
  }
  h.packedSint(13, deltas);
}
