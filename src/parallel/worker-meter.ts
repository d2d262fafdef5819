/**
 * The MeterProvider a pool worker installs behind the global
 * `@opentelemetry/api` (bridge on), so what the task records — its own
 * instruments, `trackTask`, a memory manager created there — is kept instead
 * of swallowed by the API's no-op. It aggregates in the worker (counters
 * summed, histograms bucketed with the instrument's advice boundaries,
 * gauges last value, observables read at each flush) and `collect()` hands
 * the delta since the previous collect to the chunk answer; the main thread
 * merges it into the service's own instruments (`bridge-merge.ts`).
 *
 * Deliberately not sdk-metrics: no readers, views, exemplars or timestamps,
 * and no attribute hashing beyond one string key — a recording costs about
 * what a Map lookup does.
 */
import type {
  Attributes,
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
  ObservableCallback,
  ObservableResult,
  UpDownCounter,
} from '@opentelemetry/api';
import {
  attributesKey,
  type BridgedKind,
  bucketIndex,
  describeInstrument,
  OVERFLOW_ATTRIBUTES,
  SDK_DEFAULT_BOUNDARIES,
} from './bridge-protocol.js';

/** A meter's identity. */
interface Scope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
}

/** A number as JSON text (NaN and ±Infinity are not JSON: null, which the main thread skips). */
const num = (value: number): string => (Number.isFinite(value) ? String(value) : 'null');

/** Attribute sets kept per instrument in a worker (the SDK's default); later sets share the overflow cell. */
export const WORKER_CARDINALITY_LIMIT = 2000;
/** Distinct diag warnings a worker keeps for the main thread between two flushes. */
const MAX_WARNINGS = 100;

interface Cell {
  /** The attributes as JSON text. */
  readonly a: string;
  /** Sum since the last flush (sums), last value (gauges), last observed value (observables). */
  v: number;
  /** Observables: the value last shipped; NaN before the first. */
  shipped: number;
  dirty: boolean;
}

interface HistogramCell {
  readonly a: string;
  readonly c: number[];
  readonly s: number[];
  min: number;
  max: number;
  dirty: boolean;
}

/** What the provider keeps of an instrument with new measurements. */
interface Drainable {
  readonly id: number;
  /** The descriptor's JSON text. */
  readonly key: string;
  /** Whether a batch carried the descriptor already. */
  described: boolean;
  /** JSON text of `[id, points]` (see `BridgedInstrument`), or undefined when nothing changed. */
  drain(): string | undefined;
}

abstract class Instrument<C extends { dirty: boolean; readonly a: string }> implements Drainable {
  readonly #cells = new Map<string, C>();
  readonly #dirty: C[] = [];
  #queued = false;
  described = false;
  /** Last frozen attributes object and its cell: pre-bound attributes skip building the key. */
  #lastAttributes: Attributes | undefined;
  #lastCell: C | undefined;

  constructor(
    protected readonly owner: WorkerMeterProvider,
    readonly id: number,
    readonly key: string,
    readonly kind: BridgedKind,
    readonly name: string,
  ) {}

  /** A cell for attributes given as JSON text. */
  protected abstract create(attributes: string): C;
  /** The cell's point as JSON text (see `BridgedPoint`), reset for the next batch; undefined = nothing to send. */
  protected abstract point(cell: C): string | undefined;

  /** The cell of an attribute set, marked dirty (the overflow cell past the cardinality limit). */
  protected cell(attributes: Attributes | undefined): C {
    let cell = attributes !== undefined && attributes === this.#lastAttributes ? this.#lastCell : undefined;
    if (cell === undefined) {
      cell = this.#lookup(attributes);
      if (attributes !== undefined && Object.isFrozen(attributes)) {
        this.#lastAttributes = attributes;
        this.#lastCell = cell;
      }
    }
    if (!cell.dirty) {
      cell.dirty = true;
      this.#dirty.push(cell);
      if (!this.#queued) {
        this.#queued = true;
        this.owner.dirty(this);
      }
    }
    return cell;
  }

  #lookup(attributes: Attributes | undefined): C {
    const key = attributesKey(attributes);
    let cell = this.#cells.get(key);
    if (cell === undefined) {
      if (this.#cells.size >= WORKER_CARDINALITY_LIMIT - 1) {
        const overflow = attributesKey(OVERFLOW_ATTRIBUTES);
        cell = this.#cells.get(overflow);
        if (cell === undefined) {
          cell = this.create(JSON.stringify(OVERFLOW_ATTRIBUTES));
          this.#cells.set(overflow, cell);
        }
      } else {
        cell = this.create(attributes === undefined ? '{}' : JSON.stringify(attributes));
        this.#cells.set(key, cell);
      }
    }
    return cell;
  }

  drain(): string | undefined {
    this.#queued = false;
    let points = '';
    for (const cell of this.#dirty) {
      cell.dirty = false;
      const point = this.point(cell);
      if (point !== undefined) points += points === '' ? point : `,${point}`;
    }
    this.#dirty.length = 0;
    return points === '' ? undefined : `[${this.id},[${points}]]`;
  }
}

class SumInstrument extends Instrument<Cell> implements Counter, UpDownCounter {
  add(value: number, attributes?: Attributes): void {
    if (typeof value !== 'number' || Number.isNaN(value)) return;
    if (value < 0 && this.kind === 'counter') {
      this.owner.warn(`negative value provided to counter ${this.name}: ${value}`);
      return;
    }
    this.cell(attributes).v += value;
  }
  protected create(a: string): Cell {
    return { a, v: 0, shipped: Number.NaN, dirty: false };
  }
  protected point(cell: Cell): string {
    const v = cell.v;
    cell.v = 0;
    return `[${cell.a},${num(v)}]`;
  }
}

