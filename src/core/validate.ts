import { ConfigError } from './errors.js';

/*
 * Imperative checks still used by the host-metrics and monitor options (not yet moved to schemas).
 * New options are declared with the valibot helpers of options-schema.ts instead; both throw the same
 * ConfigError with the same `<field> must be …, got <value>` messages.
 */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function expectObject(value: unknown, field: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new ConfigError(field, `must be an object, got ${describe(value)}`);
  return value;
}

export function rejectUnknownKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  field: string,
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new ConfigError(`${field}.${key}`, `is not a known option (known: ${known.join(', ')})`);
    }
  }
}

export function expectBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(field, `must be a boolean, got ${describe(value)}`);
  return value;
}

export function expectPositiveMillis(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(field, `must be a positive number of milliseconds, got ${describe(value)}`);
  }
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}
