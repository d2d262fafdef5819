/**
 * The histogram half of the query layer (see query.ts): differences of cumulative histograms,
 * Prometheus-style `sum by (le)` merging, windowed distributions and `histogram_quantile`.
 */
import {
  type ExponentialBuckets,
  exponentialDelta,
  exponentialQuantile,
  mergeExponential,
} from './exponential-histogram.js';
import { type HistogramBuckets, type Sample, type Series, seriesKey } from './query.js';

/** An exponential histogram as {@link HistogramBuckets} (empty explicit buckets). */
function fromExponential(e: ExponentialBuckets): HistogramBuckets {
  return { boundaries: [], counts: [], count: e.count, sum: e.sum, exponential: e };
}

/** Difference of two cumulative histograms of one series; the current one when it was reset. */
export function histogramDelta(prev: HistogramBuckets | undefined, curr: HistogramBuckets): HistogramBuckets {
  if (curr.exponential) return fromExponential(exponentialDelta(prev?.exponential, curr.exponential));
  if (!prev || isReset(prev, curr)) return curr;
  const counts = curr.counts.map((c, i) => c - (prev.counts[i] ?? 0));
  return { boundaries: curr.boundaries, counts, count: curr.count - prev.count, sum: curr.sum - prev.sum };
}

/** A cumulative histogram restarted if its count or any bucket went down (or its shape changed). */
function isReset(prev: HistogramBuckets, curr: HistogramBuckets): boolean {
  if (curr.count < prev.count || prev.counts.length !== curr.counts.length) return true;
  for (let i = 0; i < curr.counts.length; i++)
    if ((curr.counts[i] as number) < (prev.counts[i] as number)) return true;
  return false;
}

/**
 * Adds histograms bucket by bucket (Prometheus' `sum by (le)`). Series whose
 * boundaries differ from the first one's are skipped. `undefined` when none.
 */
export function mergeHistograms(list: readonly (HistogramBuckets | Series)[]): HistogramBuckets | undefined {
  const histograms = list.map((item) => ('counts' in item ? item : item.histogram));
  const exponential = histograms.flatMap((h) => (h?.exponential ? [h.exponential] : []));
  if (exponential.length > 0) {
    const merged = mergeExponential(exponential);
    return merged && fromExponential(merged);
  }
  let boundaries: readonly number[] | undefined;
  let counts: number[] = [];
  let count = 0;
  let sum = 0;
  for (const item of list) {
    const h = 'counts' in item ? item : item.histogram;
    if (!h) continue;
    if (!boundaries) {
      boundaries = h.boundaries;
      counts = h.counts.slice();
    } else if (sameBoundaries(boundaries, h.boundaries)) {
      for (let i = 0; i < counts.length; i++) counts[i] = (counts[i] ?? 0) + (h.counts[i] ?? 0);
    } else {
      continue;
    }
    count += h.count;
    sum += h.sum;
  }
  return boundaries ? { boundaries, counts, count, sum } : undefined;
}

function sameBoundaries(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The merged histogram of what each series observed since `prev` (a windowed
 * distribution), reset-safe per series. Without `prev`, since the start.
 */
export function windowedHistogram(
  prev: ReadonlyMap<string, Sample> | undefined,
  curr: readonly Series[],
): HistogramBuckets | undefined {
  if (curr.some((s) => s.histogram?.exponential)) {
    const deltas = curr.flatMap((s) => {
      const now = s.histogram?.exponential;
      return now ? [exponentialDelta(prev?.get(seriesKey(s))?.histogram?.exponential, now)] : [];
    });
    const merged = mergeExponential(deltas);
    return merged && fromExponential(merged);
  }
  let boundaries: readonly number[] | undefined;
  let counts: number[] = [];
  let count = 0;
  let sum = 0;
  for (const s of curr) {
    const h = s.histogram;
    if (!h) continue;
    if (!boundaries) {
      boundaries = h.boundaries;
      counts = new Array<number>(h.counts.length).fill(0);
    } else if (!sameBoundaries(boundaries, h.boundaries)) {
      continue;
    }
    const before = prev?.get(seriesKey(s))?.histogram;
    if (before && !isReset(before, h)) {
      for (let i = 0; i < counts.length; i++) {
        counts[i] = (counts[i] as number) + (h.counts[i] as number) - (before.counts[i] as number);
      }
      count += h.count - before.count;
      sum += h.sum - before.sum;
    } else {
      for (let i = 0; i < counts.length; i++) counts[i] = (counts[i] as number) + (h.counts[i] ?? 0);
      count += h.count;
      sum += h.sum;
    }
  }
  return boundaries ? { boundaries, counts, count, sum } : undefined;
}

/**
 * The q-quantile of a bucketed distribution, interpolated linearly within the
 * bucket that holds the rank, as Prometheus' `histogram_quantile` does: NaN
 * with no observations; the highest finite boundary when the rank falls in
 * the `+Inf` bucket; the first bucket interpolates from 0 (or returns its
 * bound when that is ≤ 0); q < 0 → -Inf, q > 1 → +Inf.
 */
export function histogramQuantile(q: number, h: HistogramBuckets | undefined): number {
  if (h?.exponential) return exponentialQuantile(q, h.exponential);
  if (!h || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const { boundaries, counts } = h;
  const n = boundaries.length;
  if (n === 0) return Number.NaN;
  const cumulative: number[] = new Array(n + 1);
  let acc = 0;
  for (let i = 0; i <= n; i++) {
    acc += counts[i] ?? 0;
    cumulative[i] = acc;
  }
  if (acc <= 0) return Number.NaN;
  let rank = q * acc;
  // sort.Search over the finite buckets, as promql/quantile.go does.
  let b = 0;
  while (b < n && (cumulative[b] as number) < rank) b++;
  if (b === n) return boundaries[n - 1] as number;
  const end = boundaries[b] as number;
  if (b === 0 && end <= 0) return end;
  let start = 0;
  let count = cumulative[b] as number;
  if (b > 0) {
    start = boundaries[b - 1] as number;
    count -= cumulative[b - 1] as number;
    rank -= cumulative[b - 1] as number;
  }
  return start + (end - start) * (rank / count);
}
