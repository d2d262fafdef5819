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
  type ObservableGauge,
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

interface Observation {
  instrument: Observable;
  value: number;
  attributes: Attributes | undefined;
}

const CPU_TIME = 'system.cpu.time';
const CPU_UTILIZATION = 'system.cpu.utilization';
const CPU_STATE = 'system.cpu.state';

export interface CachingAdapterOptions {
  maxAgeMillis: number;
  now: () => number;
  /** false: sum `system.cpu.time` over CPUs. */
  perCpu: boolean;
}

/**
 * A MeterProvider to hand to `@opentelemetry/host-metrics`. Its instruments
 * are the real meter's, but its one batch callback is wrapped: the library's
 * callback runs at most once per `maxAgeMillis` (recording into a buffer),
 * and every collect replays the buffer. The library's
 * `system.cpu.utilization` is never registered: it divides by wall time
 * since the previous call (module load, for the first), so a scrape right
 * after start reads above 1, and per-CPU it cannot be averaged by a View (a
 * View dropping an attribute on a gauge keeps the last value). host-extra.ts
 * registers one from /proc/stat instead. With `perCpu: false`,
 * `system.cpu.time` is summed per state here, before the SDK sees it.
 */
export class CachingMeterAdapter implements MeterProvider {
  readonly #real: Meter;
  readonly #options: CachingAdapterOptions;
  readonly #swallowed = new Set<Observable>();
  readonly #registered: { wrapped: BatchObservableCallback; observables: Observable[] }[] = [];
  readonly #caches: ReadingCache<Observation[]>[] = [];
  #cpuTime: Observable | undefined;

  constructor(realMeter: Meter, options: CachingAdapterOptions) {
    this.#real = realMeter;
    this.#options = options;
  }

  /** Real readings taken by the library so far. */
  get reads(): number {
    return this.#caches.reduce((n, c) => n + c.reads, 0);
  }

  getMeter(_name: string, _version?: string, _options?: MeterOptions): Meter {
    const real = this.#real;
    const noop = createNoopMeter();
    return {
      createGauge: (n, o) => real.createGauge(n, o),
      createHistogram: (n, o) => real.createHistogram(n, o),
      createCounter: (n, o) => real.createCounter(n, o),
      createUpDownCounter: (n, o) => real.createUpDownCounter(n, o),
      createObservableUpDownCounter: (n, o) => real.createObservableUpDownCounter(n, o),
      createObservableCounter: (n: string, o?: MetricOptions) => {
        const instrument = real.createObservableCounter(n, o);
        if (n === CPU_TIME) this.#cpuTime = instrument;
        return instrument;
      },
      createObservableGauge: (n: string, o?: MetricOptions): ObservableGauge => {
        if (n === CPU_UTILIZATION) {
          const dummy = noop.createObservableGauge(n, o);
          this.#swallowed.add(dummy);
          return dummy;
        }
        return real.createObservableGauge(n, o);
      },
      addBatchObservableCallback: (callback, observables) => this.#addBatch(callback, observables),
      removeBatchObservableCallback: () => {
        // The library never removes its callback; shutdown() does it for all.
      },
    };
  }

  #addBatch(callback: BatchObservableCallback, observables: Observable[]): void {
    const cache = new ReadingCache(
      () => this.#record(callback),
      this.#options.maxAgeMillis,
      this.#options.now,
    );
    this.#caches.push(cache);
    const wrapped: BatchObservableCallback = async (result) => {
      try {
        for (const o of await cache.get()) result.observe(o.instrument, o.value, o.attributes);
      } catch (err) {
        diag.debug('aiva-performance/host: host-metrics reading failed', err);
      }
    };
    const kept = observables.filter((o) => !this.#swallowed.has(o));
    this.#real.addBatchObservableCallback(wrapped, kept);
    this.#registered.push({ wrapped, observables: kept });
  }

  async #record(callback: BatchObservableCallback): Promise<Observation[]> {
    const buffer: Observation[] = [];
    const recorder: BatchObservableResult = {
      observe: (instrument, value, attributes) => {
        if (!this.#swallowed.has(instrument)) buffer.push({ instrument, value, attributes });
      },
    };
    await callback(recorder);
    return this.#options.perCpu ? buffer : this.#foldCpuTime(buffer);
  }

  /** Sums `system.cpu.time` over logical CPUs, one series per `system.cpu.state`. */
  #foldCpuTime(buffer: Observation[]): Observation[] {
    const cpuTime = this.#cpuTime;
    if (cpuTime === undefined) return buffer;
    const sums = new Map<string, number>();
    const out: Observation[] = [];
    for (const o of buffer) {
      if (o.instrument !== cpuTime) {
        out.push(o);
        continue;
      }
      const state = String(o.attributes?.[CPU_STATE] ?? 'unknown');
      sums.set(state, (sums.get(state) ?? 0) + o.value);
    }
    for (const [state, value] of sums) {
      out.push({ instrument: cpuTime, value, attributes: stateAttributes(state) });
    }
    return out;
  }

  /** Removes every callback registered on the real meter. */
  shutdown(): void {
    for (const { wrapped, observables } of this.#registered.splice(0)) {
      this.#real.removeBatchObservableCallback(wrapped, observables);
    }
  }
}

const stateAttributeCache = new Map<string, Attributes>();
function stateAttributes(state: string): Attributes {
  let attrs = stateAttributeCache.get(state);
  if (attrs === undefined) {
    attrs = Object.freeze({ [CPU_STATE]: state });
    stateAttributeCache.set(state, attrs);
  }
  return attrs;
}
