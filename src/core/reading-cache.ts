import {
  type Attributes,
  type BatchObservableCallback,
  type BatchObservableResult,
  createNoopMeter,
  diag,
  type Meter,
  type MeterOptions,
  type MeterProvider,
  type MetricOptions,
  type Observable,
  type ObservableCallback,
  type ObservableCounter,
  type ObservableGauge,
  type ObservableResult,
  type ObservableUpDownCounter,
} from '@opentelemetry/api';

/**
 * Observable callbacks run on *every* reader's collect (the SDK has up to
 * three). A `ReadingCache` makes one reading serve them all: it is reused
 * while younger than `maxAgeMillis`, and concurrent collects share the
 * reading in flight.
 */
export class ReadingCache<T> {
  #value: T | undefined;
  #takenAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<T> | undefined;
  /** How many real readings were taken (tests assert on it). */
  reads = 0;

  constructor(
    private readonly load: () => T | Promise<T>,
    private readonly maxAgeMillis: number,
    private readonly now: () => number,
  ) {}

  get(): Promise<T> {
    if (this.#value !== undefined && this.now() - this.#takenAt < this.maxAgeMillis) {
      return Promise.resolve(this.#value);
    }
    if (this.#inflight) return this.#inflight;
    this.reads++;
    // Age counts from the start of the reading, so a reader collecting every
    // intervalMillis always finds it expired, however long the reading took.
    const startedAt = this.now();
    const inflight = (async () => {
      // Yield first: a loader that throws synchronously must not clear
      // #inflight before it is set below (that left a rejected promise cached forever).
      await undefined;
      try {
        const value = await this.load();
        this.#value = value;
        this.#takenAt = startedAt;
        return value;
      } finally {
        this.#inflight = undefined;
      }
    })();
    this.#inflight = inflight;
    return inflight;
  }
}

/** One value an observable callback observed, kept to be replayed to every reader. */
export interface CachedObservation {
  /** Name of the instrument observed. */
  readonly name: string;
  /** The real instrument (for batch callbacks); `undefined` for a single-instrument callback. */
  readonly instrument: Observable | undefined;
  readonly value: number;
  readonly attributes: Attributes | undefined;
}

/** Options of {@link CachingMeterProvider}. */
export interface CachingMeterProviderOptions {
  /** How long one reading is replayed, in milliseconds, counted from the start of the reading. */
  maxAgeMillis: number;
  /** Clock in milliseconds. Default `performance.now`. */
  now?: () => number;
  /** Observable instruments, by name, that are never registered: created on a no-op meter, their observations dropped. */
  omit?: readonly string[];
  /** Rewrites each fresh reading of a batch callback before it is kept (e.g. sums per-CPU series). */
  reduce?: (observations: CachedObservation[]) => CachedObservation[];
  /**
   * Reshapes an observable instrument at creation (name, kind, unit) — how a library's instruments are
   * brought to the semantic conventions in force. Default: as the library asked.
   */
  shape?: (name: string, kind: ObservableKind, options: MetricOptions | undefined) => ObservableShape;
  /** Rewrites each observation's attributes (after `reduce`), e.g. renamed attribute keys. */
  mapAttributes?: (instrument: string, attributes: Attributes | undefined) => Attributes | undefined;
}

/** Observable instrument kinds, as the Meter API names their factories. */
export type ObservableKind = 'gauge' | 'counter' | 'upDownCounter';

/** What {@link CachingMeterProviderOptions.shape} returns. */
export interface ObservableShape {
  name: string;
  kind: ObservableKind;
  options: MetricOptions | undefined;
}

const EMPTY_READING = new Error('empty reading');

function createObservable(
  meter: Meter,
  kind: ObservableKind,
  name: string,
  options: MetricOptions | undefined,
): Observable {
  if (kind === 'counter') return meter.createObservableCounter(name, options);
  if (kind === 'upDownCounter') return meter.createObservableUpDownCounter(name, options);
  return meter.createObservableGauge(name, options);
}

/**
 * A MeterProvider to hand to an instrumentation library whose observable callbacks are costly
 * (host metrics read /proc) or consume state (runtime metrics reset their event-loop histogram
 * and utilization baseline on every call). Observable callbacks run on *every* reader's collect;
 * here each one really runs at most once per `maxAgeMillis`, concurrent collects share the reading
 * in flight, and every reader gets that reading replayed, so all readers agree and none gets a
 * sliver. Synchronous instruments pass straight through. An empty reading is not kept (the
 * event-loop collector observes nothing until it has samples; keeping that would hide the metric
 * for a whole interval after start). A failed reading is logged at debug and replays nothing.
 */
export class CachingMeterProvider implements MeterProvider {
  readonly #real: Pick<MeterProvider, 'getMeter'>;
  readonly #maxAgeMillis: number;
  readonly #now: () => number;
  readonly #omit: ReadonlySet<string>;
  readonly #reduce: ((observations: CachedObservation[]) => CachedObservation[]) | undefined;
  readonly #shape: CachingMeterProviderOptions['shape'];
  readonly #mapAttributes: NonNullable<CachingMeterProviderOptions['mapAttributes']>;
  /** Wrapped instrument handed out → the real one and its name. */
  readonly #instruments = new WeakMap<Observable, { real: Observable; name: string }>();
  readonly #omitted = new WeakSet<Observable>();
  readonly #caches: ReadingCache<CachedObservation[]>[] = [];
  readonly #removals: (() => void)[] = [];

  constructor(real: Pick<MeterProvider, 'getMeter'>, options: CachingMeterProviderOptions) {
    this.#real = real;
    this.#maxAgeMillis = options.maxAgeMillis;
    this.#now = options.now ?? (() => performance.now());
    this.#omit = new Set(options.omit ?? []);
    this.#reduce = options.reduce;
    this.#shape = options.shape;
    this.#mapAttributes = options.mapAttributes ?? ((_, attributes) => attributes);
  }

  /** Real readings taken so far, over all callbacks (tests and benchmarks assert on it). */
  get reads(): number {
    return this.#caches.reduce((n, c) => n + c.reads, 0);
  }

  getMeter(name: string, version?: string, options?: MeterOptions): Meter {
    const real = this.#real.getMeter(name, version, options);
    const noop = createNoopMeter();
    const observable = (name: string, kind: ObservableKind, options: MetricOptions | undefined) => {
      if (this.#omit.has(name)) {
        const dummy = createObservable(noop, kind, name, options);
        this.#omitted.add(dummy);
        return dummy;
      }
      const shaped = this.#shape?.(name, kind, options) ?? { name, kind, options };
      return this.#replaying(createObservable(real, shaped.kind, shaped.name, shaped.options), shaped.name);
    };
    return {
      createGauge: (n, o) => real.createGauge(n, o),
      createHistogram: (n, o) => real.createHistogram(n, o),
      createCounter: (n, o) => real.createCounter(n, o),
      createUpDownCounter: (n, o) => real.createUpDownCounter(n, o),
      // The library is handed the kind it asked for; `shape` may have created another underneath.
      createObservableGauge: (n, o) => observable(n, 'gauge', o) as ObservableGauge,
      createObservableCounter: (n, o) => observable(n, 'counter', o) as ObservableCounter,
      createObservableUpDownCounter: (n, o) => observable(n, 'upDownCounter', o) as ObservableUpDownCounter,
      addBatchObservableCallback: (callback, observables) => this.#addBatch(real, callback, observables),
      removeBatchObservableCallback: () => {
        // Libraries remove on disable(); shutdown() removes every wrapped callback.
      },
    };
  }

  /** Removes every callback registered through this provider. */
  shutdown(): void {
    for (const remove of this.#removals.splice(0)) remove();
  }

  /** The instrument with `addCallback` wrapped; everything else is the real instrument's. */
  #replaying<T extends Observable>(instrument: T, name: string): T {
    const addCallback = (callback: ObservableCallback) => {
      const cache = this.#cache(async () => {
        const buffer: CachedObservation[] = [];
        const recorder: ObservableResult = {
          observe: (value, attributes) =>
            buffer.push({
              name,
              instrument: undefined,
              value,
              attributes: this.#mapAttributes(name, attributes),
            }),
        };
        await callback(recorder);
        return buffer;
      });
      const wrapped: ObservableCallback = async (result) => {
        for (const o of await this.#read(cache)) result.observe(o.value, o.attributes);
      };
      instrument.addCallback(wrapped);
      this.#removals.push(() => instrument.removeCallback(wrapped));
    };
    const proxy = new Proxy(instrument, {
      get: (target, property, receiver) =>
        property === 'addCallback' ? addCallback : Reflect.get(target, property, receiver),
    });
    this.#instruments.set(proxy, { real: instrument, name });
    return proxy;
  }

  #addBatch(real: Meter, callback: BatchObservableCallback, observables: Observable[]): void {
    const cache = this.#cache(async () => {
      const buffer: CachedObservation[] = [];
      const recorder: BatchObservableResult = {
        observe: (instrument, value, attributes) => {
          const known = this.#instruments.get(instrument);
          if (known) buffer.push({ name: known.name, instrument: known.real, value, attributes });
          else if (!this.#omitted.has(instrument)) buffer.push({ name: '', instrument, value, attributes }); // not created here: pass through
        },
      };
      await callback(recorder);
      const reduced = this.#reduce ? this.#reduce(buffer) : buffer;
      return reduced.map((o) => ({ ...o, attributes: this.#mapAttributes(o.name, o.attributes) }));
    });
    const wrapped: BatchObservableCallback = async (result) => {
      for (const o of await this.#read(cache)) {
        if (o.instrument) result.observe(o.instrument, o.value, o.attributes);
      }
    };
    const kept = observables
      .filter((o) => !this.#omitted.has(o))
      .map((o) => this.#instruments.get(o)?.real ?? o);
    real.addBatchObservableCallback(wrapped, kept);
    this.#removals.push(() => real.removeBatchObservableCallback(wrapped, kept));
  }

  #cache(load: () => Promise<CachedObservation[]>): ReadingCache<CachedObservation[]> {
    const loadNonEmpty = async () => {
      const observations = await load();
      if (observations.length === 0) throw EMPTY_READING;
      return observations;
    };
    const cache = new ReadingCache(loadNonEmpty, this.#maxAgeMillis, this.#now);
    this.#caches.push(cache);
    return cache;
  }

  async #read(cache: ReadingCache<CachedObservation[]>): Promise<CachedObservation[]> {
    try {
      return await cache.get();
    } catch (error) {
      if (error !== EMPTY_READING) diag.debug('aiva-performance: a cached observable callback failed', error);
      return [];
    }
  }
}
