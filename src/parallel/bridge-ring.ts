/**
 * The records bridged worker metrics travel as. A record is `instrument id, cell index, n, v1 … vn`,
 * a changed cell's totals since the worker started (see `worker-instruments.ts` for each kind's
 * values); a worker commits one per cell changed when a chunk ends.
 *
 * Thread mode: a ring of float64 slots in shared memory that the worker appends its records to, and
 * the main thread reads up to the position the worker stamped in the chunk's answer. Nothing is
 * written as text or cloned per chunk. The main thread reads only up to the newest position it got
 * in an answer, so the records of a chunk whose answer died with its worker are never merged, and
 * the chunk's re-run records once.
 *
 * Process mode (a child process shares no memory): the same records as a plain array in the answer
 * ({@link ArraySink}, read with {@link readInline}) — a few numbers, which the IPC channel's structured
 * clone copies far cheaper than the JSON text batches they replaced, and nothing to write or parse.
 *
 * Positions count slots and wrap at 2^32 (`>>> 0`); the capacity is a power of two, so a position
 * modulo 2^32 still names its slot.
 */

/** Slots a worker's ring holds (256 KiB); a commit that does not fit goes inline in the answer's text. */
export const RING_SLOTS = 2 ** 15;
/** Int32 header: [0] the worker's write position (published), [1] the main thread's read position. */
const HEADER_BYTES = 8;
const WRITTEN = 0;
const READ = 1;

/** Where a commit's records go: the ring, or a plain array shipped inline when the ring is full. */
export interface RecordSink {
  /** Whether a record of up to `slots` values fits (false: the commit goes inline instead). */
  fits(slots: number): boolean;
  /** Starts a record; its length is filled in by {@link end}. */
  begin(instrument: number, cell: number): void;
  push(value: number): void;
  end(): void;
}

/** A commit's records as plain numbers: process mode's answers, and a thread's commit that did not fit its ring (as JSON). */
export class ArraySink implements RecordSink {
  readonly values: number[] = [];
  #lengthAt = 0;
  fits(): boolean {
    return true;
  }
  begin(instrument: number, cell: number): void {
    this.values.push(instrument, cell, 0);
    this.#lengthAt = this.values.length - 1;
  }
  push(value: number): void {
    this.values.push(value);
  }
  end(): void {
    this.values[this.#lengthAt] = this.values.length - this.#lengthAt - 1;
  }
}

/** The worker's end of a ring. */
export class RingWriter implements RecordSink {
  readonly buffer: SharedArrayBuffer;
  readonly #header: Int32Array;
  readonly #slots: Float64Array;
  readonly #mask: number;
  #position = 0;
  /** Position after the last published commit: where a commit that did not fit rolls back to. */
  #published = 0;
  #lengthAt = 0;
  #readSeen = 0;

  constructor(slots: number = RING_SLOTS) {
    if (!(slots > 0 && (slots & (slots - 1)) === 0))
      throw new RangeError(`ring slots must be a power of two`);
    this.buffer = new SharedArrayBuffer(HEADER_BYTES + slots * 8);
    this.#header = new Int32Array(this.buffer, 0, 2);
    this.#slots = new Float64Array(this.buffer, HEADER_BYTES, slots);
    this.#mask = slots - 1;
  }

  /** Whether `slots` more fit without overwriting what the main thread has not read. */
  fits(slots: number): boolean {
    // the read position last seen is at most the real one: refresh it only when that says no room
    if (((this.#position - this.#readSeen) >>> 0) + slots + 3 <= this.#slots.length) return true;
    this.#readSeen = Atomics.load(this.#header, READ) >>> 0;
    return ((this.#position - this.#readSeen) >>> 0) + slots + 3 <= this.#slots.length;
  }

  begin(instrument: number, cell: number): void {
    this.push(instrument);
    this.push(cell);
    this.#lengthAt = this.#position;
    this.push(0);
  }

  push(value: number): void {
    this.#slots[this.#position & this.#mask] = value;
    this.#position = (this.#position + 1) >>> 0;
  }

  end(): void {
    this.#slots[this.#lengthAt & this.#mask] = ((this.#position - this.#lengthAt) >>> 0) - 1;
  }

  /** Drops what was pushed since the last {@link publish}. */
  rollback(): void {
    this.#position = this.#published;
  }

  /** Makes what was pushed visible to the main thread; returns the position to put in the answer. */
  publish(): number {
    Atomics.store(this.#header, WRITTEN, this.#position | 0);
    this.#published = this.#position;
    return this.#position;
  }
}

/** Called for each record: the instrument id, the cell index, and the record's values. */
export type RecordVisitor = (instrument: number, cell: number, values: RecordValues) => void;

/** A record's values, valid only during the visit. */
export interface RecordValues {
  readonly length: number;
  at(index: number): number;
}

/** The main thread's end of a ring. */
export class RingReader implements RecordValues {
  readonly #header: Int32Array;
  readonly #slots: Float64Array;
  readonly #mask: number;
  #position = 0;
  /** The newest position an answer carried: records up to it are complete and may be read. */
  #answered = 0;
  // the record being visited
  #start = 0;
  length = 0;

  constructor(buffer: SharedArrayBuffer) {
    const slots = (buffer.byteLength - HEADER_BYTES) / 8;
    if (!(slots > 0 && (slots & (slots - 1)) === 0)) throw new RangeError('not a metrics ring');
    this.#header = new Int32Array(buffer, 0, 2);
    this.#slots = new Float64Array(buffer, HEADER_BYTES, slots);
    this.#mask = slots - 1;
    this.#position = Atomics.load(this.#header, READ) >>> 0;
    this.#answered = this.#position;
  }

  /** An answer carried `position`: answers can arrive out of order (overlapping chunks), so the newest counts. */
  answered(position: number): void {
    if (((position - this.#answered) | 0) > 0) this.#answered = position >>> 0;
  }

  get capacity(): number {
    return this.#slots.length;
  }

  /** Slots written and answered, not read yet. */
  get unread(): number {
    return (this.#answered - this.#position) >>> 0;
  }

  at(index: number): number {
    return this.#slots[(this.#start + index) & this.#mask] as number;
  }

  /** Visits every answered record not read yet, then hands their slots back to the worker. */
  read(visit: RecordVisitor): void {
    // acquire: the worker's stores before it published are visible from here on
    const published = Atomics.load(this.#header, WRITTEN) >>> 0;
    const end = ((published - this.#answered) | 0) >= 0 ? this.#answered : published;
    while (this.#position !== end) {
      const instrument = this.#slots[this.#position & this.#mask] as number;
      const cell = this.#slots[(this.#position + 1) & this.#mask] as number;
      this.length = this.#slots[(this.#position + 2) & this.#mask] as number;
      this.#start = (this.#position + 3) >>> 0;
      visit(instrument, cell, this);
      this.#position = (this.#start + this.length) >>> 0;
    }
    Atomics.store(this.#header, READ, this.#position | 0);
  }
}

/** Visits the records of an array: a process-mode answer's, or a full ring's commit shipped as JSON (null: NaN). */
export function readInline(records: readonly (number | null)[], visit: RecordVisitor): void {
  let start = 0;
  const values: RecordValues & { length: number } = {
    length: 0,
    at: (index) => records[start + index] ?? Number.NaN,
  };
  for (let position = 0; position + 2 < records.length; ) {
    values.length = records[position + 2] ?? 0;
    start = position + 3;
    visit(records[position] ?? -1, records[position + 1] ?? -1, values);
    position = start + values.length;
  }
}
