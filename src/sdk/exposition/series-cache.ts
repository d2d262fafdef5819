import type { Attributes } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';

/** What one endpoint keeps per format: enough for ~3,500 histogram series of 18 buckets. */
export const SERIES_CACHE_BYTES = 8 * 1024 * 1024;

/** A histogram series' encoded text and exactly what it was written from. */
interface WrittenSeries {
  readonly attributeLabels: string;
  readonly boundaries: readonly number[];
  count: number | undefined;
  sum: number | undefined;
  readonly counts: Float64Array;
  bytes: Buffer;
  /** Where each sample line's value starts and ends in `bytes` (the rest of the text never changes). */
  readonly valueStarts: Uint32Array;
  readonly valueEnds: Uint32Array;
  /** The body that last wrote it. */
  writtenIn: number;
}

/**
 * The encoded text of the histogram series a format wrote last time. A series that did not change
 * between two scrapes is copied as it is; one whose values changed is patched: the text between its
 * values (names, labels, `le`) is copied and the new values are written in. Writing every series
 * afresh was ~6 MB of short-lived strings per 2,000 series and scrape (plus as much again flattening
 * them to encode), and the collections of that garbage were the longest event-loop blocks of the scrape.
 *
 * A copy is exact: the labels, boundaries, count, sum and every bucket count must equal the ones the
 * cached text was written from; a patch needs the same labels, boundaries and number of lines, and
 * takes its values from the same function a fresh write does. Series are keyed by metric (name and
 * scope) and by their attributes object, which sdk-metrics keeps for a series' lifetime. Only the
 * series the previous body wrote are kept (a series gone from the collection is forgotten at the
 * next), within {@link SERIES_CACHE_BYTES}. One cache per format: its text is that format's.
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

  /**
   * The series' bytes written anew from the ones kept, when only its values changed: the text between
   * the values is copied, the new `values` (in line order) are written in, and the result is kept.
   */
  patched(
    attributes: Attributes,
    attributeLabels: string,
    histogram: Histogram,
    values: readonly string[],
  ): Buffer | undefined {
    const entry = this.#series.get(attributes);
    if (
      entry === undefined ||
      entry.attributeLabels !== attributeLabels ||
      entry.boundaries !== histogram.buckets.boundaries ||
      entry.valueStarts.length !== values.length
    )
      return undefined;
    const old = entry.bytes;
    const { valueStarts: starts, valueEnds: ends } = entry;
    let size = old.length;
    for (let i = 0; i < values.length; i++) size += values[i]!.length - (ends[i]! - starts[i]!);
    const bytes = Buffer.allocUnsafe(size);
    let from = 0;
    let to = 0;
    for (let i = 0; i < values.length; i++) {
      const oldEnd = ends[i]!;
      to += old.copy(bytes, to, from, starts[i]);
      starts[i] = to;
      to += bytes.write(values[i]!, to, 'latin1'); // numbers, +Inf, NaN: ASCII
      ends[i] = to;
      from = oldEnd;
    }
    old.copy(bytes, to, from);
    this.cache.bytes += bytes.length - old.length;
    entry.bytes = bytes;
    entry.count = histogram.count;
    entry.sum = histogram.sum;
    entry.counts.set(histogram.buckets.counts);
    entry.writtenIn = this.body;
    return bytes;
  }

  /** Encodes the series' `text` and keeps it (while the budget lasts). */
  store(attributes: Attributes, attributeLabels: string, histogram: Histogram, text: string): Buffer {
    const bytes = Buffer.from(text);
    const replaced = this.#series.get(attributes);
    if (replaced !== undefined) {
      this.#series.delete(attributes);
      this.cache.bytes -= replaced.bytes.length;
    }
    if (this.cache.bytes + bytes.length > this.cache.maxBytes) return bytes;
    const { starts, ends } = valueOffsets(bytes);
    this.#series.set(attributes, {
      attributeLabels,
      boundaries: histogram.buckets.boundaries,
      count: histogram.count,
      sum: histogram.sum,
      counts: float64Copy(histogram.buckets.counts),
      bytes,
      valueStarts: starts,
      valueEnds: ends,
      writtenIn: this.body,
    });
    this.cache.bytes += bytes.length;
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

const NEWLINE = 0x0a;
const SPACE = 0x20;

/**
 * Where each line's value is: from after the line's last space to its newline. Label values cannot
 * end a line early (a newline in them is escaped) and the value has no space in it.
 */
function valueOffsets(bytes: Buffer): { starts: Uint32Array; ends: Uint32Array } {
  let lines = 0;
  for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) lines++;
  const starts = new Uint32Array(lines);
  const ends = new Uint32Array(lines);
  let lineStart = 0;
  for (let i = 0; i < lines; i++) {
    const end = bytes.indexOf(NEWLINE, lineStart);
    starts[i] = bytes.lastIndexOf(SPACE, end) + 1;
    ends[i] = end;
    lineStart = end + 1;
  }
  return { starts, ends };
}

function sameHistogram(entry: WrittenSeries, histogram: Histogram): boolean {
  if (entry.count !== histogram.count || entry.sum !== histogram.sum) return false;
  const { boundaries, counts } = histogram.buckets;
  if (entry.boundaries !== boundaries || entry.counts.length !== counts.length) return false;
  for (let i = 0; i < counts.length; i++) if (entry.counts[i] !== counts[i]) return false;
  return true;
}

/** A copy without `Float64Array.from`, which may take the iterator path (an object per value). */
function float64Copy(values: readonly number[]): Float64Array {
  const copy = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) copy[i] = values[i] as number;
  return copy;
}
