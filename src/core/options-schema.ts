import * as v from 'valibot';
import { ConfigError } from './errors.js';
import { describe, isPlainObject } from './validate.js';

/*
 * The one option system. Every options object of the package is one valibot declaration built from the
 * helpers below: the same declaration validates at run time and (checked by `MatchesSchema`) types the
 * public `XxxOptions` interface, so a key can no longer be typed in one place and forgotten in the other.
 * Every issue becomes a ConfigError whose `field` is the full path (`options.memory.maxMemoryMb`) and whose
 * message reads `<field> must be …, got <value>`. Components re-export nothing of valibot: they import `v`
 * from here, so the schema library is a detail of src/core.
 */
export { isPlainObject, v };

/** Any schema the helpers build (synchronous, with its issues). */
export type Schema<TInput = unknown, TOutput = TInput> = v.GenericSchema<TInput, TOutput>;

/** `true` when `A` and `B` have the same keys and are assignable both ways. */
export type MatchesSchema<A, B> = [A, keyof A] extends [B, keyof B]
  ? [B, keyof B] extends [A, keyof A]
    ? true
    : false
  : false;

/**
 * Compile-time check that an options interface and its schema agree:
 * `export type XMatchesSchema = Assert<MatchesSchema<XOptions, v.InferInput<typeof X_SCHEMA>>>`
 * fails `tsc` when a key is added to one and not the other.
 */
export type Assert<T extends true> = T;

/** A number that passes `ok`; NaN, strings and the rest fail with `message`. */
function numberWhere(ok: (n: number) => boolean, message: string) {
  return v.pipe(v.number(message), v.check(ok, message));
}

/** An integer in [min, max]. The message says the range the way users read it. */
export function integer(min = 0, max = Number.MAX_SAFE_INTEGER) {
  const range =
    max !== Number.MAX_SAFE_INTEGER
      ? `between ${min} and ${max}`
      : min === 1
        ? 'a positive integer'
        : min === 0
          ? 'a non-negative integer'
          : `>= ${min}`;
  const message = range.startsWith('a ') ? `must be ${range}` : `must be an integer ${range}`;
  return numberWhere((n) => Number.isSafeInteger(n) && n >= min && n <= max, message);
}

/** A finite number > 0 (`unit` completes the message, e.g. 'milliseconds', 'MiB'). */
export function positive(unit?: string) {
  return numberWhere(
    (n) => Number.isFinite(n) && n > 0,
    unit ? `must be a positive number of ${unit}` : 'must be a positive finite number',
  );
}

/** A finite number >= 0. */
export function nonNegative(unit?: string) {
  return numberWhere(
    (n) => Number.isFinite(n) && n >= 0,
    unit ? `must be a non-negative number of ${unit}` : 'must be a non-negative finite number',
  );
}

/** A fraction in (0, 1]. */
export function fraction() {
  return numberWhere((n) => n > 0 && n <= 1, 'must be a number in (0, 1]');
}

/** A finite number (thresholds). */
export function finite() {
  return numberWhere(Number.isFinite, 'must be a finite number');
}

export function nonEmptyString() {
  return v.pipe(
    v.string('must be a non-empty string'),
    v.check((s) => s.trim() !== '', 'must be a non-empty string'),
  );
}

export function boolean() {
  return v.boolean('must be a boolean');
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return v.picklist(values, `must be one of ${values.map((value) => `'${value}'`).join(', ')}`);
}

/** An http(s) URL string. */
export function httpUrl() {
  return v.pipe(
    v.string('must be an http(s) URL'),
    v.check((s) => /^https?:\/\/[^/\s]/.test(s) && URL.canParse(s), 'must be an http(s) URL'),
  );
}

/** A value `ok` accepts, typed as `T` (functions, objects with methods). */
export function satisfies<T>(ok: (value: unknown) => boolean, message: string) {
  return v.custom<T>(ok, message);
}

export function fn<T extends (...args: never[]) => unknown>() {
  return v.custom<T>((value) => typeof value === 'function', 'must be a function');
}

