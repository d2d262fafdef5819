/**
 * One resolution of the history, RRD style: a ring of fixed-width time slots, each keeping the
 * min / avg / max of every series for that step. All memory is allocated up front in typed arrays,
 * so a tier never grows: `capacity × (8 + 12 × maxSeries)` bytes.
 */
export class Tier {
  readonly stepMillis: number;
  readonly capacity: number;
  /** False for a ring started after the history began (a new sampling step): it lacks the start. */
  complete = true;
  /** Start time (ms) of each slot; NaN = empty. Shared by every series. */
  readonly #slotStart: Float64Array;
  readonly #min: Float32Array;
  readonly #avg: Float32Array;
  readonly #max: Float32Array;
  /** Samples folded into the open (newest) slot, per series: only the open slot still changes. */
  readonly #openCount: Uint32Array;
  readonly #maxSeries: number;
  #head = -1;
  #filled = 0;

  constructor(stepMillis: number, capacity: number, maxSeries: number) {
    this.stepMillis = stepMillis;
    this.capacity = capacity;
    this.#maxSeries = maxSeries;
    this.#slotStart = new Float64Array(capacity).fill(Number.NaN);
    this.#min = new Float32Array(capacity * maxSeries).fill(Number.NaN);
    this.#avg = new Float32Array(capacity * maxSeries).fill(Number.NaN);
    this.#max = new Float32Array(capacity * maxSeries).fill(Number.NaN);
    this.#openCount = new Uint32Array(maxSeries);
  }

  /** Bytes held by the typed arrays (the whole bound: nothing else grows). */
  get bytes(): number {
    return this.#slotStart.byteLength + 3 * this.#min.byteLength + this.#openCount.byteLength;
  }

  /** Whether it holds everything since the history began: complete and never overwritten. */
  get holdsAll(): boolean {
    return this.complete && this.#filled < this.capacity;
  }

  /** Start of the oldest slot kept, or NaN when empty. */
  get oldestMillis(): number {
    if (this.#filled === 0) return Number.NaN;
    return this.#slotStart[(this.#head - this.#filled + 1 + this.capacity) % this.capacity] as number;
  }

  /** Folds one sample (a value per series index; NaN = no data) into the slot containing `timeMs`. */
  record(timeMs: number, values: Float64Array, count: number): void {
    const start = Math.floor(timeMs / this.stepMillis) * this.stepMillis;
    const headStart = this.#head < 0 ? Number.NaN : (this.#slotStart[this.#head] as number);
    // A sample older than the open slot (clock stepped back) folds into the open slot.
    if (!(start <= headStart)) this.#open(start);
    const base = this.#head * this.#maxSeries;
    for (let i = 0; i < count; i++) {
      const v = values[i] as number;
      if (Number.isNaN(v)) continue;
      const at = base + i;
      const n = (this.#openCount[i] as number) + 1;
      this.#openCount[i] = n;
      if (n === 1) {
        this.#min[at] = v;
        this.#max[at] = v;
        this.#avg[at] = v;
      } else {
        if (v < (this.#min[at] as number)) this.#min[at] = v;
        if (v > (this.#max[at] as number)) this.#max[at] = v;
        // Running mean: exact without keeping a sum that Float32 would round.
        this.#avg[at] = (this.#avg[at] as number) + (v - (this.#avg[at] as number)) / n;
      }
    }
  }

  #open(start: number): void {
    this.#head = (this.#head + 1) % this.capacity;
    this.#filled = Math.min(this.capacity, this.#filled + 1);
    this.#slotStart[this.#head] = start;
    const base = this.#head * this.#maxSeries;
    this.#min.fill(Number.NaN, base, base + this.#maxSeries);
    this.#avg.fill(Number.NaN, base, base + this.#maxSeries);
    this.#max.fill(Number.NaN, base, base + this.#maxSeries);
    this.#openCount.fill(0);
  }

  /**
   * Visits the slots overlapping `[from, to)`, oldest first, calling `visit(slotStart, slotOffset)`;
   * read a series with {@link min}/{@link avg}/{@link max}.
   */
  forEachSlot(from: number, to: number, visit: (start: number, offset: number) => void): void {
    for (let k = this.#filled - 1; k >= 0; k--) {
      const slot = (this.#head - k + this.capacity) % this.capacity;
      const start = this.#slotStart[slot] as number;
      if (start + this.stepMillis <= from || start >= to) continue;
      visit(start, slot * this.#maxSeries);
    }
  }

  min(offset: number, series: number): number {
    return this.#min[offset + series] as number;
  }
  avg(offset: number, series: number): number {
    return this.#avg[offset + series] as number;
  }
  max(offset: number, series: number): number {
    return this.#max[offset + series] as number;
  }
}
