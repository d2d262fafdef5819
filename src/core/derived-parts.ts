/**
 * The building blocks of the derived-metric table (derived-metrics.ts): the same reduction
 * written twice, once over a {@link MetricSnapshot} and once as PromQL, side by side so the two
 * cannot drift apart.
 */
import { promName } from './metric-names.js';
import {
  aggregate,
  increase,
  type MetricSnapshot,
  type PlainAggregate,
  type Sample,
  type Where,
} from './query.js';
import { histogramQuantile, windowedHistogram } from './query-histogram.js';

/** A metric name plus an attribute filter: what a derived metric reads from a snapshot. */
export interface Selection {
  readonly name: string;
  readonly where?: Where;
}

/** Stable identity of a selection, for remembering its samples between readings. */
export function selectionKey(selection: Selection): string {
  return `${selection.name}${JSON.stringify(selection.where ?? {})}`;
}

/** What a derived metric is computed from. */
export interface DeriveInput {
  readonly snapshot: MetricSnapshot;
  /**
   * Samples of `selection` at the start of the window: the previous reading for the monitor, the
   * start of the rule's range for alerts. `undefined` = the window starts at each series' start.
   */
  baseline(selection: Selection): ReadonlyMap<string, Sample> | undefined;
}

/** How to write a derived metric as PromQL. */
export interface PromqlOptions {
  /**
   * Label matchers added to every selector, braces optional, e.g. `job=~"$job",instance=~"$instance"`
   * for a Grafana dashboard. Default: none.
   */
  readonly matchers?: string;
  /** Range of `rate()`: a Prometheus duration or `$__rate_interval`. Default `5m`. */
  readonly range?: string;
}

/** Every result is one series per scraped target, as the exported rules have always grouped. */
export const BY_TARGET = 'by (job, instance)';

// ---- in-process --------------------------------------------------------------------------------

/** The values of a selection reduced with `fn`; `undefined` when no series matches (no data). */
export function reduce(input: DeriveInput, s: Selection, fn: PlainAggregate): number | undefined {
  const series = input.snapshot.select(s.name, s.where);
  if (series.length === 0) return undefined;
  return aggregate(
    series.map((x) => x.value),
    fn,
  );
}

/** Increase of a counter (or of a histogram's count) over the window; `undefined` when absent. */
export function windowIncrease(input: DeriveInput, s: Selection): number | undefined {
  return increase(input.baseline(s), input.snapshot.select(s.name, s.where))?.increase;
}

/** Per-second rate over the window; `undefined` when absent or when the window is empty. */
export function windowRate(input: DeriveInput, s: Selection): number | undefined {
  const inc = increase(input.baseline(s), input.snapshot.select(s.name, s.where));
  return inc && inc.seconds > 0 ? inc.increase / inc.seconds : undefined;
}

/** The q-quantile of what a histogram observed in the window; NaN when it observed nothing. */
export function windowQuantile(input: DeriveInput, q: number, s: Selection): number | undefined {
  const series = input.snapshot.select(s.name, s.where);
  if (series.length === 0) return undefined;
  return histogramQuantile(q, windowedHistogram(input.baseline(s), series));
}

/** Applies `fn` when every input has data. */
export function both(
  a: number | undefined,
  b: number | undefined,
  fn: (a: number, b: number) => number,
): number | undefined {
  return a === undefined || b === undefined ? undefined : fn(a, b);
}

// ---- PromQL ------------------------------------------------------------------------------------

/** `name{where…,injected…}` over the exporter-prometheus name plus `suffix` (`_total`, `_bucket`). */
export function selector(s: Selection, options: PromqlOptions | undefined, suffix = ''): string {
  const parts = Object.entries(s.where ?? {}).map(([k, v]) => `${promName(k)}=${JSON.stringify(String(v))}`);
  const injected = options?.matchers?.trim().replace(/^\{|\}$/g, '');
  if (injected) parts.push(injected);
  const name = `${promName(s.name)}${suffix}`;
  return parts.length === 0 ? name : `${name}{${parts.join(',')}}`;
}

/** `fn by (job, instance) (selector)`. */
export function promReduce(fn: PlainAggregate, s: Selection, options?: PromqlOptions): string {
  return `${fn} ${BY_TARGET} (${selector(s, options)})`;
}

/** `sum by (job, instance) (rate(selector[range]))`; `suffix` is `_total` for counters, `_count` for histograms. */
export function promRate(s: Selection, suffix: string, options?: PromqlOptions): string {
  return `sum ${BY_TARGET} (rate(${selector(s, options, suffix)}[${options?.range ?? '5m'}]))`;
}

/** `histogram_quantile(q, sum by (job, instance, le) (rate(selector_bucket[range])))`. */
export function promQuantile(q: number, s: Selection, options?: PromqlOptions): string {
  const buckets = `rate(${selector(s, options, '_bucket')}[${options?.range ?? '5m'}])`;
  return `histogram_quantile(${q}, sum by (job, instance, le) (${buckets}))`;
}
