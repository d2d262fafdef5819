/**
 * The merge's middle step: what several worker commits added to one instrument (records carry
 * totals; the difference from the last merged is new), summed per attribute set before it reaches
 * the SDK: once per attribute set and flush, instead of once per commit.
 */
import type { Attributes, Histogram } from '@opentelemetry/api';
import { attributesKey, bucketIndex, type CellAnnouncement } from './bridge-protocol.js';

/**
 * A worker cell as the main thread knows it: its attributes and their map key, and what it merged
 * of it so far (records carry totals since the worker started; the difference is what is new).
 */
export interface KnownCell {
  readonly a: Attributes;
  readonly key: string;
  /** Sums: the total merged; gauges: times set as of the value merged. */
  merged: number;
  /** Not merged yet: a sum merges even at 0, so the series exists as it would on the main thread. */
  fresh: boolean;
  /** Histograms: per bucket, the count and sum merged, and the min and max seen. */
  counts?: Float64Array;
  sums?: Float64Array;
  min: number;
  max: number;
}

/**
 * Learns an attribute set a worker announced (`[index, attributes]`) in `known`, one worker
 * session's cells of one instrument. A cell already known is kept, with what it merged.
 */
export function learnCell(known: (KnownCell | undefined)[], [index, a]: CellAnnouncement): void {
  known[index] ??= { a, key: attributesKey(a), merged: 0, fresh: true, min: Infinity, max: -Infinity };
}

/**
 * What a counter, up-down counter or gauge cell's `total` (and, for gauges, `times` set) brings that
 * was not merged yet, and marks it merged: sums bring what their total grew by (0 only the first
 * time, so the series exists as it would on the main thread); gauges bring their value when it was
 * set since the last merge (`times` moved), so a record read again never overwrites another
 * worker's newer value. Undefined: nothing new, or not a finite number (skipped).
 */
export function newSinceMerged(
  source: KnownCell,
  total: number,
  times: number,
  gauge: boolean,
): number | undefined {
  if (!Number.isFinite(total)) return undefined;
  if (gauge) {
    if (!(times > source.merged)) return undefined;
    source.merged = times;
    return total;
  }
  const grown = total - source.merged;
  source.merged = total;
  if (grown === 0 && !source.fresh) return undefined;
  source.fresh = false;
  return grown;
}

/** A list of numbers read by index: an array, or a ring record's values (`bridge-ring.ts`). */
export interface NumberList {
  readonly length: number;
  at(index: number): number;
}

interface ValueCell {
  readonly a: Attributes;
  v: number;
}

export interface BucketCell {
  readonly a: Attributes;
  /** Per bucket: recordings and the sum of their values. */
  readonly counts: Float64Array;
  readonly sums: Float64Array;
  /** The smallest and largest value recorded among these, when they are a new min or max; else ±Infinity. */
  min: number;
  max: number;
}

/** Cells of one flush, per instrument (the instrument object is the key): what is new since the last. */
export class BatchAccumulator<Instrument extends object> {
  readonly values = new Map<Instrument, Map<string, ValueCell>>();
  readonly buckets = new Map<Instrument, { boundaries: readonly number[]; cells: Map<string, BucketCell> }>();

  /** One cell's total (sums) or last value and times set (gauges). */
  addValue(instrument: Instrument, source: KnownCell, total: number, times: number, last: boolean): void {
    const v = newSinceMerged(source, total, times, last);
    if (v === undefined) return;
    let cells = this.values.get(instrument);
    if (cells === undefined) {
      cells = new Map();
      this.values.set(instrument, cells);
    }
    const cell = cells.get(source.key);
    if (cell === undefined) cells.set(source.key, { a: source.a, v });
    else cell.v = last ? v : cell.v + v;
  }

