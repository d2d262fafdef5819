import type { Attributes } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';

/** What one endpoint keeps per format: enough for ~3,500 histogram series of 18 buckets. */
export const SERIES_CACHE_BYTES = 8 * 1024 * 1024;

/** A histogram series' encoded text and exactly what it was written from. */
interface WrittenSeries {
  readonly attributeLabels: string;
  readonly boundaries: readonly number[];
  readonly count: number | undefined;
  readonly sum: number | undefined;
  readonly counts: Float64Array;
  readonly bytes: Buffer;
  /** The body that last wrote it. */
  writtenIn: number;
}

/**
 * The encoded text of the histogram series a format wrote last time, so a series that did not change
 * between two scrapes is copied rather than written again. A histogram series is ~20 lines, and most
 * of a large scrape's series are idle (task names seen once, outcomes that rarely happen): writing
 * them afresh was ~6 MB of short-lived strings per 2,000 series, and the collections of that garbage
 * were the longest event-loop blocks of the scrape.
 *
 * A hit is exact: the labels, boundaries, count, sum and every bucket count must equal the ones the
 * cached text was written from. Series are keyed by metric (name and scope) and by their attributes
 * object, which sdk-metrics keeps for a series' lifetime. Only the series the previous body wrote are
 * kept (a series gone from the collection is forgotten at the next), within {@link SERIES_CACHE_BYTES}.
 * One cache per format: its text is that format's.
 */
export class SeriesTextCache {
  readonly #metrics = new Map<string, MetricSeriesCache>();
  #body = 0;
  /** Bytes of text kept, across metrics. */
  bytes = 0;

  constructor(readonly maxBytes = SERIES_CACHE_BYTES) {}

  /** A new body starts: the series the previous body did not write are forgotten. */
  begin(): void {
    for (const [key, metric] of this.#metrics) {
      this.bytes -= metric.forgetOlderThan(this.#body);
      if (metric.size === 0) this.#metrics.delete(key);
    }
    this.#body++;
  }

  /** The series of one metric (its Prometheus name and scope labels) in this body. */
  metric(name: string, scopeLabels: string): MetricSeriesCache {
    const key = `${name}\n${scopeLabels}`;
    let metric = this.#metrics.get(key);
    if (metric === undefined) {
      metric = new MetricSeriesCache(this);
      this.#metrics.set(key, metric);
    }
    metric.body = this.#body;
    return metric;
  }
}

export class MetricSeriesCache {
  readonly #series = new Map<Attributes, WrittenSeries>();
  body = 0;

  constructor(private readonly cache: SeriesTextCache) {}

  get size(): number {
    return this.#series.size;
  }

  /** The bytes written last time for this series, when nothing about it changed since. */
  unchanged(attributes: Attributes, attributeLabels: string, histogram: Histogram): Buffer | undefined {
    const entry = this.#series.get(attributes);
    if (entry === undefined || entry.attributeLabels !== attributeLabels || !sameHistogram(entry, histogram))
      return undefined;
    entry.writtenIn = this.body;
    return entry.bytes;
  }

  /** Encodes the series' `text` and keeps it (while the budget lasts). */
  store(attributes: Attributes, attributeLabels: string, histogram: Histogram, text: string): Buffer {
    const bytes = Buffer.from(text);
    const replaced = this.#series.get(attributes);
    if (replaced !== undefined) {
      this.#series.delete(attributes);
      this.cache.bytes -= replaced.bytes.length;
    }
    if (this.cache.bytes + bytes.length <= this.cache.maxBytes) {
      this.#series.set(attributes, {
        attributeLabels,
        boundaries: histogram.buckets.boundaries,
        count: histogram.count,
        sum: histogram.sum,
        counts: Float64Array.from(histogram.buckets.counts),
        bytes,
        writtenIn: this.body,
      });
      this.cache.bytes += bytes.length;
    }
    return bytes;
  }

  /** Drops the series not written since body `body`; returns the bytes freed. */
  forgetOlderThan(body: number): number {
    let freed = 0;
    // forEach: no [key, value] array per entry, and deleting while it runs is allowed
    this.#series.forEach((entry, attributes) => {
      if (entry.writtenIn >= body) return;
      this.#series.delete(attributes);
      freed += entry.bytes.length;
    });
    return freed;
  }
}

function sameHistogram(entry: WrittenSeries, histogram: Histogram): boolean {
  if (entry.count !== histogram.count || entry.sum !== histogram.sum) return false;
  const { boundaries, counts } = histogram.buckets;
  if (entry.boundaries !== boundaries || entry.counts.length !== counts.length) return false;
  for (let i = 0; i < counts.length; i++) if (entry.counts[i] !== counts[i]) return false;
  return true;
}
