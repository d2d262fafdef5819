// Shared helpers for the benchmarks: medians and side-by-side tables. Benchmarks run against dist/.
import { performance } from 'node:perf_hooks';

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
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
