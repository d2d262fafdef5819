/**
 * The instruments of the worker-side MeterProvider (`worker-meter.ts`):
 * one cell per attribute set, marked dirty on record and drained into the
 * JSON text of the next batch (see `bridge-protocol.ts` for the format).
 */
import type {
  Attributes,
  Counter,
  Gauge,
  Histogram,
  Observable,
  ObservableCallback,
  UpDownCounter,
} from '@opentelemetry/api';
import { attributesKey, type BridgedKind, bucketIndex, OVERFLOW_ATTRIBUTES } from './bridge-protocol.js';

/** What instruments need of their provider. */
export interface InstrumentOwner {
  /** An instrument got its first new measurement since the last drain. */
  dirty(instrument: Drainable): void;
  /** An observable got a callback: read it at each flush. */
  observed(instrument: ObservableInstrument): void;
  /** A warning for the main thread's diag logger. */
  warn(message: string): void;
}

/** A number as JSON text (NaN and ±Infinity are not JSON: null, which the main thread skips). */
const num = (value: number): string => (Number.isFinite(value) ? String(value) : 'null');
/** Attribute sets kept per instrument in a worker (the SDK's default); later sets share the overflow cell. */
export const WORKER_CARDINALITY_LIMIT = 2000;

/** Per instrument: the cell's index and attributes, then only the index once shipped (see `CellRef`). */
interface Announced {
  /** `[index,{attributes}]` until the first batch carries it, then `index`. */
  a: string;
  announced: boolean;
  readonly index: number;
}

interface Cell extends Announced {
  /** Sum since the last flush (sums), last value (gauges), last observed value (observables). */
  v: number;
  /** Observables: the value last shipped; NaN before the first. */
  shipped: number;
  dirty: boolean;
}

interface HistogramCell extends Announced {
  readonly c: number[];
  readonly s: number[];
  min: number;
  max: number;
  dirty: boolean;
}

/** What the provider keeps of an instrument with new measurements. */
export interface Drainable {
  readonly id: number;
  /** The descriptor's JSON text. */
  readonly key: string;
  /** Whether a batch carried the descriptor already. */
  described: boolean;
  /** JSON text of `[id, points]` (see `BridgedInstrument`), or undefined when nothing changed. */
  drain(): string | undefined;
}

export abstract class Instrument<C extends { dirty: boolean } & Announced> implements Drainable {
  readonly #cells = new Map<string, C>();
  readonly #dirty: C[] = [];
  #queued = false;
  described = false;
  /** Last frozen attributes object and its cell: pre-bound attributes skip building the key. */
  #lastAttributes: Attributes | undefined;
  #lastCell: C | undefined;

  constructor(
    protected readonly owner: InstrumentOwner,
    readonly id: number,
    readonly key: string,
    readonly kind: BridgedKind,
    readonly name: string,
  ) {}

  /** A cell: `ref` is its first `CellRef` as JSON text. */
  protected abstract create(ref: string, index: number): C;
  /** The cell's point as JSON text (see `BridgedPoint`), reset for the next batch; undefined = nothing to send. */
  protected abstract point(cell: C): string | undefined;

  /**
   * The cell of an attribute set, marked dirty (the overflow cell past the cardinality limit);
   * undefined for attributes that are not JSON (a BigInt, a cycle): the measurement is dropped, as
   * the SDK's attribute hashing would throw on them, and reported once.
   */
  protected cell(attributes: Attributes | undefined): C | undefined {
    let cell = attributes !== undefined && attributes === this.#lastAttributes ? this.#lastCell : undefined;
    if (cell === undefined) {
      try {
        cell = this.#lookup(attributes);
      } catch (error) {
        this.owner.warn(
          `attributes of ${this.name} cannot be bridged, measurement dropped: ${String(error)}`,
        );
        return undefined;
      }
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
          cell = this.#newCell(JSON.stringify(OVERFLOW_ATTRIBUTES));
          this.#cells.set(overflow, cell);
        }
      } else {
        cell = this.#newCell(attributes === undefined ? '{}' : JSON.stringify(attributes));
        this.#cells.set(key, cell);
      }
    }
    return cell;
  }

  /** The next cell, its index its position among this instrument's cells; announced with `json`. */
  #newCell(json: string): C {
    const index = this.#cells.size;
    return this.create(`[${index},${json}]`, index);
  }

  drain(): string | undefined {
    this.#queued = false;
    let points = '';
    for (const cell of this.#dirty) {
      cell.dirty = false;
      const point = this.point(cell);
      if (point === undefined) continue;
      points += points === '' ? point : `,${point}`;
      if (!cell.announced) {
        cell.announced = true;
        cell.a = String(cell.index);
      }
    }
    this.#dirty.length = 0;
    return points === '' ? undefined : `[${this.id},[${points}]]`;
  }
}

export class SumInstrument extends Instrument<Cell> implements Counter, UpDownCounter {
  add(value: number, attributes?: Attributes): void {
    if (typeof value !== 'number' || Number.isNaN(value)) return;
    if (value < 0 && this.kind === 'counter') {
      this.owner.warn(`negative value provided to counter ${this.name}: ${value}`);
      return;
    }
    const cell = this.cell(attributes);
    if (cell !== undefined) cell.v += value;
  }
  protected create(a: string, index: number): Cell {
    return { a, index, announced: false, v: 0, shipped: Number.NaN, dirty: false };
  }
  protected point(cell: Cell): string {
    const v = cell.v;
    cell.v = 0;
    return `[${cell.a},${num(v)}]`;
  }
}

export class GaugeInstrument extends Instrument<Cell> implements Gauge {
  record(value: number, attributes?: Attributes): void {
    if (typeof value !== 'number' || Number.isNaN(value)) return;
    const cell = this.cell(attributes);
    if (cell !== undefined) cell.v = value;
  }
  protected create(a: string, index: number): Cell {
    return { a, index, announced: false, v: 0, shipped: Number.NaN, dirty: false };
  }
  protected point(cell: Cell): string {
    return `[${cell.a},${num(cell.v)}]`;
  }
}

export class HistogramInstrument extends Instrument<HistogramCell> implements Histogram {
  constructor(
    owner: InstrumentOwner,
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
    if (cell === undefined) return;
    const bucket = bucketIndex(this.boundaries, value);
    cell.c[bucket]! += 1;
    cell.s[bucket]! += value;
    if (value < cell.min) cell.min = value;
    if (value > cell.max) cell.max = value;
  }
  protected create(a: string, index: number): HistogramCell {
    const n = this.boundaries.length + 1;
    return {
      a,
      index,
      announced: false,
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
export class ObservableInstrument extends Instrument<Cell> implements Observable {
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
    const cell = this.cell(attributes);
    if (cell !== undefined) cell.v = value;
  }
  protected create(a: string, index: number): Cell {
    return { a, index, announced: false, v: 0, shipped: Number.NaN, dirty: false };
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
