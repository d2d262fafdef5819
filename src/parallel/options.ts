import { availableParallelism } from 'node:os';
import type { MeterProvider } from '@opentelemetry/api';

/**
 * Where tasks run: worker threads, child processes (tinypool's `child_process` runtime), or `'async'`:
 * on the calling thread, a bounded number of items in flight at once (for I/O-bound tasks).
 */
export type ProcessorMode = 'thread' | 'process' | 'async';

/** The modes that run tasks in workers. */
export type WorkerMode = Exclude<ProcessorMode, 'async'>;

/** Items in flight at once: a fixed number, or `'auto'` (adapted to how much of an item's time is CPU). */
export type Concurrency = number | 'auto';

/** Options of {@link ParallelProcessor}. */
export interface ProcessorOptions {
  /**
   * Pool name, the `aiva.pool.name` attribute on every metric.
   * @default 'default'
   * @example new ParallelProcessor({ name: 'scanner' })
   */
  name?: string;
  /**
   * Upper bound of workers per mode; `resize(n)` may not go above it.
   * @default os.availableParallelism()
   * @example new ParallelProcessor({ maxWorkers: 8 })
   */
  maxWorkers?: number;
  /**
   * Lower bound of workers per mode, kept alive while idle; `resize(n)` may not go below it.
   * @default 1 (capped at maxWorkers)
   * @example new ParallelProcessor({ minWorkers: 2 })
   */
  minWorkers?: number;
  /**
   * Workers in use at start; change it later with `resize(n)`.
   * @default maxWorkers
   * @example new ParallelProcessor({ maxWorkers: 8, workers: 4 })
   */
  workers?: number;
  /**
   * Default mode of `map`, `run` and `mapStream`: `'thread'` (worker_threads), `'process'` (child
   * processes) or `'async'` (the calling thread, `concurrency` items at once; see `asyncMap`).
   * @default 'thread'
   * @example new ParallelProcessor({ mode: 'process' })
   */
  mode?: ProcessorMode;
  /**
   * Items one worker runs at once (thread and process modes), so async tasks overlap their waits inside
   * each worker; in `'async'` mode, items in flight per call on the calling thread. `'auto'`: each worker
   * starts at 1 and raises the figure while its event loop sits mostly idle with items waiting (the
   * items mostly wait on I/O), up to `maxConcurrency`, and drops back to what it really used once it is
   * busy (CPU-bound items get one at a time per worker, as without this option). In `'async'` mode
   * `'auto'` means `maxConcurrency`. Per call: `map(task, items, { concurrency })`.
   * @default 'auto'
   * @example new ParallelProcessor({ concurrency: 16 })
   */
  concurrency?: Concurrency;
  /**
   * Cap of `concurrency: 'auto'`, in items in flight per worker (and the `'async'` mode's
   * `'auto'` figure).
   * @default 64
   * @example new ParallelProcessor({ maxConcurrency: 256 })
   */
  maxConcurrency?: number;
  /**
   * Items per dispatch: `'auto'` sizes chunks from the measured time per item (a few ms of work per
   * chunk, finer at the tail), a number fixes it.
   * @default 'auto'
   * @example new ParallelProcessor({ chunkSize: 1 })
   */
  chunkSize?: 'auto' | number;
  /**
   * Most items that may wait for a worker, over all calls; past it a call rejects with
   * `QueueOverflowError` (streams wait instead).
   * @default Infinity
   * @example new ParallelProcessor({ maxQueue: 100_000 })
   */
  maxQueue?: number;
  /**
   * Per-item time limit in milliseconds (0 = none); an item over it fails with `TaskTimeoutError` and its
   * worker is replaced.
   * @default 0
   * @example new ParallelProcessor({ taskTimeoutMillis: 30_000 })
   */
  taskTimeoutMillis?: number;
  /**
   * Milliseconds an idle worker above `minWorkers` lives before it exits.
   * @default 30000
   * @example new ParallelProcessor({ idleTimeoutMillis: 5000 })
   */
  idleTimeoutMillis?: number;
  /**
   * Where metrics are recorded.
   * @default metrics.getMeterProvider() at construction
   * @example new ParallelProcessor({ meterProvider: perf.meterProvider })
   */
  meterProvider?: MeterProvider;
}

