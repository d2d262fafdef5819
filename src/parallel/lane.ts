import type Tinypool from 'tinypool';
import type { WorkerMetricsMerger } from './bridge-merge.js';
import { type Deadline, type StartChannel, startDeadline } from './deadline.js';
import { crashError, deliverChunk } from './delivery.js';
import { ProcessorClosedError, TaskTimeoutError } from './errors.js';
import { type Chunk, epochMillis, type Job, type JobOwner } from './job.js';
import type { LaneSnapshot, PoolMetrics } from './metrics.js';
import type { WorkerMode } from './options.js';
import { createPool, limitPool, type PoolConfig, THREAD_PIPELINE, watchThreadExits } from './pool.js';
import type { ChunkRequest, ChunkResponse } from './protocol.js';
import type { Scheduler } from './scheduler.js';
import { Utilization } from './utilization.js';

/** How one lane's pool is built. */
export interface LaneConfig extends PoolConfig {
  readonly size: number;
  /** Cap of `concurrency: 'auto'`, items per worker. */
  readonly maxConcurrency: number;
  /** Where the workers' bridged measurements go; undefined = bridge off. */
  readonly bridge: WorkerMetricsMerger | undefined;
}

/**
 * Extra time the main thread's deadline allows past an item's limit: within
 * it the worker's own timer aborts the item's signal and answers; the main
 * thread terminates the worker only for a task that blocks its event loop.
 */
const WORKER_TIMER_GRACE_MILLIS = 250;

/**
 * Chunks per worker handed to tinypool at once. Worker threads hold both
 * (THREAD_PIPELINE), so the next chunk is already in the worker when one
 * ends; for child processes the second waits in tinypool's queue.
 */
const PREFETCH = THREAD_PIPELINE;

/** A chunk lost this many times with workers that crashed on other chunks is failed as a crash (e.g. a worker that cannot boot). */
const MAX_UNSTARTED_RESENDS = 3;

/**
 * One mode's scheduler: a tinypool (created on first use) and the jobs
 * waiting for it. The lane, not tinypool, holds the queue: at most `size`
 * chunks are in tinypool at once, so queue wait, fairness between calls,
 * chunking and `resize` are ours, and tinypool's own queue stays empty.
 */
export class Lane implements JobOwner, Scheduler {
  readonly mode: WorkerMode;
  #size: number;
  #pool: Tinypool | undefined;
  #closed = false;
  readonly #config: LaneConfig;
  readonly #metrics: PoolMetrics;
  /** Jobs with work to dispatch, served round-robin. */
  readonly #ready: Job[] = [];
  /** Every unfinished job, with or without waiting work. */
  readonly #active = new Set<Job>();
  readonly #watched = new WeakSet<object>();
  #next = 0;
  /** Chunks handed to tinypool: up to PREFETCH per worker, so a worker finds its next chunk waiting. */
  #inFlight = 0;
  /** Of those, chunks that can be aborted (signal or timeout). */
  #abortableInFlight = 0;
  #queued = 0;
  /** Items in the chunks handed to tinypool. */
  #inFlightItems = 0;
  /** Each worker's items-at-once figure, as it last reported it. */
  readonly #limits = new Map<number, number>();
  readonly #utilization = new Utilization();

  constructor(config: LaneConfig, metrics: PoolMetrics) {
    this.mode = config.mode;
    this.#config = config;
    this.#size = config.size;
    this.#metrics = metrics;
  }

  get queued(): number {
    return this.#queued;
  }

