/**
 * A small, pure query layer over what an OpenTelemetry `MetricReader.collect()`
 * returns. Alerts evaluate rules with it and `monitor.getCurrentMetrics()`
 * reads the current values with it, so both see exactly what the exporters see.
 *
 * Nothing here keeps state or touches timers: a {@link MetricSnapshot} is one
 * collection flattened into series; rates and windowed quantiles take the
 * previous snapshot's samples explicitly. Histogram functions (`histogramQuantile`,
 * `mergeHistograms`, `windowedHistogram`, `histogramDelta`) are in query-histogram.ts.
 *
 * @example
 * ```ts
 * const snap = flattenMetrics(await reader.collect());
 * const idle = snap.select('system.cpu.utilization', { 'system.cpu.state': 'idle' });
 * const cpuPercent = 100 * (1 - aggregate(idle.map((s) => s.value), 'avg'));
 * const p95 = histogramQuantile(0.95, mergeHistograms(snap.select('aiva.task.duration')));
 * ```
 */
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import {
  type CollectionResult,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ExponentialBuckets } from './exponential-histogram.js';
import { ATTRIBUTE_ALIASES } from './metric-names.js';

/** Bucketed distribution: `counts[i]` observations `<= boundaries[i]`, the last count is the `+Inf` bucket. */
export interface HistogramBuckets {
  readonly boundaries: readonly number[];
  /** Non-cumulative per-bucket counts; `counts.length === boundaries.length + 1`. */
  readonly counts: readonly number[];
  readonly count: number;
  readonly sum: number;
  /**
   * Set for an exponential histogram (the in-process reader's aggregation for every histogram):
   * then `boundaries` and `counts` are empty and the histogram functions use these buckets.
   */
  readonly exponential?: ExponentialBuckets;
}

/** One time series: a metric name plus one attribute set, as of one collection. */
export interface Series {
  readonly name: string;
  readonly type: 'gauge' | 'sum' | 'histogram';
  /** True for monotonic sums (counters) and histograms. */
  readonly monotonic: boolean;
  readonly attributes: Attributes;
  /** Gauge or sum value; for a histogram, its observation count. */
  readonly value: number;
  readonly histogram?: HistogramBuckets;
  readonly startTimeMs: number;
  readonly endTimeMs: number;
}

/** Attribute filter: each key must equal the value, or one of the values of an array. */
export type Where = Readonly<Record<string, AttributeValue | readonly AttributeValue[]>>;

/** The aggregates that reduce plain values. */
export type PlainAggregate = 'sum' | 'avg' | 'min' | 'max' | 'count';

const hrToMs = (t: readonly [number, number]): number => t[0] * 1000 + t[1] / 1e6;

/**
 * One collection, indexed by metric name. Data points are turned into
 * {@link Series} lazily, the first time a metric is read, so a reading costs
 * in proportion to the metrics it touches.
 */
export class MetricSnapshot {
  /** Latest end time of the collection's points, or `Date.now()` at flatten time for an empty one. */
  readonly timeMs: number;
  private readonly flat: Map<string, readonly Series[]>;
  private readonly raw: ReadonlyMap<string, readonly MetricData[]>;
  private readonly cache = new Map<string, readonly Series[]>();

  /** `byName`: already-flattened series; `raw`: metrics to flatten on first read. */
  constructor(
    byName: ReadonlyMap<string, readonly Series[]>,
    timeMs: number,
    raw: ReadonlyMap<string, readonly MetricData[]> = new Map(),
  ) {
    this.flat = new Map(byName);
    this.raw = raw;
    this.timeMs = timeMs;
  }

  /** True when the collection has a metric of that name (even with no points). */
  has(name: string): boolean {
    return this.flat.has(name) || this.raw.has(name);
  }

  /** Metric names in the collection. */
  names(): string[] {
    return [...new Set([...this.flat.keys(), ...this.raw.keys()])];
  }

  /** Every series of `name`, in collection order. */
  series(name: string): readonly Series[] {
    let out = this.flat.get(name);
    if (!out) {
      const metrics = this.raw.get(name);
      if (!metrics) return [];
      out = toSeries(name, metrics);
      this.flat.set(name, out);
    }
    return out;
  }

  /** All series by metric name (flattens everything). */
  get byName(): ReadonlyMap<string, readonly Series[]> {
    return new Map(this.names().map((n) => [n, this.series(n)]));
  }