  /**
   * One histogram cell: `buckets` from `from` on holds `index, count, sum` triples, each bucket's
   * totals since its worker started; what grew since the last merge is added, with the min and max.
   */
  addBuckets(
    instrument: Instrument,
    boundaries: readonly number[],
    source: KnownCell,
    buckets: NumberList,
    from: number,
    min: number,
    max: number,
  ): void {
    if (!Number.isFinite(min) || !Number.isFinite(max)) return;
    const size = boundaries.length + 1;
    source.counts ??= new Float64Array(size);
    source.sums ??= new Float64Array(size);
    let cell: BucketCell | undefined;
    for (let i = from; i + 2 < buckets.length; i += 3) {
      const b = buckets.at(i) as number;
      if (!(b >= 0 && b < size)) continue;
      const count = buckets.at(i + 1) as number;
      const added = count - (source.counts[b] as number);
      if (!(added > 0)) continue;
      const sum = buckets.at(i + 2) as number;
      const addedSum = sum - (source.sums[b] as number);
      source.counts[b] = count;
      source.sums[b] = sum;
      cell ??= this.#bucketCell(instrument, boundaries, source, size);
      cell.counts[b] = (cell.counts[b] as number) + added;
      cell.sums[b] = (cell.sums[b] as number) + addedSum;
    }
    if (cell === undefined) return;
    if (min < source.min) {
      source.min = min;
      if (min < cell.min) cell.min = min;
    }
    if (max > source.max) {
      source.max = max;
      if (max > cell.max) cell.max = max;
    }
  }

  #bucketCell(
    instrument: Instrument,
    boundaries: readonly number[],
    source: KnownCell,
    size: number,
  ): BucketCell {
    let entry = this.buckets.get(instrument);
    if (entry === undefined) {
      entry = { boundaries, cells: new Map() };
      this.buckets.set(instrument, entry);
    }
    let cell = entry.cells.get(source.key);
    if (cell === undefined) {
      cell = {
        a: source.a,
        counts: new Float64Array(size),
        sums: new Float64Array(size),
        min: Infinity,
        max: -Infinity,
      };
      entry.cells.set(source.key, cell);
    }
    return cell;
  }
}

/**
 * Records what workers added to a bucketed histogram into a main-thread histogram with the same
 * boundaries, exactly: a new global min or max is recorded as itself (in the bucket that holds it)
 * and each bucket's other recordings as their mean, which lies inside the bucket and between the
 * min and max. Bucket counts, count, min and max are the workers'; the sum is theirs up to
 * floating-point rounding. Costs one `record` per recording — the SDK's histogram API takes no
 * weights. With other boundaries (a View on the main thread) the count, sum, min and max still hold
 * and a bucket's recordings land where their mean does.
 */
export function replayHistogram(histogram: Histogram, boundaries: readonly number[], cell: BucketCell): void {
  const { a, counts, sums, min, max } = cell;
  const minBucket = Number.isFinite(min) ? bucketIndex(boundaries, min) : -1;
  const maxBucket = Number.isFinite(max) ? bucketIndex(boundaries, max) : -1;
  for (let b = 0; b < counts.length; b++) {
    let n = counts[b] as number;
    if (n <= 0) continue;
    let sum = sums[b] as number;
    if (b === minBucket) {
      histogram.record(min, a);
      sum -= min;
      n--;
    }
    if (b === maxBucket && n > 0) {
      histogram.record(max, a);
      sum -= max;
      n--;
    }
    if (n <= 0) continue;
    const upper = b < boundaries.length ? (boundaries[b] as number) : Infinity;
    const lower = b > 0 ? (boundaries[b - 1] as number) : -Infinity;
    let mean = sum / n;
    // rounding may push the mean across an edge: keep it in (lower, upper]
    if (mean > upper) mean = upper;
    if (!(mean > lower))
      mean = Number.isFinite(upper) ? upper : Math.max(max, lower + Math.abs(lower) * Number.EPSILON);
    for (let k = 0; k < n; k++) histogram.record(mean, a);
  }
}
