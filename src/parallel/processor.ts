import { performance } from 'node:perf_hooks';
import { type MeterProvider, metrics } from '@opentelemetry/api';
import { AbortError, ProcessorClosedError, QueueOverflowError } from './errors.js';
import { ArrayJob, type Job } from './job.js';
import { Lane } from './lane.js';
import { PoolMetrics, type TaskOutcome } from './metrics.js';
import {
  checkChunkSize,
  checkMode,
  checkTimeout,
  type ProcessorMode,
  type ProcessorOptions,
  type ResolvedProcessorOptions,
  resolveProcessorOptions,
} from './options.js';
import { resolveWorkerFile } from './pool.js';
import { runStream, StreamJob } from './stream.js';
import { isTaskDefinition, notATaskError, type TaskDefinition } from './task.js';
import type { MapOptions, PoolScaler, ProcessorStats, Settled, StreamOptions } from './types.js';

const DEFAULT_STREAM_CONCURRENCY = 1024;

/**
 * A metered worker pool over tinypool: `map`, `run` and `mapStream` run a
 * task (module + export, see `defineTask`) on worker threads or child
 * processes, with automatic chunking, fault isolation, timeouts, abort and
 * OpenTelemetry metrics on every call.
 *
 * @example
 * const scan = defineTask(new URL('./scan.js', import.meta.url), 'scanTarget');
 * await using processor = new ParallelProcessor({ name: 'scanner' });
 * const reports = await processor.map(scan, targets);
 */
export class ParallelProcessor implements PoolScaler {
  readonly options: ResolvedProcessorOptions;
  readonly #metrics: PoolMetrics;
  readonly #lanes = new Map<ProcessorMode, Lane>();
  #size: number;
  #closing: Promise<void> | undefined;

  constructor(options: ProcessorOptions = {}) {
    this.options = resolveProcessorOptions(options);
    this.#size = this.options.workers;
    const meterProvider: MeterProvider = options.meterProvider ?? metrics.getMeterProvider();
    this.#metrics = new PoolMetrics(meterProvider, this.options.name, () =>
      [...this.#lanes.values()].map((lane) => lane.snapshot()),
    );
  }

  /** Runs `task` on every item; resolves to the results in input order. */
  map<In, Out>(
    task: TaskDefinition<In, Out>,
    items: Iterable<In>,
    options: MapOptions & { settle: true },
  ): Promise<Settled<Out>[]>;
  map<In, Out>(task: TaskDefinition<In, Out>, items: Iterable<In>, options?: MapOptions): Promise<Out[]>;
  map(task: TaskDefinition, items: Iterable<unknown>, options: MapOptions = {}): Promise<unknown[]> {
    try {
      if (!isTaskDefinition(task)) throw notATaskError('ParallelProcessor.map', task);
      if (items === null || typeof items !== 'object' || !(Symbol.iterator in items)) {
        throw new TypeError('ParallelProcessor.map: items must be an array or an iterable');
      }
      return this.#submitArray(
        task,
        Array.isArray(items) ? items : [...items],
        options,
        'ParallelProcessor.map',
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs `task` on one item. */
  async run<In, Out>(
    task: TaskDefinition<In, Out>,
    item: In,
    options: Omit<MapOptions, 'settle' | 'onProgress'> = {},
  ): Promise<Out> {
    if (!isTaskDefinition(task)) throw notATaskError('ParallelProcessor.run', task);
    const [result] = await this.#submitArray(
      task,
      [item],
      { ...options, settle: false },
      'ParallelProcessor.run',
    );
    return result as Out;
  }

  /**
   * Runs `task` over a (possibly endless) iterable with a bounded number of
   * items in flight, yielding results as an async iterable.
   */
  mapStream<In, Out>(
    task: TaskDefinition<In, Out>,
    source: AsyncIterable<In> | Iterable<In>,
    options: StreamOptions & { settle: true },
  ): AsyncGenerator<Settled<Out>, void, undefined>;
  mapStream<In, Out>(
    task: TaskDefinition<In, Out>,
    source: AsyncIterable<In> | Iterable<In>,
    options?: StreamOptions,
  ): AsyncGenerator<Out, void, undefined>;
  async *mapStream(
    task: TaskDefinition,
    source: AsyncIterable<unknown> | Iterable<unknown>,
    options: StreamOptions = {},
  ): AsyncGenerator<unknown, void, undefined> {
    const method = 'ParallelProcessor.mapStream';
    if (!isTaskDefinition(task)) throw notATaskError(method, task);
    if (
      source === null ||
      typeof source !== 'object' ||
      !(Symbol.asyncIterator in source || Symbol.iterator in source)
    ) {
      throw new TypeError(`${method}: source must be an iterable or an async iterable`);
    }
    const concurrency = options.concurrency ?? DEFAULT_STREAM_CONCURRENCY;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`${method}: options.concurrency must be a positive integer`);
    }
    const common = this.#common(options, method);
    if (this.#closing !== undefined) throw new ProcessorClosedError(this.options.name);
    if (options.signal?.aborted === true) throw new AbortError(undefined, { cause: options.signal.reason });
    const lane = this.#lane(common.mode);
    const job = new StreamJob(
      task,
      this.#metrics.task(common.mode, task.name),
      common.chunkSize,
      common.timeoutMillis,
      options.signal,
      options.settle === true,
      options.ordered ?? true,
      (done, outcome) => this.#recordCall(done, done.delivered, outcome),
    );
    const detach = this.#linkSignal(job, options.signal);
    lane.submit(job);
    try {
      yield* runStream(job, lane, source, options.ordered ?? true, concurrency);
    } finally {
      detach();
    }
  }