  /** Workers running a chunk. */
  get busy(): number {
    return Math.min(this.#inFlight, this.#size);
  }

  get size(): number {
    return this.#size;
  }

  /** Live workers (threads or child processes). */
  get workers(): number {
    return this.#pool === undefined ? 0 : this.#pool.threads.length;
  }

  /** Worker thread ids, or child process pids. */
  get workerIds(): number[] {
    return this.#pool === undefined ? [] : this.#pool.threads.map((worker) => worker.threadId);
  }

  resize(size: number): void {
    this.#integrate();
    this.#size = size;
    if (this.#pool !== undefined) limitPool(this.#pool, this.#config.minWorkers, size);
    this.#pump();
  }

  submit(job: Job): void {
    job.owner = this;
    this.#active.add(job);
    this.#queued += job.waiting();
    this.#ready.push(job);
    this.#pump();
  }

  /** A stream job buffered `added` more items. */
  added(job: Job, added: number): void {
    if (job.finished) return;
    this.#queued += added;
    if (!this.#ready.includes(job)) this.#ready.push(job);
    this.#pump();
  }

  drop(job: Job): void {
    const waiting = job.waiting();
    this.#queued -= waiting;
    job.metrics.counts.cancelled += waiting;
    this.#active.delete(job);
    const at = this.#ready.indexOf(job);
    if (at !== -1) this.#ready.splice(at, 1);
  }

  snapshot(): LaneSnapshot {
    return {
      mode: this.mode,
      queued: this.#queued,
      busy: this.busy,
      workers: this.workers,
      utilization: this.utilization(),
      inFlight: this.#inFlightItems,
      concurrency: this.concurrency,
    };
  }

  /** Busy share of capacity over the last 1–2 s. */
  utilization(): number {
    return this.#utilization.read(this.busy, this.#size);
  }

  /** Items a worker runs at once: the live workers' last reported figures, averaged (1 before any report). */
  get concurrency(): number {
    if (this.#limits.size === 0) return 1;
    const live = new Set(this.workerIds);
    let sum = 0;
    let n = 0;
    for (const [id, k] of this.#limits) {
      if (!live.has(id)) this.#limits.delete(id);
      else {
        sum += k;
        n++;
      }
    }
    return n === 0 ? 1 : sum / n;
  }

  /** Rejects every job with ProcessorClosedError and terminates the workers. */
  async close(poolName: string): Promise<void> {
    this.#closed = true;
    for (const job of [...this.#active]) job.fail(new ProcessorClosedError(poolName), 'cancelled');
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool !== undefined) await pool.destroy();
  }

  #integrate(): void {
    this.#utilization.integrate(this.busy, this.#size);
  }

  /** Items for the next chunk: enough to keep the worker's items-at-once figure busy. */
  #chunkCount(job: Job): number {
    if (job.chunkSize !== 'auto') return job.chunkSize;
    const count = job.estimator.size(job.available(), this.#size);
    const k = job.concurrency === 'auto' ? Math.round(this.concurrency) : job.concurrency;
    // a child process holds one chunk at a time: for async items send two slots' worth, so it is never
    // starved between chunks, and so 'auto' sees items waiting for a slot and may raise the figure
    const perWorker = this.mode === 'process' && job.sawAsync ? 2 * k : k;
    return perWorker > 1
      ? Math.max(count, Math.min(perWorker, Math.ceil(job.available() / this.#size)))
      : count;
  }

  #getPool(): Tinypool {
    this.#pool ??= createPool(this.#config, this.#size);
    return this.#pool;
  }

  #pump(): void {
    while (!this.#closed && this.#inFlight < this.#size * PREFETCH && this.#ready.length > 0) {
      let dispatched = false;
      for (let tries = this.#ready.length; tries > 0 && this.#ready.length > 0; tries--) {
        if (this.#next >= this.#ready.length) this.#next = 0;
        const job = this.#ready[this.#next]!;
        if (job.finished || job.waiting() === 0) {
          this.#ready.splice(this.#next, 1);
          continue;
        }
        this.#next++;
        if (!this.#fits(job)) continue;
        const chunk = job.next(this.#chunkCount(job));
        this.#queued -= chunk.items.length;
        this.#dispatch(job, chunk);
        dispatched = true;
        break;
      }
      if (!dispatched) return;
    }
  }

  /**
   * Threads pipeline two chunks per worker, but tinypool runs an abortable
   * chunk (signal or timeout) only on an idle worker, and its abort handling
   * breaks if one waits behind a plain chunk (it looks for it in the wrong
   * queue). So a thread lane runs abortable and plain chunks in turns, never
   * both at once.
   */
  #fits(job: Job): boolean {
    if (this.mode !== 'thread') return true;
    const abortable = job.signal !== undefined || job.timeoutMillis > 0;
    return abortable ? this.#inFlight === this.#abortableInFlight : this.#abortableInFlight === 0;
  }

  #dispatch(job: Job, chunk: Chunk): void {
    const pool = this.#getPool();
    this.#integrate();
    this.#inFlight++;
    this.#inFlightItems += chunk.items.length;
    let controller: AbortController | undefined;
    let deadline: Deadline | undefined;
    const abortable = job.signal !== undefined || job.timeoutMillis > 0;
    // Threads: every chunk carries start/end stamps, so a chunk lost with a worker that crashed on
    // another chunk (pipelined behind it, or finished but not yet read) is sent again instead of failing.
    // [0] chunk started, [1] chunk finished, [2] start of the item blocking the worker now (per-item timeouts),
    // [3] the worker's metrics ring position after this chunk (bridge on), [4] the item running
    // synchronously now (index + 1; 0: none)
    const slot = this.mode === 'thread' ? new Float64Array(new SharedArrayBuffer(40)) : undefined;
    let request: ChunkRequest = {
      m: job.task.moduleUrl,
      e: job.task.exportName,
      i: chunk.items,
      t: slot,
      k: job.concurrency === 'auto' ? 0 : job.concurrency,
      x: this.#config.maxConcurrency,
      o: chunk.start,
      to: job.timeoutMillis,
      ...(this.#config.bridge === undefined ? {} : { b: 1 as const }),
    };
    let runOptions: { signal: AbortSignal; channel?: StartChannel } | undefined;
    if (abortable) {
      const c = new AbortController();
      controller = c;
      job.controllers.add(c);
      runOptions = { signal: c.signal };
      if (job.timeoutMillis > 0) {
        const limit = job.timeoutMillis * chunk.items.length + WORKER_TIMER_GRACE_MILLIS;
        // the chunk's budget is a backstop; a thread worker stamps each synchronous item, and one over
        // its own limit (plus the worker timer's grace) cuts the chunk, whose items then run one by one
        const itemLimit = job.timeoutMillis + WORKER_TIMER_GRACE_MILLIS;
        deadline = startDeadline(this.mode, limit, request, () => c.abort(), itemLimit);
        request = deadline.request;
        if (deadline.channel !== undefined) runOptions.channel = deadline.channel;
      }
    }
    if (abortable) this.#abortableInFlight++;
    const settled = (): void => {
      this.#integrate();
      this.#inFlight--;
      this.#inFlightItems -= chunk.items.length;
      if (abortable) this.#abortableInFlight--;
      deadline?.cancel();
      if (controller !== undefined) job.controllers.delete(controller);
    };
    (pool.run(request, runOptions) as Promise<ChunkResponse>).then(
      (response) => {
        settled();
        this.#deliver(job, chunk, response, slot);
        this.#pump();
      },
      (error: unknown) => {
        settled();
        // threads: a chunk that never started, or that finished but whose answer died with the worker,
        // did not cause the crash; process mode has one chunk per worker, so it did
        const innocent = slot !== undefined && ((slot[0] ?? 0) === 0 || (slot[1] ?? 0) !== 0);
        const timedOut = deadline?.expired === true;
        const blocking = slot === undefined ? -1 : blockingItem(slot, timedOut, job.timeoutMillis);
        this.#failed(job, chunk, error, timedOut, innocent, blocking);
        if (this.mode === 'thread' && this.#pool !== undefined) watchThreadExits(this.#pool, this.#watched);
        this.#pump();
      },
    );
    if (this.mode === 'thread') watchThreadExits(pool, this.#watched);
  }

  #deliver(job: Job, chunk: Chunk, response: ChunkResponse, slot: Float64Array | undefined): void {
    const newWorker = !this.#limits.has(response.id);
    this.#limits.set(response.id, response.k);
    // merged after this turn, or when the job ends (before it resolves: see WorkerMetricsMerger.received)
    const bridge = this.#config.bridge;
    if (bridge !== undefined) {
      if (slot !== undefined && (response.x !== undefined || slot[3] !== 0))
        bridge.received(this, response.id, slot[3] as number, response.x, response.l);
      else if (response.r !== undefined) bridge.receivedRecords(this, response.id, response.r, response.x);
    }
    // a worker answering for the first time mostly replaces one that exited: retire the exited ones
    if (newWorker) this.#config.bridge?.retire(this, new Set(this.workerIds));
    deliverChunk(job, chunk, response, this.#metrics);
  }

  /**
   * A chunk whose worker died. `blocking`: the item (index in the chunk) the worker was running
   * synchronously when it died, or -1 when that is not known (process mode, or it died between items).
   */
  #failed(
    job: Job,
    chunk: Chunk,
    error: unknown,
    timedOut: boolean,
    innocent: boolean,
    blocking: number,
  ): void {
    const count = chunk.items.length;
    const counts = job.metrics.counts;
    if (this.#closed || job.finished) {
      counts.cancelled += count;
      return;
    }
    const unstarted = chunk.unstarted ?? 0;
    if (innocent && !timedOut && unstarted < MAX_UNSTARTED_RESENDS) {
      // lost with a worker that died on another chunk (this one had not started, or had finished
      // but its answer was not read yet): send it again, unchanged
      job.retries.unshift({ ...chunk, unstarted: unstarted + 1 });
      this.#queued += count;
      if (!this.#ready.includes(job)) this.#ready.push(job);
      return;
    }
    if (count > 1 && blocking >= 0 && blocking < count) {
      // The worker died inside this item: it fails alone, and the chunk's other items (those before
      // it had their answer die with the worker) run again as two chunks — one dead worker per fault,
      // not a second one when the item is re-run by itself.
      const { start, items, enqueuedAt } = chunk;
      const rest = [
        { start, items: items.slice(0, blocking), enqueuedAt },
        { start: start + blocking + 1, items: items.slice(blocking + 1), enqueuedAt },
      ].filter((part) => part.items.length > 0);
      job.retries.push(...rest);
      this.#queued += count - 1;
      if (!this.#ready.includes(job)) this.#ready.push(job);
      this.#failItem(job, start + blocking, error, timedOut);
      return;
    }
    if (count > 1) {
      // Re-run the chunk's items one at a time so only the faulty item fails.
      for (let i = 0; i < count; i++) {
        job.retries.push({ start: chunk.start + i, items: [chunk.items[i]], enqueuedAt: chunk.enqueuedAt });
      }
      this.#queued += count;
      if (!this.#ready.includes(job)) this.#ready.push(job);
      return;
    }
    this.#failItem(job, chunk.start, error, timedOut);
  }

  #failItem(job: Job, index: number, error: unknown, timedOut: boolean): void {
    const counts = job.metrics.counts;
    if (timedOut) {
      counts.timeout++;
      job.onError(index, new TaskTimeoutError(job.task.name, index, job.timeoutMillis));
    } else {
      counts.error++;
      job.onError(index, crashError(job.task.name, index, error));
    }
    job.afterChunk();
  }
}

/**
 * The item (index in its chunk) a dead thread worker was running synchronously, from the chunk's
 * shared slot, or -1. A chunk cut at its time limit blames that item only when the item itself had
 * run past the per-item limit (else which item was slow is not known, and the items re-run one by one).
 */
function blockingItem(slot: Float64Array, timedOut: boolean, timeoutMillis: number): number {
  const running = (slot[4] ?? 0) - 1;
  if (running < 0 || !timedOut) return running;
  const itemStarted = slot[2] ?? 0;
  return itemStarted > 0 && epochMillis() - itemStarted >= timeoutMillis ? running : -1;
}
