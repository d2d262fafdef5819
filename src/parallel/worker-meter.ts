/**
 * The MeterProvider a pool worker installs behind the global
 * `@opentelemetry/api` (bridge on), so what the task records — its own
 * instruments, `trackTask`, a memory manager created there — is kept instead
 * of swallowed by the API's no-op. It aggregates in the worker (counters
 * summed, histograms bucketed with the instrument's advice boundaries,
 * gauges last value, observables read at each commit) and commits the totals
 * of what changed to the chunk answer — a shared ring in thread mode, the
 * answer's records in process mode (`bridge-ring.ts`); the main thread merges
 * what grew into the service's own instruments (`bridge-merge.ts`).
 *
 * Deliberately not sdk-metrics: no readers, views, exemplars or timestamps,
 * and no attribute hashing beyond one string key — a recording costs about
 * what a Map lookup does.
 */
import type {
  BatchObservableCallback,
  BatchObservableResult,
  Counter,
  DiagLogger,
  Gauge,
  Histogram,
  Meter,
  MeterOptions,
  MeterProvider,
  MetricOptions,
  Observable,
  ObservableResult,
  UpDownCounter,
} from '@opentelemetry/api';
import { type BridgedKind, describeInstrument, SDK_DEFAULT_BOUNDARIES } from './bridge-protocol.js';
import { ArraySink, type RingWriter } from './bridge-ring.js';
import {
  type Committable,
  GaugeInstrument,
  HistogramInstrument,
  type InstrumentOwner,
  ObservableInstrument,
  SumInstrument,
} from './worker-instruments.js';

export { WORKER_CARDINALITY_LIMIT } from './worker-instruments.js';

/** A meter's identity. */
interface Scope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
}

/** Distinct diag warnings a worker forwards to the main thread. */
const MAX_WARNINGS = 100;

class WorkerMeter implements Meter {
  constructor(
    private readonly owner: WorkerMeterProvider,
    private readonly scope: Scope,
  ) {}
  createCounter(name: string, options: MetricOptions = {}): Counter {
    return this.owner.instrument(this.scope, 'counter', name, options) as SumInstrument;
  }
  createUpDownCounter(name: string, options: MetricOptions = {}): UpDownCounter {
    return this.owner.instrument(this.scope, 'upDownCounter', name, options) as SumInstrument;
  }
  createHistogram(name: string, options: MetricOptions = {}): Histogram {
    return this.owner.instrument(this.scope, 'histogram', name, options) as HistogramInstrument;
  }
  createGauge(name: string, options: MetricOptions = {}): Gauge {
    return this.owner.instrument(this.scope, 'gauge', name, options) as GaugeInstrument;
  }
  createObservableCounter(name: string, options: MetricOptions = {}): Observable {
    return this.owner.instrument(this.scope, 'observableCounter', name, options) as ObservableInstrument;
  }
  createObservableUpDownCounter(name: string, options: MetricOptions = {}): Observable {
    return this.owner.instrument(
      this.scope,
      'observableUpDownCounter',
      name,
      options,
    ) as ObservableInstrument;
  }
  createObservableGauge(name: string, options: MetricOptions = {}): Observable {
    return this.owner.instrument(this.scope, 'observableGauge', name, options) as ObservableInstrument;
  }
  addBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    this.owner.addBatch(callback, observables);
  }
  removeBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    this.owner.removeBatch(callback, observables);
  }
}

/** The worker side of the metrics bridge. One per worker, installed as the global MeterProvider. */
export class WorkerMeterProvider implements MeterProvider, InstrumentOwner {
  readonly #meters = new Map<string, WorkerMeter>();
  readonly #instruments = new Map<string, Committable>();
  /** Tells this worker's commits apart from those of a worker that had the same thread id or pid. */
  readonly #session = Math.floor(Math.random() * 2 ** 52);
  /** Instruments recorded into since the last commit. */
  readonly #dirty: Committable[] = [];
  /** Set by every measurement and warning (see `InstrumentOwner`). */
  changed = false;
  readonly #observables = new Set<ObservableInstrument>();
  readonly #batches = new Map<BatchObservableCallback, Set<Observable>>();
  /** Warnings since the last commit. */
  #warnings: string[] = [];
  readonly #warned = new Set<string>();

  /** Forwards the worker's diag warnings and errors to the main thread (once per distinct message). */
  readonly logger: DiagLogger = {
    error: (message, ...args) => this.warn(format(message, args)),
    warn: (message, ...args) => this.warn(format(message, args)),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };

  getMeter(name: string, version?: string, options?: MeterOptions): Meter {
    const key = `${name}\u0001${version ?? ''}\u0001${options?.schemaUrl ?? ''}`;
    let meter = this.#meters.get(key);
    if (meter === undefined) {
      const scope: Scope = {
        name,
        ...(version === undefined ? {} : { version }),
        ...(options?.schemaUrl === undefined ? {} : { schemaUrl: options.schemaUrl }),
      };
      meter = new WorkerMeter(this, scope);
      this.#meters.set(key, meter);
    }
    return meter;
  }

  /** @internal The instrument of a descriptor: one per descriptor, so two `create` calls share it. */
  instrument(scope: Scope, kind: BridgedKind, name: string, options: MetricOptions): Committable {
    const boundaries =
      kind === 'histogram' ? [...(options.advice?.explicitBucketBoundaries ?? SDK_DEFAULT_BOUNDARIES)] : null;
    const key = JSON.stringify(describeInstrument(scope, kind, name, options, boundaries));
    let instrument = this.#instruments.get(key);
    if (instrument === undefined) {
      const id = this.#instruments.size;
      if (kind === 'counter' || kind === 'upDownCounter')
        instrument = new SumInstrument(this, id, key, kind, name);
      else if (boundaries !== null)
        instrument = new HistogramInstrument(this, id, key, kind, name, boundaries);
      else if (kind === 'gauge') instrument = new GaugeInstrument(this, id, key, kind, name);
      else instrument = new ObservableInstrument(this, id, key, kind, name);
      this.#instruments.set(key, instrument);
    }
    return instrument;
  }