  /**
   * Sets the number of workers the scheduler uses per mode, clamped to
   * [minWorkers, maxWorkers]; returns the new size. Extra workers exit once
   * idle for `idleTimeoutMillis`.
   */
  resize(workers: number): number {
    if (!Number.isSafeInteger(workers)) throw new TypeError('resize: workers must be an integer');
    const size = Math.max(Math.max(1, this.options.minWorkers), Math.min(this.options.maxWorkers, workers));
    this.#size = size;
    for (const lane of this.#lanes.values()) lane.resize(size);
    return size;
  }

  stats(): ProcessorStats {
    let workers = 0;
    let busy = 0;
    let queueSize = 0;
    let utilization = 0;
    for (const lane of this.#lanes.values()) {
      workers += lane.workers;
      busy += lane.busy;
      queueSize += lane.queued;
      utilization = Math.max(utilization, lane.utilization());
    }
    let completed = 0;
    let failed = 0;
    let cancelled = 0;
    for (const counts of this.#metrics.allCounts()) {
      completed += counts.ok;
      failed += counts.error + counts.timeout;
      cancelled += counts.cancelled;
    }
    return {
      name: this.options.name,
      size: this.#size,
      minWorkers: this.options.minWorkers,
      maxWorkers: this.options.maxWorkers,
      workers,
      busy,
      idle: Math.max(0, workers - busy),
      queueSize,
      completed,
      failed,
      cancelled,
      utilization,
    };
  }

  /** Thread ids (thread mode) or pids (process mode) of the live workers. */
  workerIds(mode: ProcessorMode = this.options.mode): number[] {
    return this.#lanes.get(mode)?.workerIds ?? [];
  }

  /**
   * Rejects waiting and running calls with `ProcessorClosedError`,
   * terminates every worker thread and child process, and removes the
   * metric callbacks. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const lanes = [...this.#lanes.values()];
      await Promise.all(lanes.map((lane) => lane.close(this.options.name)));
      this.#metrics.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #common(
    options: MapOptions,
    method: string,
  ): { mode: ProcessorMode; chunkSize: 'auto' | number; timeoutMillis: number } {
    if (typeof options !== 'object' || options === null)
      throw new TypeError(`${method}: options must be an object`);
    const mode =
      options.mode === undefined ? this.options.mode : checkMode(options.mode, `${method}: options.mode`);
    const chunkSize =
      options.chunkSize === undefined
        ? this.options.chunkSize
        : checkChunkSize(options.chunkSize, `${method}: options.chunkSize`);
    const timeoutMillis =
      options.timeoutMillis === undefined
        ? this.options.taskTimeoutMillis
        : checkTimeout(options.timeoutMillis, `${method}: options.timeoutMillis`);
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new TypeError(`${method}: options.signal must be an AbortSignal`);
    }
    return { mode, chunkSize, timeoutMillis };
  }

  #lane(mode: ProcessorMode): Lane {
    let lane = this.#lanes.get(mode);
    if (lane === undefined) {
      lane = new Lane(
        {
          mode,
          workerFile: resolveWorkerFile(),
          minWorkers: this.options.minWorkers,
          maxWorkers: this.options.maxWorkers,
          size: this.#size,
          idleTimeoutMillis: this.options.idleTimeoutMillis,
        },
        this.#metrics,
      );
      this.#lanes.set(mode, lane);
    }
    return lane;
  }

  #submitArray(
    task: TaskDefinition,
    items: readonly unknown[],
    options: MapOptions,
    method: string,
  ): Promise<unknown[]> {
    const common = this.#common(options, method);
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
      throw new TypeError(`${method}: options.onProgress must be a function`);
    }
    if (this.#closing !== undefined) throw new ProcessorClosedError(this.options.name);
    if (options.signal?.aborted === true) throw new AbortError(undefined, { cause: options.signal.reason });
    const queued = this.stats().queueSize;
    if (queued + items.length > this.options.maxQueue) {
      throw new QueueOverflowError(this.options.maxQueue, queued, items.length);
    }
    const lane = this.#lane(common.mode);
    const taskMetrics = this.#metrics.task(common.mode, task.name);
    if (items.length === 0) {
      this.#metrics.recordMap(taskMetrics, 0, 0, 'ok');
      return Promise.resolve([]);
    }
    return new Promise<unknown[]>((resolvePromise, rejectPromise) => {
      let detach = (): void => {};
      const job = new ArrayJob(
        task,
        taskMetrics,
        common.chunkSize,
        common.timeoutMillis,
        options.signal,
        items,
        options.settle === true,
        options.onProgress,
        resolvePromise,
        rejectPromise,
        (done, outcome) => {
          detach();
          this.#recordCall(done, done.total, outcome);
        },
      );
      detach = this.#linkSignal(job, options.signal);
      lane.submit(job);
    });
  }

  #linkSignal(job: Job, signal: AbortSignal | undefined): () => void {
    if (signal === undefined) return () => {};
    const onAbort = (): void => job.fail(new AbortError(undefined, { cause: signal.reason }), 'cancelled');
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  }

  #recordCall(job: Job, items: number, outcome: TaskOutcome): void {
    this.#metrics.recordMap(job.metrics, (performance.now() - job.startedAt) / 1000, items, outcome);
  }
}