class GaugeInstrument extends Instrument<Cell> implements Gauge {
  record(value: number, attributes?: Attributes): void {
    if (typeof value !== 'number' || Number.isNaN(value)) return;
    this.cell(attributes).v = value;
  }
  protected create(a: string): Cell {
    return { a, v: 0, shipped: Number.NaN, dirty: false };
  }
  protected point(cell: Cell): string {
    return `[${cell.a},${num(cell.v)}]`;
  }
}

class HistogramInstrument extends Instrument<HistogramCell> implements Histogram {
  constructor(
    owner: WorkerMeterProvider,
    id: number,
    key: string,
    kind: BridgedKind,
    name: string,
    readonly boundaries: readonly number[],
  ) {
    super(owner, id, key, kind, name);
  }
  record(value: number, attributes?: Attributes): void {
    if (typeof value !== 'number' || Number.isNaN(value)) return;
    if (value < 0) {
      this.owner.warn(`negative value provided to histogram ${this.name}: ${value}`);
      return;
    }
    const cell = this.cell(attributes);
    const bucket = bucketIndex(this.boundaries, value);
    cell.c[bucket]! += 1;
    cell.s[bucket]! += value;
    if (value < cell.min) cell.min = value;
    if (value > cell.max) cell.max = value;
  }
  protected create(a: string): HistogramCell {
    const n = this.boundaries.length + 1;
    return {
      a,
      c: new Array<number>(n).fill(0),
      s: new Array<number>(n).fill(0),
      min: Infinity,
      max: -Infinity,
      dirty: false,
    };
  }
  protected point(cell: HistogramCell): string {
    let buckets = '';
    for (let b = 0; b < cell.c.length; b++) {
      const n = cell.c[b]!;
      if (n === 0) continue;
      buckets += `${buckets === '' ? '' : ','}${b},${n},${num(cell.s[b]!)}`;
    }
    const point = `[${cell.a},[${buckets}],${num(cell.min)},${num(cell.max)}]`;
    cell.c.fill(0);
    cell.s.fill(0);
    cell.min = Infinity;
    cell.max = -Infinity;
    return point;
  }
}

/** Observable instruments: read at each flush; counters ship the increase since the last shipped value. */
class ObservableInstrument extends Instrument<Cell> implements Observable {
  readonly callbacks: ObservableCallback[] = [];
  addCallback(callback: ObservableCallback): void {
    if (!this.callbacks.includes(callback)) this.callbacks.push(callback);
    this.owner.observed(this);
  }
  removeCallback(callback: ObservableCallback): void {
    const at = this.callbacks.indexOf(callback);
    if (at !== -1) this.callbacks.splice(at, 1);
  }
  observe(value: number, attributes?: Attributes): void {
    if (typeof value !== 'number' || Number.isNaN(value)) return;
    this.cell(attributes).v = value;
  }
  protected create(a: string): Cell {
    return { a, v: 0, shipped: Number.NaN, dirty: false };
  }
  protected point(cell: Cell): string | undefined {
    const first = Number.isNaN(cell.shipped);
    if (this.kind === 'observableGauge') {
      if (!first && cell.v === cell.shipped) return undefined;
      cell.shipped = cell.v;
      return `[${cell.a},${num(cell.v)}]`;
    }
    const delta = cell.v - (first ? 0 : cell.shipped);
    if (!first && delta === 0) return undefined;
    cell.shipped = cell.v;
    return `[${cell.a},${num(delta)}]`;
  }
}

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
export class WorkerMeterProvider implements MeterProvider {
  readonly #meters = new Map<string, WorkerMeter>();
  readonly #instruments = new Map<string, Drainable>();
  /** Tells this worker's batches apart from those of a worker that had the same thread id or pid. */
  readonly #session = Math.floor(Math.random() * 2 ** 52);
  readonly #dirty: Drainable[] = [];
  readonly #observables = new Set<ObservableInstrument>();
  readonly #batches = new Map<BatchObservableCallback, Set<Observable>>();
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
  instrument(scope: Scope, kind: BridgedKind, name: string, options: MetricOptions): Drainable {
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
  dirty(instrument: Drainable): void {
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
  }

  /**
   * Reads the observables, then returns everything recorded since the
   * previous call as the JSON text of a `MetricsBatch` (undefined when
   * nothing was) and starts over.
   */
  collect(): string | undefined {
    this.#observe();
    const warnings = this.#warnings;
    if (this.#dirty.length === 0 && warnings.length === 0) return undefined;
    let m = '';
    let d = '';
    for (const instrument of this.#dirty) {
      const drained = instrument.drain();
      if (drained === undefined) continue;
      m += m === '' ? drained : `,${drained}`;
      if (!instrument.described) {
        instrument.described = true;
        d += `${d === '' ? '' : ','}[${instrument.id},${JSON.stringify(instrument.key)}]`;
      }
    }
    this.#dirty.length = 0;
    if (m === '' && warnings.length === 0) return undefined;
    let text = `{"s":${this.#session},"m":[${m}]`;
    if (d !== '') text += `,"d":[${d}]`;
    if (warnings.length > 0) {
      this.#warnings = [];
      text += `,"w":${JSON.stringify(warnings)}`;
    }
    return `${text}}`;
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

function format(message: string, args: unknown[]): string {
  return args.length === 0 ? message : `${message} ${args.map((a) => String(a)).join(' ')}`;
}
