/**
 * The instruments of the worker-side MeterProvider (`worker-meter.ts`): one cell per attribute set,
 * holding its totals since the worker started. Every batch of an epoch carries every cell recorded
 * into during that epoch (see `bridge-protocol.ts` for the format and why).
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
  /** Set on every measurement: something changed since the last batch. */
  changed: boolean;
  /** An instrument got its first measurement of the current epoch. */
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

/** Per instrument: the cell's index and attributes, then only the index once its epoch ended (see `CellRef`). */
interface EpochCell {
  /** `[index,{attributes}]` until the epoch that announced it ends, then `index`. */
  a: string;
  announced: boolean;
  readonly index: number;
  /** Recorded into during the current epoch: every batch of the epoch carries it. */
  inEpoch: boolean;
  /** Its point as last written; undefined once it changed (most cells of an epoch are not recorded into every chunk). */
  text: string | undefined;
}

interface Cell extends EpochCell {
  /** Sum since the worker started (sums), last value (gauges), last observed value (observables). */
  v: number;
  /** Gauges and observables: how many times the value was set (the main thread records a gauge when it moved). */
  n: number;
}

interface HistogramCell extends EpochCell {
  readonly c: number[];
  readonly s: number[];
  /** Per bucket, its `index,count,sum` as last written; undefined once it changed (float to text is the cost). */
  readonly parts: (string | undefined)[];
  /** `min,max` as last written; undefined once either moved. */
  range: string | undefined;
  min: number;
  max: number;
}

/** A new sum, gauge or observable cell. */
function valueCell(a: string, index: number): Cell {
  return { a, index, announced: false, inEpoch: false, text: undefined, v: 0, n: 0 };
}

/** What the provider keeps of an instrument with measurements in the current epoch. */
export interface Drainable {
  readonly id: number;
  /** The descriptor's JSON text. */
  readonly key: string;
  /** Whether an ended epoch carried the descriptor (later batches leave it out). */
  described: boolean;
  /** Cells recorded into during the current epoch. */
  readonly epochCells: number;
  /** JSON text of `[id, points]` for the epoch's cells (see `BridgedInstrument`), or undefined. */
  drain(): string | undefined;
  /** The epoch ended: its cells count as announced, and the next epoch starts with none. */
  endEpoch(): void;
  /**
   * Thread mode (`bridge-ring.ts`): appends a record per cell changed since the last commit; false
   * when one did not fit (the whole commit then goes inline).
   */
  write(sink: RecordSink): boolean;
  /** Thread mode: `[id,[index,{attributes}]]` of each cell this commit carries for the first time. */
  announce(): string;
  /** Thread mode: the commit went out; every commit is an epoch of its own. */
  settle(): void;
}

export abstract class Instrument<C extends EpochCell> implements Drainable {
  readonly #cells = new Map<string, C>();
  readonly #epochCells: C[] = [];
  /** Thread mode: cells announced so far (every cell is announced in the commit that creates it). */
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

  /** A cell: `ref` is its first `CellRef` as JSON text. */
  protected abstract create(ref: string, index: number): C;
  /** The cell's point as JSON text (see `BridgedPoint`): its totals since the worker started. */
  protected abstract point(cell: C): string;
  /** Thread mode: the cell's totals as a ring record's values (see each kind). */
  protected abstract values(cell: C, sink: RecordSink): void;
  /** Thread mode: the most values a record of this instrument has. */
  protected recordSlots(): number {
    return 2;
  }
  /** Thread mode: the cell's values went out (histograms: which buckets changed starts afresh). */
  protected clean(_cell: C): void {}

  get epochCells(): number {
    return this.#epochCells.length;
  }

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
    cell.text = undefined;
    if (cell.inEpoch) return;
    cell.inEpoch = true;
    this.#epochCells.push(cell);
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

  drain(): string | undefined {
    let points = '';
    for (const cell of this.#epochCells) {
      cell.text ??= this.point(cell);
      points += points === '' ? cell.text : `,${cell.text}`;
    }
    return points === '' ? undefined : `[${this.id},[${points}]]`;
  }

  write(sink: RecordSink): boolean {
    const slots = this.recordSlots();
    for (const cell of this.#epochCells) {
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
    for (const cell of this.#epochCells) {
      if (!cell.announced) text += `${text === '' ? '' : ','}[${this.id},${cell.a}]`;
    }
    return text;
  }

  settle(): void {
    for (const cell of this.#epochCells) this.clean(cell);
    this.described = true;
    this.endEpoch();
  }

  endEpoch(): void {
    this.#queued = false;
    for (const cell of this.#epochCells) {
      cell.inEpoch = false;
      if (!cell.announced) {
        cell.announced = true;
        cell.a = String(cell.index);
        cell.text = undefined;
      }
    }
    this.#epochCells.length = 0;
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
    return valueCell(a, index);
  }
  protected point(cell: Cell): string {
    return `[${cell.a},${num(cell.v)}]`;
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
  protected create(a: string, index: number): Cell {
    return valueCell(a, index);
  }
  protected point(cell: Cell): string {
    return `[${cell.a},${num(cell.v)},${cell.n}]`;
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
    cell.parts[bucket] = undefined;
    if (value < cell.min || value > cell.max) {
      if (value < cell.min) cell.min = value;
      if (value > cell.max) cell.max = value;
      cell.range = undefined;
    }
  }
  protected create(a: string, index: number): HistogramCell {
    const n = this.boundaries.length + 1;
    return {
      a,
      index,
      announced: false,
      inEpoch: false,
      text: undefined,
      c: new Array<number>(n).fill(0),
      s: new Array<number>(n).fill(0),
      parts: new Array<string | undefined>(n).fill(undefined),
      min: Infinity,
      max: -Infinity,
      range: undefined,
    };
  }
  protected point(cell: HistogramCell): string {
    let buckets = '';
    for (let b = 0; b < cell.c.length; b++) {
      const n = cell.c[b]!;
      if (n === 0) continue;
      cell.parts[b] ??= `${b},${n},${num(cell.s[b]!)}`;
      buckets += buckets === '' ? cell.parts[b] : `,${cell.parts[b]}`;
    }
    cell.range ??= `${num(cell.min)},${num(cell.max)}`;
    return `[${cell.a},[${buckets}],${cell.range}]`;
  }
  /** `min, max`, then `bucket, count, sum` for each bucket recorded into since the last commit */
  protected values(cell: HistogramCell, sink: RecordSink): void {
    sink.push(cell.min);
    sink.push(cell.max);
    for (let b = 0; b < cell.c.length; b++) {
      if (cell.parts[b] !== undefined || cell.c[b] === 0) continue;
      sink.push(b);
      sink.push(cell.c[b]!);
      sink.push(cell.s[b]!);
    }
  }
  protected override recordSlots(): number {
    return 2 + 3 * (this.boundaries.length + 1);
  }
  /** A bucket's `parts` entry is '' once committed; `record` clears it (thread mode writes no text). */
  protected override clean(cell: HistogramCell): void {
    for (let b = 0; b < cell.c.length; b++) if (cell.c[b] !== 0) cell.parts[b] = '';
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
  protected create(a: string, index: number): Cell {
    return valueCell(a, index);
  }
  protected point(cell: Cell): string {
    return this.kind === 'observableGauge'
      ? `[${cell.a},${num(cell.v)},${cell.n}]`
      : `[${cell.a},${num(cell.v)}]`;
  }
  /** As {@link point}: `value, times set` for gauges, `total` for counters */
  protected values(cell: Cell, sink: RecordSink): void {
    sink.push(cell.v);
    if (this.kind === 'observableGauge') sink.push(cell.n);
  }
}
