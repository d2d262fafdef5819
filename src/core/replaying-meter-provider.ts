import {
  type Attributes,
  type BatchObservableCallback,
  type BatchObservableResult,
  diag,
  type Meter,
  type MeterProvider,
  type Observable,
  type ObservableCallback,
  type ObservableResult,
} from '@opentelemetry/api';
import { ReadingCache } from './reading-cache.js';

const EMPTY_READING = new Error('empty reading');

interface Observation {
  instrument: Observable | undefined;
  value: number;
  attributes: Attributes | undefined;
}

/**
 * A MeterProvider for instrumentations whose observable callbacks *consume* state: the runtime
 * instrumentation resets its event-loop-delay histogram and its utilization baseline on every call,
 * and callbacks run on every reader's collect. With an alert engine collecting each second and
 * Prometheus each 15 s, Prometheus would see only the last second. Here each callback really runs at
 * most once per `maxAgeMillis`; every reader's collect replays that reading, so all readers agree.
 */
export class ReplayingMeterProvider implements MeterProvider {
  readonly #real: MeterProvider;
  readonly #maxAgeMillis: number;
  readonly #removals: (() => void)[] = [];

  constructor(real: MeterProvider, maxAgeMillis: number) {
    this.#real = real;
    this.#maxAgeMillis = maxAgeMillis;
  }

  getMeter(name: string, version?: string, options?: Parameters<MeterProvider['getMeter']>[2]): Meter {
    const real = this.#real.getMeter(name, version, options);
    const wrapObservable = <T extends Observable>(instrument: T): T => this.#replaying(instrument);
    return {
      createGauge: (n, o) => real.createGauge(n, o),
      createHistogram: (n, o) => real.createHistogram(n, o),
      createCounter: (n, o) => real.createCounter(n, o),
      createUpDownCounter: (n, o) => real.createUpDownCounter(n, o),
      createObservableGauge: (n, o) => wrapObservable(real.createObservableGauge(n, o)),
      createObservableCounter: (n, o) => wrapObservable(real.createObservableCounter(n, o)),
      createObservableUpDownCounter: (n, o) => wrapObservable(real.createObservableUpDownCounter(n, o)),
      addBatchObservableCallback: (callback, observables) => {
        const wrapped = this.#batch(callback);
        real.addBatchObservableCallback(wrapped, observables);
        this.#removals.push(() => real.removeBatchObservableCallback(wrapped, observables));
      },
      removeBatchObservableCallback: () => {
        // Instrumentations remove on disable(); shutdown() removes every wrapped callback.
      },
    };
  }

  /** Removes every callback registered through this provider. */
  shutdown(): void {
    for (const remove of this.#removals.splice(0)) remove();
  }

  #replaying<T extends Observable>(instrument: T): T {
    const addCallback = (callback: ObservableCallback) => {
      const cache = this.#cache(async () => {
        const buffer: Observation[] = [];
        const recorder: ObservableResult = {
          observe: (value, attributes) => buffer.push({ instrument: undefined, value, attributes }),
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
    return new Proxy(instrument, {
      get: (target, property, receiver) =>
        property === 'addCallback' ? addCallback : Reflect.get(target, property, receiver),
    });
  }

  #batch(callback: BatchObservableCallback): BatchObservableCallback {
    const cache = this.#cache(async () => {
      const buffer: Observation[] = [];
      const recorder: BatchObservableResult = {
        observe: (instrument, value, attributes) => buffer.push({ instrument, value, attributes }),
      };
      await callback(recorder);
      return buffer;
    });
    return async (result) => {
      for (const o of await this.#read(cache)) {
        if (o.instrument) result.observe(o.instrument, o.value, o.attributes);
      }
    };
  }

  #cache(load: () => Promise<Observation[]>): ReadingCache<Observation[]> {
    // An empty reading is not kept: the event-loop collector observes nothing until it has 5 samples,
    // and caching that would hide the metric for a whole interval after start.
    const loadNonEmpty = async () => {
      const observations = await load();
      if (observations.length === 0) throw EMPTY_READING;
      return observations;
    };
    return new ReadingCache(loadNonEmpty, this.#maxAgeMillis, () => performance.now());
  }

  async #read(cache: ReadingCache<Observation[]>): Promise<Observation[]> {
    try {
      return await cache.get();
    } catch (error) {
      if (error !== EMPTY_READING)
        diag.debug('aiva-performance: a replayed observable callback failed', error);
      return [];
    }
  }
}
