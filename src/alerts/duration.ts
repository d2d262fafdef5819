import { AlertConfigError } from './errors.js';
import type { Duration } from './types.js';

const UNIT_MILLIS: Readonly<Record<string, number>> = Object.freeze({
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
});
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * Parses a Prometheus-style duration (`'500ms'`, `'30s'`, `'1m30s'`) or a
 * number of milliseconds; throws {@link AlertConfigError} naming `field`.
 */
export function parseDuration(value: Duration | undefined, field: string): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new AlertConfigError(
        field,
        `must be a non-negative number of milliseconds or a duration like '30s'`,
      );
    return value;
  }
  if (typeof value === 'string' && value.length > 0) {
    let total = 0;
    PART.lastIndex = 0;
    while (PART.lastIndex < value.length) {
      const m = PART.exec(value);
      if (!m) break;
      total += Number(m[1]) * (UNIT_MILLIS[m[2] as string] as number);
      if (PART.lastIndex === value.length) return total;
    }
  }
  throw new AlertConfigError(field, `must be a non-negative number of milliseconds or a duration like '30s'`);
}

/** Formats milliseconds as a Prometheus duration (`90000` → `'1m30s'`, `0` → `'0s'`). */
export function formatDuration(millis: number): string {
  if (millis <= 0) return '0s';
  let rest = Math.round(millis);
  let out = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
