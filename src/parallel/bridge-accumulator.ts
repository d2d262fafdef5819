/**
 * The merge's middle step: what several worker batches recorded into one instrument, summed per
 * attribute set before it reaches the SDK. A chunk answer carries one batch, so a busy pool sends
 * thousands of small batches a second; going through the SDK once per attribute set and flush,
 * instead of once per batch, keeps the main thread's share to about a JSON parse per chunk.
 */
import type { Attributes, Histogram } from '@opentelemetry/api';
import { attributesKey, type BridgedPoint, bucketIndex, type CellRef } from './bridge-protocol.js';

/** A worker cell as the main thread knows it: its attributes and their map key. */
export interface KnownCell {
  readonly a: Attributes;
  readonly key: string;
}

/**
 * The attribute set a point refers to, learning it on first sight (`[index, attributes]`) in
 * `known`, one worker session's cells of one instrument; undefined for an index never announced.
 */
export function resolveCell(known: (KnownCell | undefined)[], ref: CellRef): KnownCell | undefined {
  if (typeof ref === 'number') return known[ref];
  const [index, a] = ref;
  const cell = { a, key: attributesKey(a) };
  known[index] = cell;
  return cell;
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
  min: number;
  max: number;
}

/** Cells of one flush, per instrument (the instrument object is the key). */
export class BatchAccumulator<Instrument extends object> {
  readonly values = new Map<Instrument, Map<string, ValueCell>>();
  readonly buckets = new Map<Instrument, { boundaries: readonly number[]; cells: Map<string, BucketCell> }>();

  /** Counters and up-down counters sum their points; gauges keep the last. */
  addValues(
    instrument: Instrument,
    known: (KnownCell | undefined)[],
    points: readonly BridgedPoint[],
    last: boolean,
  ): void {
    let cells = this.values.get(instrument);
    if (cells === undefined) {
      cells = new Map();
      this.values.set(instrument, cells);
    }
    for (const [ref, v] of points) {
      const source = resolveCell(known, ref);
      if (typeof v !== 'number' || source === undefined) continue;
      const cell = cells.get(source.key);
      if (cell === undefined) cells.set(source.key, { a: source.a, v });
      else cell.v = last ? v : cell.v + v;
    }
  }

  addHistogram(
    instrument: Instrument,
    boundaries: readonly number[],
    known: (KnownCell | undefined)[],
    points: readonly BridgedPoint[],
  ): void {
    let entry = this.buckets.get(instrument);
    if (entry === undefined) {
      entry = { boundaries, cells: new Map() };
      this.buckets.set(instrument, entry);
    }
    const size = boundaries.length + 1;
    for (const point of points) {
      if (point.length !== 4) continue;
      const [ref, buckets, min, max] = point;
      const source = resolveCell(known, ref);
      if (min === null || max === null || source === undefined) continue;
      let cell = entry.cells.get(source.key);
      if (cell === undefined) {
        cell = { a: source.a, counts: new Float64Array(size), sums: new Float64Array(size), min, max };
        entry.cells.set(source.key, cell);
      } else {
        if (min < cell.min) cell.min = min;
        if (max > cell.max) cell.max = max;
      }
      for (let i = 0; i + 2 < buckets.length; i += 3) {
        const b = buckets[i] as number;
        if (b < 0 || b >= size) continue;
        cell.counts[b] = (cell.counts[b] as number) + (buckets[i + 1] as number);
        cell.sums[b] = (cell.sums[b] as number) + (buckets[i + 2] as number);
      }
    }
  }
}

/**
 * Records a worker's bucketed histogram into a main-thread histogram with
 * the same boundaries, exactly: per bucket, the global min and max are
 * recorded as themselves (in the bucket that holds them) and the bucket's
 * other recordings as their mean, which lies inside the bucket. Bucket
 * counts, count, min and max are the worker's; the sum is the worker's up to
 * floating-point rounding. Costs one `record` per recording — the SDK's
 * histogram API takes no weights. With other boundaries (a View on the main
 * thread) the count, sum, min and max still hold and a bucket's recordings
 * land where their mean does.
 */
export function replayHistogram(histogram: Histogram, boundaries: readonly number[], cell: BucketCell): void {
  const { a, counts, sums, min, max } = cell;
  const minBucket = bucketIndex(boundaries, min);
  const maxBucket = bucketIndex(boundaries, max);
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
    if (!(mean > lower)) mean = Math.min(upper, max);
    for (let k = 0; k < n; k++) histogram.record(mean, a);
  }
}
