/**
 * How many items one worker runs at once. A fixed figure, or adaptive
 * (`concurrency: 'auto'`): the worker samples its event-loop utilization
 * (the share of wall time it spent running code rather than waiting) and
 *  - raises the figure while the loop is mostly idle *and* items were kept
 *    waiting by it: the items mostly wait on I/O, so more of them overlap;
 *    the step aims straight at the target load (at most ×4 per sample);
 *  - once the loop is saturated, drops it to the most items that were
 *    actually in flight: a CPU-bound or synchronous task never has more
 *    than one running, so it falls back to one item at a time.
 * Event-loop utilization, not the thread's CPU clock: on a shared machine a
 * descheduled CPU-bound worker shows little CPU time but a busy loop, and
 * must not be read as "mostly waiting".
 */
import { type EventLoopUtilization, performance } from 'node:perf_hooks';

/** Shortest sampling window, ms: shorter windows are mostly noise. */
export const SAMPLE_MILLIS = 20;
/** Below this loop utilization, with items kept waiting, the figure goes up. */
export const RAISE_BELOW = 0.95;
/** The utilization a raise aims for (over-committing costs only latency, idling costs throughput). */
const TARGET = 0.98;
/** Largest multiplication per sample. */
const MAX_STEP = 4;

export class ConcurrencyLimit {
  /** Items allowed in flight now. */
  limit = 1;
  #auto = false;
  #cap = 1;
  /** Items in flight now (async items that have not settled). */
  active = 0;
  /** Most items in flight during the current window. */
  #peak = 0;
  /** An item had to wait for a slot during the current window. */
  #blocked = false;
  #since = performance.now();
  #elu: EventLoopUtilization = performance.eventLoopUtilization();
  readonly #waiters: (() => void)[] = [];

  /** Applies a chunk's setting: a fixed number, or 0 = adaptive with the given cap. */
  configure(k: number, cap: number): void {
    if (k > 0) {
      this.#auto = false;
      this.limit = k;
      this.#wakeAll();
      return;
    }
    if (!this.#auto || this.#cap !== cap) {
      this.#auto = true;
      this.#cap = Math.max(1, cap);
      this.limit = Math.min(this.limit, this.#cap);
    }
  }

  /** True when one more item may start now. */
  get free(): boolean {
    return this.active < this.limit;
  }

  /** Resolves when a slot is free (FIFO); notes that an item was kept waiting. */
  wait(): Promise<void> {
    this.#blocked = true;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  acquire(): void {
    this.active++;
    if (this.active > this.#peak) this.#peak = this.active;
  }

  release(): void {
    this.active--;
    this.sample();
    this.#wakeAll();
  }

  /** Re-evaluates the adaptive figure once a window has passed (cheap to call often). */
  sample(): void {
    if (!this.#auto) return;
    const now = performance.now();
    if (now - this.#since < SAMPLE_MILLIS) return;
    const elu = performance.eventLoopUtilization(this.#elu);
    this.#elu = performance.eventLoopUtilization();
    this.#since = now;
    const used = elu.utilization;
    if (used < RAISE_BELOW && this.#blocked) {
      const step = used > 0 ? Math.min(MAX_STEP, TARGET / used) : MAX_STEP;
      this.limit = Math.min(this.#cap, Math.max(this.limit + 1, Math.ceil(this.limit * step)));
    } else if (used >= RAISE_BELOW) {
      this.limit = Math.max(1, Math.min(this.limit, this.#peak));
    }
    this.#blocked = false;
    this.#peak = this.active;
    this.#wakeAll();
  }

  #wakeAll(): void {
    let free = this.limit - this.active;
    while (free > 0 && this.#waiters.length > 0) {
      this.#waiters.shift()?.();
      free--;
    }
  }
}
