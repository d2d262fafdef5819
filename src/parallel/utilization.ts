import { performance } from 'node:perf_hooks';

/** Utilization is measured over a window of 1–2 s, rotated lazily (no timer). */
const WINDOW_MILLIS = 1000;

/** Busy share of a capacity over the last 1–2 s, from integrals updated at every change. */
export class Utilization {
  // integrals, in worker-milliseconds
  #last = performance.now();
  #busyIntegral = 0;
  #capacityIntegral = 0;
  #older = { at: this.#last, busy: 0, capacity: 0 };
  #newer = { at: this.#last, busy: 0, capacity: 0 };

  /** Call before `busy` or `capacity` changes, with their values until now. */
  integrate(busy: number, capacity: number): void {
    const now = performance.now();
    const elapsed = now - this.#last;
    this.#busyIntegral += busy * elapsed;
    this.#capacityIntegral += capacity * elapsed;
    this.#last = now;
  }

  read(busy: number, capacity: number): number {
    this.integrate(busy, capacity);
    if (this.#last - this.#newer.at >= WINDOW_MILLIS) {
      this.#older = this.#newer;
      this.#newer = { at: this.#last, busy: this.#busyIntegral, capacity: this.#capacityIntegral };
    }
    const total = this.#capacityIntegral - this.#older.capacity;
    return total > 0 ? Math.min(1, (this.#busyIntegral - this.#older.busy) / total) : 0;
  }
}