/** `{ [key: string]: string }`, keys optionally restricted by `keyPattern`. */
export function stringRecord(keyPattern?: RegExp, keyMessage = 'is not a valid key') {
  const record = v.record(
    keyPattern ? v.pipe(v.string(), v.regex(keyPattern, keyMessage)) : v.string(),
    v.string('must be a string'),
    'must be an object of strings',
  );
  return v.pipe(v.custom<v.InferInput<typeof record>>(isPlainObject, 'must be an object of strings'), record);
}

/**
 * A strict options object: unknown keys are refused (`is not a known option`), arrays and null are not
 * objects. Every entry should be optional; required ones say `is required`.
 */
export function options<const E extends v.ObjectEntries>(entries: E) {
  const keys = Object.keys(entries);
  const object = v.strictObject(entries, (issue) =>
    issue.expected === 'never'
      ? unknownKeyMessage(String(issue.input), keys)
      : issue.input === undefined
        ? 'is required'
        : 'must be an object',
  );
  return v.pipe(v.custom<v.InferInput<typeof object>>(isPlainObject, 'must be an object'), object);
}

/** Typos (`maxMemoryMB`, `maxWorker`) get a suggestion; anything else the list of known keys. */
function unknownKeyMessage(key: string, known: readonly string[]): string {
  const near = known.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
  return near
    ? `is not a known option (did you mean '${near}'?)`
    : `is not a known option (known: ${known.join(', ')})`;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1);
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** `false` (switched off) or the options object. */
export function orFalse<TInput, TOutput>(schema: Schema<TInput, TOutput>) {
  return v.union([v.literal(false), schema], 'must be false or an object');
}

/**
 * Validates `input` against `schema`; throws a {@link ConfigError} for the first issue, its field being
 * `field` (the caller's prefix: `options`, `options.memory`, `OTEL_…`) followed by the issue's path.
 */
export function parseOptions<TInput, TOutput>(
  schema: Schema<TInput, TOutput>,
  input: unknown,
  field = 'options',
  ErrorClass: ConfigErrorClass = ConfigError,
): TOutput {
  // All issues, not the first: an unknown key (`thresold`) explains a missing one (`threshold`) and wins.
  const result = v.safeParse(schema, input, { abortPipeEarly: true });
  if (result.success) return result.output;
  const unknownKey = result.issues.find(
    (issue) => issue.type === 'strict_object' && issue.expected === 'never',
  );
  throw toConfigError(unknownKey ?? result.issues[0], field, ErrorClass);
}

/** ConfigError or a subclass of it (alerts keep `AlertConfigError` for its name). */
export type ConfigErrorClass = new (field: string, message: string) => ConfigError;

type Issue = v.BaseIssue<unknown>;

const isUnknownKey = (issue: Issue): boolean => issue.type === 'strict_object' && issue.expected === 'never';

function toConfigError(issue: Issue, prefix: string, ErrorClass: ConfigErrorClass): ConfigError {
  const field = prefix + pathOf(issue);
  // A union (`false` or an object) reports all its branches; the one that got deepest is the user's intent.
  if (issue.type === 'union' && issue.issues?.length) {
    const inside = issue.issues.filter((sub) => (sub.path?.length ?? 0) > 0);
    const pick = inside.find(isUnknownKey) ?? inside.sort((a, b) => b.path!.length - a.path!.length)[0];
    if (pick) return toConfigError(pick, field, ErrorClass);
  }
  // An unknown or missing key has no value worth echoing: the message says what is wrong with the key.
  if (issue.type === 'strict_object') return new ErrorClass(field, issue.message);
  return new ErrorClass(field, `${issue.message}, got ${describe(issue.input)}`);
}

function pathOf(issue: Issue): string {
  let out = '';
  for (const item of issue.path ?? []) {
    const key = (item as { key: unknown }).key;
    out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return out;
}

/** A cross-field or semantic failure found after the schema passed, in the same message style. */
export function configError(
  field: string,
  message: string,
  value: unknown,
  ErrorClass: ConfigErrorClass = ConfigError,
): ConfigError {
  return new ErrorClass(field, `${message}, got ${describe(value)}`);
}
