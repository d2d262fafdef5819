import { performance } from 'node:perf_hooks';
import { type MeterProvider, metrics } from '@opentelemetry/api';
import { ConfigError } from '../core/errors.js';
import { AsyncLane } from './async-lane.js';
import { WorkerMetricsMerger } from './bridge-merge.js';
import { type CallSettings, resolveCall, resolveTask } from './call-options.js';
import { AbortError, ProcessorClosedError, QueueOverflowError } from './errors.js';
import { ArrayJob, type Job } from './job.js';
import { Lane } from './lane.js';
import { PoolMetrics, type TaskOutcome } from './metrics.js';
import {
  type ProcessorMode,
  type ProcessorOptions,
  type ResolvedProcessorOptions,
  resolveProcessorOptions,
} from './options.js';
import { resolveWorkerFile } from './pool.js';
import type { Scheduler } from './scheduler.js';
import { aggregateStats } from './stats.js';
import { runStream, StreamJob } from './stream.js';
import type { AsyncTaskFunction, TaskDefinition } from './task.js';
import type { MapOptions, PoolScaler, ProcessorStats, Settled, StreamOptions } from './types.js';

const DEFAULT_STREAM_MAX_PENDING = 1024;

/** A task as `map` and `mapStream` accept it: plain functions only in `'async'` mode. */
type AnyTask<In, Out> = TaskDefinition<In, Out> | AsyncTaskFunction<In, Out>;

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
  /** Merges what tasks record inside workers into `meterProvider`'s instruments (bridgeWorkerMetrics). */
  readonly #bridge: WorkerMetricsMerger | undefined;
  readonly #lanes = new Map<ProcessorMode, Scheduler>();
  #size: number;
  #closing: Promise<void> | undefined;

  constructor(options: ProcessorOptions = {}) {
    this.options = resolveProcessorOptions(options);
    this.#size = this.options.workers;
    const meterProvider: MeterProvider = options.meterProvider ?? metrics.getMeterProvider();
    this.#metrics = new PoolMetrics(meterProvider, this.options.name, () =>
      [...this.#lanes.values()].map((lane) => lane.snapshot()),
    );
    this.#bridge = this.options.bridgeWorkerMetrics ? new WorkerMetricsMerger(meterProvider) : undefined;
  }

  /**
   * Runs `task` on every item; resolves to the results in input order. In `'async'` mode `task` may
   * also be a plain function `(item, { signal, index }) => result`.
   */
  map<In, Out>(
    task: AnyTask<In, Out>,
    items: Iterable<In>,
    options: MapOptions & { settle: true },
  ): Promise<Settled<Out>[]>;
  map<In, Out>(task: AnyTask<In, Out>, items: Iterable<In>, options?: MapOptions): Promise<Out[]>;
  map(
    task: AnyTask<unknown, unknown>,
    items: Iterable<unknown>,
    options: MapOptions = {},
  ): Promise<unknown[]> {
    return this.#map(task, items, options, 'ParallelProcessor.map');
  }

  /**
   * The original's `async_map`: `map` in `'async'` mode. Runs `task` (a plain function or a
   * `defineTask` task, imported in-process) on the calling thread with at most `concurrency` items in
   * flight (default `maxConcurrency`, 64) — for I/O-bound work. Each item gets an AbortSignal
   * (`timeoutMillis`, `signal`, `close()` abort it).
   *
   * @example
   * const pages = await processor.asyncMap((url, { signal }) => fetch(url, { signal }).then((r) => r.text()), urls, { concurrency: 100 });
   */
  asyncMap<In, Out>(
    task: AnyTask<In, Out>,
    items: Iterable<In>,
    options: Omit<MapOptions, 'mode' | 'chunkSize'> & { settle: true },
  ): Promise<Settled<Out>[]>;
  asyncMap<In, Out>(
    task: AnyTask<In, Out>,
    items: Iterable<In>,
    options?: Omit<MapOptions, 'mode' | 'chunkSize'>,
  ): Promise<Out[]>;
  asyncMap(
    task: AnyTask<unknown, unknown>,
    items: Iterable<unknown>,
    options: Omit<MapOptions, 'mode' | 'chunkSize'> = {},
  ): Promise<unknown[]> {
    if (typeof options !== 'object' || options === null) {
      return Promise.reject(new ConfigError('ParallelProcessor.asyncMap: options', 'must be an object'));
    }
    return this.#map(task, items, { ...options, mode: 'async' }, 'ParallelProcessor.asyncMap');
  }

  #map(
    task: AnyTask<unknown, unknown>,
    items: Iterable<unknown>,
    options: MapOptions,
    method: string,
  ): Promise<unknown[]> {
    try {
      const call = resolveCall(options, this.options, method);
      const resolved = resolveTask(task, call.mode, method);
      if (items === null || typeof items !== 'object' || !(Symbol.iterator in items)) {
        throw new TypeError(`${method}: items must be an array or an iterable`);
      }
      return this.#submitArray(resolved, Array.isArray(items) ? items : [...items], options, call, method);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs `task` on one item. */
  async run<In, Out>(
    task: AnyTask<In, Out>,
    item: In,
    options: Omit<MapOptions, 'settle' | 'onProgress'> = {},
  ): Promise<Out> {
    const [result] = await this.#map(
      task as AnyTask<unknown, unknown>,
      [item],
      { ...options, settle: false },
      'ParallelProcessor.run',
    );
    return result as Out;
  }

  /**
   * Runs `task` over a (possibly endless) iterable with a bounded number of
   * items pulled and not yet yielded (`maxPending`), yielding results as an
   * async iterable. Plain functions are accepted in `'async'` mode.
   */
  mapStream<In, Out>(
    task: AnyTask<In, Out>,
    source: AsyncIterable<In> | Iterable<In>,
    options: StreamOptions & { settle: true },
  ): AsyncGenerator<Settled<Out>, void, undefined>;
  mapStream<In, Out>(
    task: AnyTask<In, Out>,
    source: AsyncIterable<In> | Iterable<In>,
    options?: StreamOptions,
  ): AsyncGenerator<Out, void, undefined>;
  async *mapStream(
    anyTask: AnyTask<unknown, unknown>,
    source: AsyncIterable<unknown> | Iterable<unknown>,
    options: StreamOptions = {},
  ): AsyncGenerator<unknown, void, undefined> {
    const method = 'ParallelProcessor.mapStream';
    const common = resolveCall(options, this.options, method);
    const task = resolveTask(anyTask, common.mode, method);
    if (
      source === null ||
      typeof source !== 'object' ||
      !(Symbol.asyncIterator in source || Symbol.iterator in source)
    ) {
      throw new TypeError(`${method}: source must be an iterable or an async iterable`);
    }
    const maxPending = options.maxPending ?? DEFAULT_STREAM_MAX_PENDING;
    if (!Number.isSafeInteger(maxPending) || maxPending < 1) {
      throw new ConfigError(`${method}: options.maxPending`, 'must be a positive integer');
    }
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
    job.concurrency = common.concurrency;
    const detach = this.#linkSignal(job, options.signal);
    lane.submit(job);
    try {
      yield* runStream(job, lane, source, options.ordered ?? true, maxPending);
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
    return aggregateStats(this.options, this.#size, [...this.#lanes.values()], this.#metrics.allCounts());
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
      this.#bridge?.close();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #lane(mode: ProcessorMode): Scheduler {
    let lane = this.#lanes.get(mode);
    if (lane !== undefined) return lane;
    if (mode === 'async') {
      lane = new AsyncLane(this.#metrics, this.options.maxConcurrency);
    } else {
      lane = new Lane(
        {
          mode,
          workerFile: resolveWorkerFile(),
          minWorkers: this.options.minWorkers,
          maxWorkers: this.options.maxWorkers,
          size: this.#size,
          idleTimeoutMillis: this.options.idleTimeoutMillis,
          maxConcurrency: this.options.maxConcurrency,
          bridge: this.#bridge,
        },
        this.#metrics,
      );
    }
    this.#lanes.set(mode, lane);
    return lane;
  }

  #submitArray(
    task: TaskDefinition,
    items: readonly unknown[],
    options: MapOptions,
    common: CallSettings,
    method: string,
  ): Promise<unknown[]> {
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
      throw new ConfigError(`${method}: options.onProgress`, 'must be a function');
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
      job.concurrency = common.concurrency;
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
    // before the job's promise settles: its workers' measurements are in the instruments when map() returns
    this.#bridge?.flush();
    this.#metrics.recordMap(job.metrics, (performance.now() - job.startedAt) / 1000, items, outcome);
  }
}
