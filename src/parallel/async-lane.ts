import {
  AbortError,
  ProcessorClosedError,
  TaskError,
  TaskTimeoutError,
  type WorkerErrorInfo,
} from './errors.js';
import { type Chunk, epochMillis, type Job, type JobOwner } from './job.js';
import type { LaneSnapshot, PoolMetrics } from './metrics.js';
import type { Scheduler } from './scheduler.js';
import { type AsyncTaskFunction, localFunction, type TaskDefinition } from './task.js';
import { Utilization } from './utilization.js';

/** Copies a thrown value into the shape a worker would have reported. */
function toInfo(error: unknown): WorkerErrorInfo {
  if (!(error instanceof Error))
    return { name: 'Error', message: `non-Error value thrown: ${String(error)}` };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

/**
 * Mode `'async'`: runs items on the calling thread, each call keeping at
 * most its `concurrency` items in flight (like p-map). Items are started one
 * at a time as slots free up, each with its own AbortSignal: the item's
 * timeout, the call's abort and `close()` abort it, and the item's slot is
 * freed at once (a task that ignores its signal cannot hold the call up).
 */
export class AsyncLane implements JobOwner, Scheduler {
  readonly mode = 'async' as const;
  readonly workers = 0;
  readonly workerIds: number[] = [];
  readonly #metrics: PoolMetrics;
  readonly #maxConcurrency: number;
  readonly #active = new Set<Job>();
  readonly #modules = new Map<string, Promise<AsyncTaskFunction>>();
  readonly #utilization = new Utilization();
  #queued = 0;
  #running = 0;
  #closed = false;
  /** The job whose loop is starting items: a synchronous item's end must not start another loop (deep recursion). */
  #pumping: Job | undefined;

  constructor(metrics: PoolMetrics, maxConcurrency: number) {
    this.#metrics = metrics;
    this.#maxConcurrency = maxConcurrency;
  }

  get queued(): number {
    return this.#queued;
  }

  get busy(): number {
    return this.#running;
  }

  get concurrency(): number {
    let sum = 0;
    for (const job of this.#active) sum += this.#limit(job);
    return sum;
  }

  submit(job: Job): void {
    job.owner = this;
    this.#active.add(job);
    this.#queued += job.waiting();
    this.#pump(job);
  }

  added(job: Job, added: number): void {
    if (job.finished) return;
    this.#queued += added;
    this.#pump(job);
  }

  drop(job: Job): void {
    const waiting = job.waiting();
    this.#queued -= waiting;
    job.metrics.counts.cancelled += waiting;
    this.#active.delete(job);
  }

  /** The calling thread has no workers to resize. */
  resize(): void {}

  utilization(): number {
    return this.#utilization.read(this.#running, Math.max(1, this.concurrency));
  }

  snapshot(): LaneSnapshot {
    return {
      mode: 'async',
      queued: this.#queued,
      busy: this.#running,
      workers: 0,
      utilization: this.utilization(),
      inFlight: this.#running,
      concurrency: this.concurrency,
    };
  }

  /** Rejects every call and aborts every running item's signal. */
  async close(poolName: string): Promise<void> {
    this.#closed = true;
    for (const job of [...this.#active]) job.fail(new ProcessorClosedError(poolName), 'cancelled');
  }

  #limit(job: Job): number {
    return job.concurrency === 'auto' ? this.#maxConcurrency : job.concurrency;
  }

  #pump(job: Job): void {
    if (this.#pumping === job) return;
    const outer = this.#pumping;
    this.#pumping = job;
    try {
      const limit = this.#limit(job);
      while (!this.#closed && !job.finished && job.running < limit && job.waiting() > 0) {
        const chunk = job.next(1);
        this.#queued -= chunk.items.length;
        this.#start(job, chunk);
      }
    } finally {
      this.#pumping = outer;
    }
  }

  #function(task: TaskDefinition): AsyncTaskFunction | Promise<AsyncTaskFunction> {
    const local = localFunction(task);
    if (local !== undefined) return local;
    const key = `${task.moduleUrl}#${task.exportName}`;
    let loading = this.#modules.get(key);
    if (loading === undefined) {
      loading = import(task.moduleUrl).then((module: Record<string, unknown>) => {
        const fn = module[task.exportName];
        if (typeof fn !== 'function') {
          throw new TypeError(`module ${task.moduleUrl} has no function export named "${task.exportName}"`);
        }
        return fn as AsyncTaskFunction;
      });
      loading.catch(() => this.#modules.delete(key));
      this.#modules.set(key, loading);
    }
    return loading;
  }

  #start(job: Job, chunk: Chunk): void {
    const index = chunk.start;
    const item = chunk.items[0];
    const controller = new AbortController();
    job.controllers.add(controller);
    this.#utilization.integrate(this.#running, Math.max(1, this.concurrency));
    job.running++;
    this.#running++;
    const startedAt = epochMillis();
    let timer: NodeJS.Timeout | undefined;
    let over = false;
    const finish = (error: Error | undefined, value: unknown, timedOut = false): void => {
      if (over) return;
      over = true;
      if (timer !== undefined) clearTimeout(timer);
      job.controllers.delete(controller);
      this.#utilization.integrate(this.#running, Math.max(1, this.concurrency));
      job.running--;
      this.#running--;
      const counts = job.metrics.counts;
      if (job.finished) {
        counts.cancelled++;
        return;
      }
      if (error === undefined) counts.ok++;
      else if (timedOut) counts.timeout++;
      else counts.error++;
      const seconds = (epochMillis() - startedAt) / 1000;
      const wait = Math.max(0, (startedAt - chunk.enqueuedAt) / 1000);
      this.#metrics.recordDispatch(
        job.metrics,
        seconds,
        wait,
        error === undefined ? 'ok' : timedOut ? 'timeout' : 'error',
      );
      if (error === undefined) job.onValue(index, value);
      else job.onError(index, error);
      job.afterChunk();
      this.#pump(job);
    };
    if (job.timeoutMillis > 0) {
      timer = setTimeout(() => {
        const error = new TaskTimeoutError(job.task.name, index, job.timeoutMillis);
        finish(error, undefined, true); // before abort(): the abort listener would record an AbortError
        controller.abort(error);
      }, job.timeoutMillis);
    }
    // a call's abort or close() ends the item at once; its signal tells the task to stop
    controller.signal.addEventListener('abort', () => finish(new AbortError(), undefined), { once: true });
    const fail = (thrown: unknown): void => {
      const error = new TaskError(job.task.name, index, toInfo(thrown));
      // no worker boundary here: the cause is the task's own error, not a copy
      Object.defineProperty(error, 'cause', { value: thrown, writable: true, configurable: true });
      finish(error, undefined);
    };
    const run = (fn: AsyncTaskFunction): void => {
      if (over) return;
      try {
        const value = fn(item, { signal: controller.signal, index });
        if (
          value instanceof Promise ||
          (value !== null && typeof (value as PromiseLike<unknown>)?.then === 'function')
        )
          (value as PromiseLike<unknown>).then((v) => finish(undefined, v), fail);
        else finish(undefined, value);
      } catch (thrown) {
        fail(thrown);
      }
    };
    const fn = this.#function(job.task);
    if (typeof fn === 'function') run(fn);
    else fn.then(run, fail);
  }
}
