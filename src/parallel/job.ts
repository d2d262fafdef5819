import { performance } from 'node:perf_hooks';
import { ChunkEstimator } from './chunker.js';
import type { TaskMetrics, TaskOutcome } from './metrics.js';
import type { Concurrency } from './options.js';
import type { TaskDefinition } from './task.js';

/** Items dispatched together; always a contiguous run of input positions. */
export interface Chunk {
  readonly start: number;
  readonly items: readonly unknown[];
  /** When these items were queued, epoch ms (performance.timeOrigin + now), for queue wait. */
  readonly enqueuedAt: number;
  /** Times this chunk was lost with a worker that crashed on another chunk (it is then sent again, unchanged). */
  readonly unstarted?: number;
}

/** Per-item result of a settled map. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

/** What a lane needs to know to drop a job's waiting work. */
export interface JobOwner {
  drop(job: Job): void;
}

export function epochMillis(): number {
  return performance.timeOrigin + performance.now();
}

/** Everything one call (map, run, mapStream) asks of a lane. */
export abstract class Job {
  /** Single items to re-run one by one after their chunk's worker died or timed out. */
  readonly retries: Chunk[] = [];
  /** Dispatch controllers in flight (only when the job can abort or time out). */
  readonly controllers = new Set<AbortController>();
  readonly startedAt = performance.now();
  /** Time per item seen so far in this call, for `chunkSize: 'auto'`. */
  readonly estimator = new ChunkEstimator();
  owner: JobOwner | undefined;
  finished = false;
  /** Items at once, per worker (thread, process) or for this call (async); set before submit. */
  concurrency: Concurrency = 1;
  /** A worker reported items that returned a promise (they can overlap). */
  sawAsync = false;
  /** Async mode: this call's items running now. */
  running = 0;

  constructor(
    readonly task: TaskDefinition,
    readonly metrics: TaskMetrics,
    readonly chunkSize: 'auto' | number,
    readonly timeoutMillis: number,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** Fresh items ready to dispatch now. */
  abstract available(): number;
  /** Takes up to `count` fresh items (count ≤ available()). */
  protected abstract take(count: number): Chunk;
  /** An item succeeded. */
  abstract onValue(index: number, value: unknown): void;
  /** An item failed with a typed error. */
  abstract onError(index: number, error: Error): void;
  /** Called after each chunk's items were delivered. */
  abstract afterChunk(): void;
  /** Rejects the whole call (abort, close); in-flight chunks are aborted when they can be. */
  abstract fail(error: Error, outcome: TaskOutcome): void;

  /** Items waiting, fresh and retries. */
  waiting(): number {
    if (this.finished) return 0;
    let retried = 0;
    for (const chunk of this.retries) retried += chunk.items.length;
    return this.available() + retried;
  }

  next(count: number): Chunk {
    return this.retries.shift() ?? this.take(count);
  }

  /** Marks finished, drops waiting work from the lane, aborts abortable in-flight chunks. */
  protected finish(): void {
    if (this.finished) return;
    this.owner?.drop(this);
    this.finished = true;
  }

  protected abortInFlight(): void {
    for (const controller of this.controllers) controller.abort();
    this.controllers.clear();
  }
}

export interface ArrayJobCallbacks {
  onDone(job: ArrayJob, outcome: TaskOutcome): void;
}

/** A map over an array (and `run`, a map of one). */
export class ArrayJob extends Job {
  readonly #items: readonly unknown[];
  readonly #results: unknown[];
  readonly #settle: boolean;
  readonly #onProgress: ((done: number, total: number) => void) | undefined;
  readonly #enqueuedAt = epochMillis();
  readonly #resolve: (results: unknown[]) => void;
  readonly #reject: (error: Error) => void;
  readonly #onDone: (job: ArrayJob, outcome: TaskOutcome) => void;
  #cursor = 0;
  #done = 0;
  #errors = 0;

  constructor(
    task: TaskDefinition,
    metrics: TaskMetrics,
    chunkSize: 'auto' | number,
    timeoutMillis: number,
    signal: AbortSignal | undefined,
    items: readonly unknown[],
    settle: boolean,
    onProgress: ((done: number, total: number) => void) | undefined,
    resolve: (results: unknown[]) => void,
    reject: (error: Error) => void,
    onDone: (job: ArrayJob, outcome: TaskOutcome) => void,
  ) {
    super(task, metrics, chunkSize, timeoutMillis, signal);
    this.#items = items;
    this.#results = new Array(items.length);
    this.#settle = settle;
    this.#onProgress = onProgress;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#onDone = onDone;
  }

  get total(): number {
    return this.#items.length;
  }

  available(): number {
    return this.#items.length - this.#cursor;
  }

  protected take(count: number): Chunk {
    const start = this.#cursor;
    const end = Math.min(this.#items.length, start + count);
    this.#cursor = end;
    return { start, items: this.#items.slice(start, end), enqueuedAt: this.#enqueuedAt };
  }

  onValue(index: number, value: unknown): void {
    if (this.finished) return;
    this.#results[index] = this.#settle ? { ok: true, value } : value;
    this.#done++;
  }

  onError(index: number, error: Error): void {
    if (this.finished) return;
    if (!this.#settle) {
      this.fail(error, 'error');
      return;
    }
    this.#results[index] = { ok: false, error };
    this.#done++;
    this.#errors++;
  }

  afterChunk(): void {
    if (this.finished) return;
    if (this.#onProgress !== undefined) {
      try {
        this.#onProgress(this.#done, this.#items.length);
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)), 'error');
        return;
      }
    }
    if (this.#done === this.#items.length) {
      this.finish();
      this.#onDone(this, this.#errors > 0 ? 'error' : 'ok');
      this.#resolve(this.#results);
    }
  }

  fail(error: Error, outcome: TaskOutcome): void {
    if (this.finished) return;
    this.finish();
    this.abortInFlight();
    this.#onDone(this, outcome);
    this.#reject(error);
  }
}
