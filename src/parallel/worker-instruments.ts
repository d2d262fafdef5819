/**
 * The instruments of the worker-side MeterProvider (`worker-meter.ts`): one cell per attribute set,
 * holding its totals since the worker started. Each commit carries a record per cell changed since
 * the previous one (see `bridge-ring.ts` for the layout).
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
import type { RecordSink } from './bridge-ring.js';

/** What instruments need of their provider. */
export interface InstrumentOwner {
  /** Set on every measurement: something changed since the last commit. */
  changed: boolean;
  /** An instrument got its first measurement since the last commit. */
  dirty(instrument: Committable): void;
  /** An observable got a callback: read it at each flush. */
  observed(instrument: ObservableInstrument): void;
  /** A warning for the main thread's diag logger. */
  warn(message: string): void;
}

/** Attribute sets kept per instrument in a worker (the SDK's default); later sets share the overflow cell. */
export const WORKER_CARDINALITY_LIMIT = 2000;

/** Per instrument: an attribute set's cell. */
interface BaseCell {
  readonly index: number;
  /** `[index,{attributes}]`, the cell's announcement, until a commit carried it; then ''. */
  announcement: string;
  /** Recorded into since the last commit. */
  changed: boolean;
}

interface Cell extends BaseCell {
  /** Sum since the worker started (sums), last value (gauges), last observed value (observables). */
  v: number;
  /** Gauges and observables: how many times the value was set (the main thread records a gauge when it moved). */
  n: number;
}

interface HistogramCell extends BaseCell {
  readonly c: number[];
  readonly s: number[];
  /** Per bucket: recorded into since the last commit (only those buckets' totals go out). */
  readonly moved: boolean[];
  min: number;
  max: number;
}

/** A new sum, gauge or observable cell. */
function valueCell(announcement: string, index: number): Cell {
  return { announcement, index, changed: false, v: 0, n: 0 };
}

/** What the provider keeps of an instrument recorded into since the last commit. */
export interface Committable {
  readonly id: number;
  /** The descriptor's JSON text. */
  readonly key: string;
  /** Whether a commit carried the descriptor (later ones leave it out). */
  described: boolean;
  /**
   * Appends a record per cell changed since the last commit (see `bridge-ring.ts`); false when one
   * did not fit (thread mode's whole commit then goes inline).
   */
  write(sink: RecordSink): boolean;
  /** `[id,[index,{attributes}]]` of each cell this commit carries for the first time. */
  announce(): string;
  /** The commit went out: the instrument and its cells start the next one unchanged. */
  settle(): void;
}

export abstract class Instrument<C extends BaseCell> implements Committable {
  readonly #cells = new Map<string, C>();
  /** Cells recorded into since the last commit. */
  readonly #changed: C[] = [];
  /** Cells announced so far (every cell is announced in the commit that first carries it). */
  #announced = 0;
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

  /** A cell, announced with `announcement` (`[index,{attributes}]`). */
  protected abstract create(announcement: string, index: number): C;
  /** The cell's totals as a record's values (see each kind). */
  protected abstract values(cell: C, sink: RecordSink): void;
  /** The most values a record of this instrument has. */
  protected recordSlots(): number {
    return 2;
  }
  /** The cell's values went out (histograms: which buckets moved starts afresh). */
  protected clean(_cell: C): void {}

  /** The cell of an attribute set, marked as changed (see {@link find}). */
  protected cell(attributes: Attributes | undefined): C | undefined {
    const cell = this.find(attributes);
    if (cell !== undefined) this.mark(cell);
    return cell;
  }

