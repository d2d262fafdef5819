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
  const half = samples.filter((s) => s.minute >= samples.at(-1).minute / 2);
  const slopes = [];
  for (let i = 0; i < half.length; i++) {
    for (let j = i + 1; j < half.length; j++) {
      const dx = half[j].minute - half[i].minute;
      if (dx > 0) slopes.push((half[j][key] - half[i][key]) / dx);
    }
  }
  return slopes.length === 0 ? Number.NaN : median(slopes) * 10;
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