  /** All series of `name` whose attributes match `where` (memoised per snapshot). */
  select(name: string, where?: Where): readonly Series[] {
    const all = this.series(name);
    if (!where || all.length === 0) return all;
    const keys = Object.keys(where);
    if (keys.length === 0) return all;
    const cacheKey = `${name}\u0000${JSON.stringify(where)}`;
    const hit = this.cache.get(cacheKey);
    if (hit) return hit;
    const out = all.filter((s) => matches(s.attributes, where, keys));
    this.cache.set(cacheKey, out);
    return out;
  }

  /** Number of series in the snapshot. */
  get size(): number {
    let n = 0;
    for (const name of this.names()) n += this.series(name).length;
    return n;
  }
}

/** The value under an older spelling of `key` (semconvStability 'old'), if any. */
function aliased(attributes: Attributes, key: string): Attributes[string] {
  const aliases = ATTRIBUTE_ALIASES[key];
  if (!aliases) return undefined;
  for (const alias of aliases) if (attributes[alias] !== undefined) return attributes[alias];
  return undefined;
}

/** True when every key of `where` matches the attribute (arrays mean "any of"; older key spellings count). */
export function matches(
  attributes: Attributes,
  where: Where,
  keys: readonly string[] = Object.keys(where),
): boolean {
  for (const key of keys) {
    const want = where[key];
    const got = attributes[key] ?? aliased(attributes, key);
    if (Array.isArray(want)) {
      if (!(want as readonly unknown[]).includes(got)) return false;
    } else if (got !== want) {
      return false;
    }
  }
  return true;
}

/**
 * Indexes a collection (or bare `ResourceMetrics`) by metric name; series are
 * built on first read. Exponential histograms keep their buckets in `histogram.exponential`.
 * Points of the same name from several scopes are concatenated.
 */
export function flattenMetrics(
  input: CollectionResult | ResourceMetrics | readonly ResourceMetrics[],
): MetricSnapshot {
  const list: readonly ResourceMetrics[] = Array.isArray(input)
    ? input
    : 'resourceMetrics' in (input as CollectionResult)
      ? [(input as CollectionResult).resourceMetrics]
      : [input as ResourceMetrics];
  const raw = new Map<string, MetricData[]>();
  let timeMs = 0;
  for (const rm of list) {
    for (const sm of rm.scopeMetrics) {
      for (const metric of sm.metrics) {
        const name = metric.descriptor.name;
        const same = raw.get(name);
        if (same) same.push(metric);
        else raw.set(name, [metric]);
        // all points of one collection share its end time; the first is enough
        const first = metric.dataPoints[0];
        if (first) timeMs = Math.max(timeMs, hrToMs(first.endTime));
      }
    }
  }
  return new MetricSnapshot(new Map(), timeMs || Date.now(), raw);
}

function histogramSeries(
  name: string,
  p: { attributes: Attributes; startTime: readonly [number, number]; endTime: readonly [number, number] },
  histogram: HistogramBuckets,
): Series {
  return {
    name,
    type: 'histogram',
    monotonic: true,
    attributes: p.attributes,
    value: histogram.count,
    histogram,
    startTimeMs: hrToMs(p.startTime),
    endTimeMs: hrToMs(p.endTime),
  };
}

function toSeries(name: string, metrics: readonly MetricData[]): Series[] {
  const out: Series[] = [];
  for (const metric of metrics) {
    if (metric.dataPointType === DataPointType.HISTOGRAM) {
      for (const p of metric.dataPoints) {
        const { buckets, count, sum = 0 } = p.value;
        out.push(
          histogramSeries(name, p, { boundaries: buckets.boundaries, counts: buckets.counts, count, sum }),
        );
      }
    } else if (metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) {
      for (const p of metric.dataPoints) {
        const { scale, zeroCount, positive, count, sum = 0 } = p.value;
        const exponential = {
          scale,
          zeroCount,
          offset: positive.offset,
          counts: positive.bucketCounts,
          count,
          sum,
        };
        out.push(histogramSeries(name, p, { boundaries: [], counts: [], count, sum, exponential }));
      }
    } else if (metric.dataPointType === DataPointType.GAUGE || metric.dataPointType === DataPointType.SUM) {
      const type = metric.dataPointType === DataPointType.SUM ? 'sum' : 'gauge';
      const monotonic = metric.dataPointType === DataPointType.SUM && metric.isMonotonic;
      for (const p of metric.dataPoints) {
        out.push({
          name,
          type,
          monotonic,
          attributes: p.attributes,
          value: p.value,
          startTimeMs: hrToMs(p.startTime),
          endTimeMs: hrToMs(p.endTime),
        });
      }
    }
  }
  return out;
}