/** Defaults of {@link ProcessorOptions} (maxWorkers is the machine's available parallelism). */
export const DEFAULT_PROCESSOR_OPTIONS = Object.freeze({
  name: 'default',
  maxWorkers: availableParallelism(),
  minWorkers: 1,
  mode: 'thread' as ProcessorMode,
  concurrency: 'auto' as Concurrency,
  maxConcurrency: 64,
  chunkSize: 'auto' as 'auto' | number,
  maxQueue: Number.POSITIVE_INFINITY,
  taskTimeoutMillis: 0,
  idleTimeoutMillis: 30_000,
});

/** Options after defaults and validation. */
export interface ResolvedProcessorOptions {
  readonly name: string;
  readonly maxWorkers: number;
  readonly minWorkers: number;
  readonly workers: number;
  readonly mode: ProcessorMode;
  readonly concurrency: Concurrency;
  readonly maxConcurrency: number;
  readonly chunkSize: 'auto' | number;
  readonly maxQueue: number;
  readonly taskTimeoutMillis: number;
  readonly idleTimeoutMillis: number;
}

const isPositiveInteger = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;
const isNonNegativeInteger = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

export function checkMode(value: unknown, field: string): ProcessorMode {
  if (value !== 'thread' && value !== 'process' && value !== 'async')
    throw new TypeError(`${field} must be 'thread', 'process' or 'async'`);
  return value;
}

export function checkConcurrency(value: unknown, field: string): Concurrency {
  if (value !== 'auto' && !isPositiveInteger(value))
    throw new TypeError(`${field} must be 'auto' or a positive integer (items in flight at once)`);
  return value;
}

export function checkChunkSize(value: unknown, field: string): 'auto' | number {
  if (value !== 'auto' && !isPositiveInteger(value))
    throw new TypeError(`${field} must be 'auto' or a positive integer`);
  return value;
}

export function checkTimeout(value: unknown, field: string): number {
  if (!isNonNegativeInteger(value))
    throw new TypeError(`${field} must be a non-negative integer (0 = no timeout)`);
  return value;
}

/** Applies defaults and validates; throws a TypeError/RangeError naming the field. */
export function resolveProcessorOptions(options: ProcessorOptions): ResolvedProcessorOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const d = DEFAULT_PROCESSOR_OPTIONS;
  const name = options.name ?? d.name;
  if (typeof name !== 'string' || name.length === 0)
    throw new TypeError('options.name must be a non-empty string');
  const maxWorkers = options.maxWorkers ?? d.maxWorkers;
  if (!isPositiveInteger(maxWorkers)) throw new TypeError('options.maxWorkers must be a positive integer');
  const minWorkers = options.minWorkers ?? Math.min(d.minWorkers, maxWorkers);
  if (!isNonNegativeInteger(minWorkers))
    throw new TypeError('options.minWorkers must be a non-negative integer');
  if (minWorkers > maxWorkers) throw new RangeError('options.minWorkers must not exceed options.maxWorkers');
  const workers = options.workers ?? maxWorkers;
  if (!isPositiveInteger(workers) || workers < minWorkers || workers > maxWorkers) {
    throw new RangeError(
      'options.workers must be an integer between options.minWorkers and options.maxWorkers',
    );
  }
  const maxQueue = options.maxQueue ?? d.maxQueue;
  if (maxQueue !== Number.POSITIVE_INFINITY && !isPositiveInteger(maxQueue)) {
    throw new TypeError('options.maxQueue must be a positive integer or Infinity');
  }
  const idleTimeoutMillis = options.idleTimeoutMillis ?? d.idleTimeoutMillis;
  if (!isNonNegativeInteger(idleTimeoutMillis)) {
    throw new TypeError('options.idleTimeoutMillis must be a non-negative integer');
  }
  const maxConcurrency = options.maxConcurrency ?? d.maxConcurrency;
  if (!isPositiveInteger(maxConcurrency)) {
    throw new TypeError('options.maxConcurrency must be a positive integer (items in flight per worker)');
  }
  return Object.freeze({
    name,
    maxWorkers,
    minWorkers,
    workers,
    mode: checkMode(options.mode ?? d.mode, 'options.mode'),
    concurrency: checkConcurrency(options.concurrency ?? d.concurrency, 'options.concurrency'),
    maxConcurrency,
    chunkSize: checkChunkSize(options.chunkSize ?? d.chunkSize, 'options.chunkSize'),
    maxQueue,
    taskTimeoutMillis: checkTimeout(
      options.taskTimeoutMillis ?? d.taskTimeoutMillis,
      'options.taskTimeoutMillis',
    ),
    idleTimeoutMillis,
  });
}
