import { ConfigError } from './errors.js';

/** Small, dependency-free checks shared by every options schema; each names the field it rejects. */

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

export function expectString(value: unknown, field: string, { allowEmpty = false } = {}): string {
  if (typeof value !== 'string' || (!allowEmpty && value.trim() === '')) {
    throw new ConfigError(field, `must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

export function expectBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(field, `must be a boolean, got ${describe(value)}`);
  return value;
}

export function expectInteger(
  value: unknown,
  field: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER } = {},
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    throw new ConfigError(field, `must be an integer ${range}, got ${describe(value)}`);
  }
  return value;
}

export function expectPositiveMillis(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(field, `must be a positive number of milliseconds, got ${describe(value)}`);
  }
  return value;
}

export function expectOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(
      field,
      `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}`,
    );
  }
  return value as T;
}

export function expectStringRecord(value: unknown, field: string): Record<string, string> {
  const record = expectObject(value, field);
  for (const [key, entry] of Object.entries(record)) {
    if (typeof entry !== 'string')
      throw new ConfigError(`${field}.${key}`, `must be a string, got ${describe(entry)}`);
  }
  return record as Record<string, string>;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}