/** Reduces values; `undefined` for an empty list except `count` (0). NaN inputs propagate. */
export function aggregate(values: readonly number[], fn: PlainAggregate): number | undefined {
  if (fn === 'count') return values.length;
  if (values.length === 0) return undefined;
  let acc = fn === 'min' ? Number.POSITIVE_INFINITY : fn === 'max' ? Number.NEGATIVE_INFINITY : 0;
  for (const v of values) {
    if (Number.isNaN(v)) return Number.NaN;
    if (fn === 'min') acc = Math.min(v, acc);
    else if (fn === 'max') acc = Math.max(v, acc);
    else acc += v;
  }
  return fn === 'avg' ? acc / values.length : acc;
}

const keyCache = new WeakMap<Attributes, string>();

/** Stable identity of a series within its metric: its attributes, sorted (memoised per attributes object). */
export function seriesKey(s: Pick<Series, 'attributes'>): string {
  const cached = keyCache.get(s.attributes);
  if (cached !== undefined) return cached;
  const keys = Object.keys(s.attributes).sort();
  let out = '';
  for (const k of keys) out += `${k}\u0001${String(s.attributes[k])}\u0002`;
  keyCache.set(s.attributes, out);
  return out;
}

/** What a rate or windowed quantile needs to remember of a series between snapshots. */
export interface Sample {
  readonly value: number;
  readonly startTimeMs: number;
  readonly endTimeMs: number;
  readonly histogram?: HistogramBuckets;
}

/** Remembers the samples of a selection for the next {@link rate} / {@link windowedHistogram}. */
export function samplesOf(series: readonly Series[]): Map<string, Sample> {
  const out = new Map<string, Sample>();
  for (const s of series) out.set(seriesKey(s), s);
  return out;
}

/**
 * Increase of one cumulative counter since `prev`. Reset-safe: a value drop
 * or a new start time means the counter restarted, so the whole current
 * value is the increase (as Prometheus treats resets). Without `prev`, the
 * increase since the series' start time.
 */
export function counterIncrease(prev: Sample | undefined, curr: Sample): number {
  if (!prev) return curr.value;
  if (curr.value < prev.value || curr.startTimeMs > prev.startTimeMs) return curr.value;
  return curr.value - prev.value;
}

/**
 * Summed increase of the selection since `prev` (for histograms, of their
 * counts), reset-safe per series, with the seconds it spans. Without `prev`,
 * the increase since each series' start time. `undefined` when empty.
 */
export function increase(
  prev: ReadonlyMap<string, Sample> | undefined,
  curr: readonly Series[],
): { increase: number; seconds: number } | undefined {
  if (curr.length === 0) return undefined;
  let total = 0;
  let from = Number.POSITIVE_INFINITY;
  let to = 0;
  for (const s of curr) {
    const before = prev?.get(seriesKey(s));
    total += counterIncrease(before, s);
    const reset = !before || s.value < before.value || s.startTimeMs > before.startTimeMs;
    const start = reset ? s.startTimeMs : before.endTimeMs;
    if (start < from) from = start;
    if (s.endTimeMs > to) to = s.endTimeMs;
  }
  return { increase: total, seconds: Math.max(0, (to - from) / 1000) };
}

/**
 * Per-second rate of the summed selection between two snapshots (for
 * histograms, of their counts). Without `prev`, the rate since the series'
 * start time (cumulative temporality makes that exact). `undefined` when the
 * selection is empty or no time has passed.
 */
export function rate(
  prev: ReadonlyMap<string, Sample> | undefined,
  curr: readonly Series[],
): number | undefined {
  const inc = increase(prev, curr);
  return inc && inc.seconds > 0 ? inc.increase / inc.seconds : undefined;
}

/** `numerator / denominator`; `undefined` if either is missing, NaN for 0/0 (never "fine"). */
export function ratio(numerator: number | undefined, denominator: number | undefined): number | undefined {
  if (numerator === undefined || denominator === undefined) return undefined;
  return numerator / denominator;
}
