// Shared helpers for the benchmarks: medians and side-by-side tables. Benchmarks run against dist/.
import { performance } from 'node:perf_hooks';

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Theil–Sen slope of `key` over the samples (`{ minute, [key]: number }`) of the last half, per 10 minutes:
 * the median of the pairwise slopes, so one sample caught mid-burst (or one dip when the allocator
 * returns memory) does not decide a verdict, as it did a least-squares fit. NaN with fewer than two.
 */
export function lastHalfSlopePer10Min(samples, key) {
  return lastHalfSlopeInterval(samples, key).slope;
}

/**
 * The same slope with Sen's 90% confidence interval (`low`, `high`; per 10 minutes), from the ranks of
 * the pairwise slopes and Kendall's S variance. It takes the samples' noise as independent, which the
 * soak's 10 s samples nearly are (lag-one autocorrelation of the residuals −0.2 to +0.2): how far a
 * flat process's slope can wander from zero by noise alone.
 */
export function lastHalfSlopeInterval(samples, key) {
  const half = samples.filter((s) => s.minute >= samples.at(-1).minute / 2);
  const slopes = [];
  for (let i = 0; i < half.length; i++) {
    for (let j = i + 1; j < half.length; j++) {
      const dx = half[j].minute - half[i].minute;
      if (dx > 0) slopes.push((half[j][key] - half[i][key]) / dx);
    }
  }
  if (slopes.length === 0) return { slope: Number.NaN, low: Number.NaN, high: Number.NaN };
  slopes.sort((a, b) => a - b);
  const n = half.length;
  const spread = 1.645 * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const last = slopes.length - 1;
  const at = (rank) => slopes[Math.min(last, Math.max(0, rank))] * 10;
  return {
    slope: median(slopes) * 10,
    low: at(Math.floor((slopes.length - spread) / 2)),
    high: at(Math.ceil((slopes.length + spread) / 2)),
  };
}

/**
 * Means of `value(point)` per 5 minutes of `point.minute`, as text ("12.0, 12.4, …"; points whose value
 * is undefined are left out). A step and a steady rise give the same slope; these tell them apart.
 */
export function meansPer5Min(points, value) {
  const groups = [];
  for (const point of points) {
    const v = value(point);
    if (v === undefined) continue;
    const at = Math.floor(point.minute / 5);
    groups[at] ??= [];
    groups[at].push(v);
  }
  return groups
    .filter(Boolean)
    .map((g) => (g.reduce((a, b) => a + b, 0) / g.length).toFixed(1))
    .join(', ');
}

/** Runs `fn` `iterations` times per round, `rounds` rounds; returns the median ns per call. */
export async function nsPerOp(fn, { iterations = 100_000, rounds = 7, warmup = 1 } = {}) {
  const samples = [];
  for (let round = 0; round < rounds + warmup; round++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) await fn();
    const elapsed = performance.now() - start;
    if (round >= warmup) samples.push((elapsed * 1e6) / iterations);
  }
  return median(samples);
}

/** Synchronous variant of nsPerOp, for code that must not pay an await per call. */
export function nsPerOpSync(fn, { iterations = 100_000, rounds = 7, warmup = 1 } = {}) {
  const samples = [];
  for (let round = 0; round < rounds + warmup; round++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    const elapsed = performance.now() - start;
    if (round >= warmup) samples.push((elapsed * 1e6) / iterations);
  }
  return median(samples);
}

export function printTable(title, rows) {
  console.log(`\n## ${title}`);
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  for (const [index, row] of rows.entries()) {
    console.log(`| ${row.map((cell, column) => String(cell).padEnd(widths[column])).join(' | ')} |`);
    if (index === 0) console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  }
}

export const fmt = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));
