/**
 * Base-2 exponential histograms (OpenTelemetry's `ExponentialHistogram` aggregation) in the query
 * layer: bucket `i` of scale `s` holds values in (base^i, base^(i+1)], base = 2^(2^-s). Differences of
 * cumulative readings, merges across series (aligned to the coarser scale, as the SDK does) and
 * quantiles with log-linear interpolation inside the bucket, as Prometheus does for native histograms.
 * Only positive values are kept (durations and sizes); the negative range is ignored.
 */

export interface ExponentialBuckets {
  readonly scale: number;
  readonly zeroCount: number;
  /** Index of `counts[0]`. */
  readonly offset: number;
  /** Non-cumulative counts of the positive buckets `offset`, `offset + 1`, … */
  readonly counts: readonly number[];
  readonly count: number;
  readonly sum: number;
}

/** The same observations at a coarser `scale` (bucket i → floor(i / 2^(from − to))). */
export function downscale(h: ExponentialBuckets, scale: number): ExponentialBuckets {
  if (scale >= h.scale || h.counts.length === 0) return scale >= h.scale ? h : { ...h, scale };
  const shift = h.scale - scale;
  const first = h.offset >> shift;
  const last = (h.offset + h.counts.length - 1) >> shift;
  const counts = new Array<number>(last - first + 1).fill(0);
  for (let i = 0; i < h.counts.length; i++) {
    const at = ((h.offset + i) >> shift) - first;
    counts[at] = (counts[at] as number) + (h.counts[i] as number);
  }
  return { ...h, scale, offset: first, counts };
}

/** Adds (sign 1) or subtracts (sign −1) `b` from `a`, both brought to the coarser scale. */
function combine(a: ExponentialBuckets, b: ExponentialBuckets, sign: 1 | -1): ExponentialBuckets {
  const scale = Math.min(a.scale, b.scale);
  const x = downscale(a, scale);
  const y = downscale(b, scale);
  if (x.counts.length === 0) return sign === 1 ? y : { ...y, counts: y.counts.map((c) => -c) };
  const first = y.counts.length === 0 ? x.offset : Math.min(x.offset, y.offset);
  const last = Math.max(x.offset + x.counts.length, y.offset + y.counts.length) - 1;
  const counts = new Array<number>(Math.max(0, last - first + 1)).fill(0);
  x.counts.forEach((c, i) => {
    counts[x.offset + i - first] = (counts[x.offset + i - first] as number) + c;
  });
  y.counts.forEach((c, i) => {
    counts[y.offset + i - first] = (counts[y.offset + i - first] as number) + sign * c;
  });
  return {
    scale,
    offset: first,
    counts,
    zeroCount: x.zeroCount + sign * y.zeroCount,
    count: x.count + sign * y.count,
    sum: x.sum + sign * y.sum,
  };
}

export function mergeExponential(list: readonly ExponentialBuckets[]): ExponentialBuckets | undefined {
  let out: ExponentialBuckets | undefined;
  for (const h of list) out = out ? combine(out, h, 1) : h;
  return out;
}

/**
 * What `curr` observed since `prev` (both cumulative readings of one series); `curr` itself when the
 * series was reset (its count or any bucket went down).
 */
export function exponentialDelta(
  prev: ExponentialBuckets | undefined,
  curr: ExponentialBuckets,
): ExponentialBuckets {
  if (!prev || curr.count < prev.count) return curr;
  const delta = combine(curr, prev, -1);
  if (delta.zeroCount < 0 || delta.counts.some((c) => c < 0)) return curr;
  return delta;
}

/**
 * The q-quantile: the rank's bucket, then log-linear interpolation inside it (the bucket's width is
 * the worst-case relative error: 2^(2^-scale) − 1, 4.4 % at scale 4). NaN with no observations;
 * 0 when the rank falls among zeros.
 */
export function exponentialQuantile(q: number, h: ExponentialBuckets | undefined): number {
  if (!h || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const total = h.zeroCount + h.counts.reduce((a, c) => a + c, 0);
  if (total <= 0) return Number.NaN;
  let rank = q * total;
  if (rank <= h.zeroCount) return 0;
  rank -= h.zeroCount;
  const base = 2 ** (2 ** -h.scale);
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i] as number;
    if (c <= 0) continue;
    if (rank <= c) {
      const lower = base ** (h.offset + i);
      return lower * base ** (rank / c);
    }
    rank -= c;
  }
  return base ** (h.offset + h.counts.length);
}