  /**
   * The cell of an attribute set (the overflow cell past the cardinality limit); undefined for
   * attributes that are not JSON (a BigInt, a cycle): the measurement is dropped, as the SDK's
   * attribute hashing would throw on them, and reported once.
   */
  protected find(attributes: Attributes | undefined): C | undefined {
    if (attributes !== undefined && attributes === this.#lastAttributes) return this.#lastCell;
    let cell: C;
    try {
      cell = this.#lookup(attributes);
    } catch (error) {
      this.owner.warn(`attributes of ${this.name} cannot be bridged, measurement dropped: ${String(error)}`);
      return undefined;
    }
    if (attributes !== undefined && Object.isFrozen(attributes)) {
      this.#lastAttributes = attributes;
      this.#lastCell = cell;
    }
    return cell;
  }

  protected mark(cell: C): void {
    this.owner.changed = true;
    if (cell.changed) return;
    cell.changed = true;
    this.#changed.push(cell);
    if (!this.#queued) {
      this.#queued = true;
      this.owner.dirty(this);
    }
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

  write(sink: RecordSink): boolean {
    const slots = this.recordSlots();
    for (const cell of this.#changed) {
      if (!sink.fits(slots)) return false;
      sink.begin(this.id, cell.index);
      this.values(cell, sink);
      sink.end();
    }
    return true;
  }

  announce(): string {
    if (this.#announced === this.#cells.size) return '';
    this.#announced = this.#cells.size;
    let text = '';
    for (const cell of this.#changed) {
      if (cell.announcement === '') continue;
      text += `${text === '' ? '' : ','}[${this.id},${cell.announcement}]`;
      cell.announcement = '';
    }
    return text;
  }

  settle(): void {
    for (const cell of this.#changed) {
      cell.changed = false;
      this.clean(cell);
    }
    this.#changed.length = 0;
    this.#queued = false;
    this.described = true;
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
  protected create(announcement: string, index: number): Cell {
    return valueCell(announcement, index);
  }
  /** `total` */
  protected values(cell: Cell, sink: RecordSink): void {
    sink.push(cell.v);
  }
}

export class GaugeInstrument extends Instrument<Cell> implements Gauge {
  record(value: number, attributes?: Attributes): void {
    if (typeof value !== 'number' || Number.isNaN(value)) return;
    const cell = this.cell(attributes);
    if (cell === undefined) return;
    cell.v = value;
    cell.n++;
  }
  protected create(announcement: string, index: number): Cell {
    return valueCell(announcement, index);
  }
  /** `last value, times set` */
  protected values(cell: Cell, sink: RecordSink): void {
    sink.push(cell.v);
    sink.push(cell.n);
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
    cell.moved[bucket] = true;
    if (value < cell.min) cell.min = value;
    if (value > cell.max) cell.max = value;
  }
  protected create(announcement: string, index: number): HistogramCell {
    const n = this.boundaries.length + 1;
    return {
      announcement,
      index,
      changed: false,
      c: new Array<number>(n).fill(0),
      s: new Array<number>(n).fill(0),
      moved: new Array<boolean>(n).fill(false),
      min: Infinity,
      max: -Infinity,
    };
  }
  /** `min, max`, then `bucket, count, sum` for each bucket recorded into since the last commit */
  protected values(cell: HistogramCell, sink: RecordSink): void {
    sink.push(cell.min);
    sink.push(cell.max);
    for (let b = 0; b < cell.c.length; b++) {
      if (!cell.moved[b]) continue;
      sink.push(b);
      sink.push(cell.c[b]!);
      sink.push(cell.s[b]!);
    }
  }
  protected override recordSlots(): number {
    return 2 + 3 * (this.boundaries.length + 1);
  }
  protected override clean(cell: HistogramCell): void {
    cell.moved.fill(false);
  }
}

/** Observable instruments: read at each flush; a cell changes only when its observed value moves. */
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
    const cell = this.find(attributes);
    if (cell === undefined || (cell.n > 0 && cell.v === value)) return;
    cell.v = value;
    cell.n++;
    this.mark(cell);
  }
  protected create(announcement: string, index: number): Cell {
    return valueCell(announcement, index);
  }
  /** `value, times set` for gauges, `total` for counters */
  protected values(cell: Cell, sink: RecordSink): void {
    sink.push(cell.v);
    if (this.kind === 'observableGauge') sink.push(cell.n);
  }
}