  /** @internal */
  dirty(instrument: Committable): void {
    this.#dirty.push(instrument);
  }

  /** @internal */
  observed(instrument: ObservableInstrument): void {
    this.#observables.add(instrument);
  }

  /** @internal */
  addBatch(callback: BatchObservableCallback, observables: Observable[]): void {
    const set = this.#batches.get(callback) ?? new Set<Observable>();
    for (const o of observables) set.add(o);
    this.#batches.set(callback, set);
  }

  /** @internal */
  removeBatch(callback: BatchObservableCallback, observables: Observable[]): void {
    const set = this.#batches.get(callback);
    if (set === undefined) return;
    for (const o of observables) set.delete(o);
    if (set.size === 0) this.#batches.delete(callback);
  }

  /** @internal A warning for the main thread's diag logger, once per distinct message. */
  warn(message: string): void {
    if (this.#warned.has(message) || this.#warned.size >= MAX_WARNINGS) return;
    this.#warned.add(message);
    this.#warnings.push(message);
    this.changed = true;
  }

  /**
   * Thread mode: reads the observables, then appends what changed since the previous commit to the
   * ring (`ringFor` creates it on first use; see `bridge-ring.ts`) and publishes it. Returns the
   * ring position the answer carries — with the text of a `CommitText` (bridge-protocol.ts) when
   * there is something the ring cannot carry: instruments and cells shipped for the first time,
   * warnings, or all the records when the ring is full. Undefined: nothing was ever recorded. (A
   * plain number in the steady state: this runs once per chunk.)
   */
  commit(
    ringFor: () => RingWriter,
    known?: RingWriter,
  ): number | { readonly position: number; readonly text: string } | undefined {
    this.#observe();
    if (!this.changed) return known?.publish();
    this.changed = false;
    const ring = ringFor();
    let inline = '';
    let fits = true;
    for (let i = 0; fits && i < this.#dirty.length; i++) fits = (this.#dirty[i] as Committable).write(ring);
    if (!fits) {
      ring.rollback();
      inline = `,"r":${JSON.stringify(this.#records())}`;
    }
    const text = this.#settle(inline);
    const position = ring.publish();
    return text === undefined ? position : { position, text };
  }

  /**
   * Process mode: reads the observables, then returns what changed since the previous call as records
   * laid out as in the ring (`bridge-ring.ts`), which the answer carries as a plain array, with the text
   * of a `CommitText` when there is something records cannot carry (see {@link commit}). Undefined:
   * nothing changed.
   */
  commitRecords(): { readonly records: number[]; readonly text: string | undefined } | undefined {
    this.#observe();
    if (!this.changed) return undefined;
    this.changed = false;
    const records = this.#records();
    return { records, text: this.#settle('') };
  }

  /** The records of every instrument changed since the last commit. */
  #records(): number[] {
    const sink = new ArraySink();
    for (const instrument of this.#dirty) instrument.write(sink);
    return sink.values;
  }

  /**
   * Ends a commit: the text of a `CommitText` with its new descriptors and cells, its warnings and
   * `extra` (undefined when there is none of them), and every instrument settled.
   */
  #settle(extra: string): string | undefined {
    let d = '';
    let c = '';
    for (let i = 0; i < this.#dirty.length; i++) {
      const instrument = this.#dirty[i] as Committable;
      if (!instrument.described) d += `${d === '' ? '' : ','}${descriptorEntry(instrument)}`;
      const cells = instrument.announce();
      if (cells !== '') c += c === '' ? cells : `,${cells}`;
      instrument.settle();
    }
    this.#dirty.length = 0;
    if (d === '' && c === '' && this.#warnings.length === 0 && extra === '') return undefined;
    let text = '';
    if (d !== '') text += `,"d":[${d}]`;
    if (c !== '') text += `,"c":[${c}]`;
    if (this.#warnings.length > 0) text += `,"w":${JSON.stringify(this.#warnings)}`;
    text += extra;
    this.#warnings = [];
    return `${this.#session} {${text.slice(1)}}`;
  }

  #observe(): void {
    for (const instrument of this.#observables) {
      for (const callback of instrument.callbacks) {
        this.#guard(instrument.name, () =>
          callback({
            observe: (value, attributes) => instrument.observe(value, attributes),
          } as ObservableResult),
        );
      }
    }
    for (const [callback, set] of this.#batches) {
      const result: BatchObservableResult = {
        observe: (observable, value, attributes) => {
          if (set.has(observable) && observable instanceof ObservableInstrument) {
            observable.observe(value, attributes);
          }
        },
      };
      this.#guard('a batch observable callback', () => callback(result));
    }
  }

  #guard(what: string, run: () => unknown): void {
    try {
      const returned = run();
      if (returned !== null && typeof returned === 'object' && 'then' in returned) {
        this.warn(`${what}: asynchronous observable callbacks are not bridged from pool workers`);
      }
    } catch (error) {
      this.warn(`observable callback of ${what} threw: ${String(error)}`);
    }
  }
}

/** An instrument's `[id, descriptor JSON text]` entry of a commit (`d`). */
function descriptorEntry(instrument: Committable): string {
  return `[${instrument.id},${JSON.stringify(instrument.key)}]`;
}

function format(message: string, args: unknown[]): string {
  return args.length === 0 ? message : `${message} ${args.map((a) => String(a)).join(' ')}`;
}
