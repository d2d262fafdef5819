import type { Attributes, MeterProvider } from '@opentelemetry/api';

/*
 * Cardinality bounded by construction. sdk-metrics' cumulative storage keeps every attribute set it
 * ever saw (its `cardinalityLimit` only folds extra sets into an overflow point per collection), so
 * every attribute set the SDK's own components create goes through a BoundedMap: the first `limit`
 * distinct values keep their own entry for the life of the process, later values share one overflow
 * entry, marked `otel.metric.overflow: true` as the OpenTelemetry specification names it. Sums stay
 * exact because the overflow entry carries the rest (counts, durations, queue items), never drops it.
 */

/** The attribute the OpenTelemetry specification puts on the overflow series. */
export const OVERFLOW_ATTRIBUTE = 'otel.metric.overflow';

/** Default of `cardinalityLimit` (sdk-metrics' own default). */
export const DEFAULT_CARDINALITY_LIMIT = 2000;

const limits = new WeakMap<MeterProvider, number>();

/** Records the `cardinalityLimit` in force on a provider; components built on it read it back. */
export function setCardinalityLimit(meterProvider: MeterProvider, limit: number): void {
  limits.set(meterProvider, limit);
}

/** The `cardinalityLimit` of a provider the SDK built, else {@link DEFAULT_CARDINALITY_LIMIT}. */
export function cardinalityLimitOf(meterProvider: MeterProvider): number {
  return limits.get(meterProvider) ?? DEFAULT_CARDINALITY_LIMIT;
}

/**
 * How many distinct values may keep their own series when each value makes `setsPerValue` attribute
 * sets: sdk-metrics keeps `limit - 1` sets before its own overflow point, and one value's worth of
 * sets is left for our overflow entry. `0` sends everything to the overflow entry.
 * @example distinctValuesWithin(2000, 4) // 498 task names × 4 outcomes + the overflow's 4 ≤ 1999
 */
export function distinctValuesWithin(cardinalityLimit: number, setsPerValue = 1): number {
  return Math.max(0, Math.floor((cardinalityLimit - 1) / Math.max(1, setsPerValue)) - 1);
}

/** `{ ...attributes, 'otel.metric.overflow': true }`, frozen. */
export function overflowAttributes(attributes: Attributes = {}): Attributes {
  return Object.freeze({ ...attributes, [OVERFLOW_ATTRIBUTE]: true });
}

/** Shared room for several maps of one instrument (e.g. every pool of one provider). */
export interface CardinalityBudget {
  remaining: number;
}

/**
 * A map from a value (task name, queue name, …) to what records it, bounded for the life of the
 * process: the first `limit` distinct keys (or as many as a shared budget allows) get `make(key)`;
 * every later key gets the one `makeOverflow()` entry. Lookups of overflowed keys allocate nothing.
 */
export class BoundedMap<T> {
  readonly #entries = new Map<string, T>();
  readonly #make: (key: string) => T;
  readonly #makeOverflow: () => T;
  readonly #budget: CardinalityBudget;
  #overflow: T | undefined;

  constructor(limit: number | CardinalityBudget, make: (key: string) => T, makeOverflow: () => T) {
    this.#budget = typeof limit === 'number' ? { remaining: limit } : limit;
    this.#make = make;
    this.#makeOverflow = makeOverflow;
  }

  /** The entry of `key`: its own, or the overflow entry once the bound is reached. */
  get(key: string): T {
    const entry = this.#entries.get(key);
    if (entry !== undefined) return entry;
    if (this.#budget.remaining <= 0) return this.overflowEntry();
    this.#budget.remaining--;
    const made = this.#make(key);
    this.#entries.set(key, made);
    return made;
  }

  /** The entry of `key` if it has its own; `undefined` otherwise (nothing is created). */
  own(key: string): T | undefined {
    return this.#entries.get(key);
  }

  /** The shared overflow entry (created on first use, so an unused one exports nothing). */
  overflowEntry(): T {
    this.#overflow ??= this.#makeOverflow();
    return this.#overflow;
  }

  /** True once some key went to the overflow entry. */
  get overflowed(): boolean {
    return this.#overflow !== undefined;
  }

  /** Keys with their own entry. */
  get size(): number {
    return this.#entries.size;
  }

  /** Every entry, the overflow one last when it exists. */
  *values(): IterableIterator<T> {
    yield* this.#entries.values();
    if (this.#overflow !== undefined) yield this.#overflow;
  }
}
