import { availableParallelism } from 'node:os';
import type { MeterProvider } from '@opentelemetry/api';
import {
  type Assert,
  boolean,
  configError,
  integer,
  type MatchesSchema,
  nonEmptyString,
  oneOf,
  options,
  parseOptions,
  satisfies,
  v,
} from '../core/options-schema.js';

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
  /**
   * Bridge what tasks record inside workers (thread and process modes): each worker installs a
   * MeterProvider behind the global `@opentelemetry/api`, so the task's own instruments,
   * `trackTask`/`startTimer`/`registerQueue` and memory managers record there; the worker aggregates
   * and ships the measurements with every chunk answer, and the processor merges them into the same
   * instruments of `meterProvider` (same meter, name, unit, attributes: one series). Cost: about
   * 0.1–0.3 µs per recording in the worker plus, on the main thread, one instrument call per attribute
   * set and chunk — and one `record` per histogram recording (docs/parallel.md, "Worker metrics").
   * `false`: workers keep the API's no-op provider and measurements inside tasks are dropped.
   * @default true
   * @example new ParallelProcessor({ bridgeWorkerMetrics: false })
   */
  bridgeWorkerMetrics?: boolean;
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
  bridgeWorkerMetrics: true,
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
  readonly bridgeWorkerMetrics: boolean;
}

const optional = v.optional;
const isPositiveInteger = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) > 0;
const MODE = oneOf(['thread', 'process', 'async']);
const CONCURRENCY = satisfies<Concurrency>(
  (x) => x === 'auto' || isPositiveInteger(x),
  "must be 'auto' or a positive integer (items in flight at once)",
);
const CHUNK_SIZE = satisfies<'auto' | number>(
  (x) => x === 'auto' || isPositiveInteger(x),
  "must be 'auto' or a positive integer",
);
const TIMEOUT = integer(0);

/** The one declaration of {@link ProcessorOptions} (strict). Relations between fields are checked below. */
export const PROCESSOR_OPTIONS_SCHEMA = options({
  name: optional(nonEmptyString()),
  maxWorkers: optional(integer(1)),
  minWorkers: optional(integer(0)),
  workers: optional(integer(1)),
  mode: optional(MODE),
  concurrency: optional(CONCURRENCY),
  maxConcurrency: optional(integer(1)),
  chunkSize: optional(CHUNK_SIZE),
  maxQueue: optional(
    satisfies<number>(
      (x) => x === Number.POSITIVE_INFINITY || isPositiveInteger(x),
      'must be a positive integer or Infinity',
    ),
  ),
  taskTimeoutMillis: optional(TIMEOUT),
  idleTimeoutMillis: optional(integer(0)),
  bridgeWorkerMetrics: optional(boolean()),
  meterProvider: optional(
    satisfies<MeterProvider>(
      (p) => typeof (p as MeterProvider | null)?.getMeter === 'function',
      'must be a MeterProvider (an object with getMeter())',
    ),
  ),
});

/** Compile-time only: {@link ProcessorOptions} and its schema accept the same objects. */
export type ProcessorOptionsMatchSchema = Assert<
  MatchesSchema<ProcessorOptions, v.InferInput<typeof PROCESSOR_OPTIONS_SCHEMA>>
>;

/** A per-call `mode`; `field` names the call (`ParallelProcessor.map: options.mode`). Throws ConfigError. */
export function checkMode(value: unknown, field: string): ProcessorMode {
  return parseOptions(MODE, value, field);
}

/** A per-call or per-processor `concurrency`. Throws ConfigError. */
export function checkConcurrency(value: unknown, field: string): Concurrency {
  return parseOptions(CONCURRENCY, value, field);
}

export function checkChunkSize(value: unknown, field: string): 'auto' | number {
  return parseOptions(CHUNK_SIZE, value, field);
}

export function checkTimeout(value: unknown, field: string): number {
  return parseOptions(TIMEOUT, value, field);
}

/**
 * Applies defaults and validates; throws a ConfigError naming `field` + the key: `options.maxWorkers`
 * standalone, `options.parallel.maxWorkers` when the SDK passes `field = 'options.parallel'`.
 */
export function resolveProcessorOptions(
  input: ProcessorOptions,
  field = 'options',
): ResolvedProcessorOptions {
  const options = parseOptions(PROCESSOR_OPTIONS_SCHEMA, input, field);
  const d = DEFAULT_PROCESSOR_OPTIONS;
  const maxWorkers = options.maxWorkers ?? d.maxWorkers;
  const minWorkers = options.minWorkers ?? Math.min(d.minWorkers, maxWorkers);
  if (minWorkers > maxWorkers) {
    throw configError(`${field}.minWorkers`, `must not exceed maxWorkers (${maxWorkers})`, minWorkers);
  }
  const workers = options.workers ?? maxWorkers;
  if (workers < minWorkers || workers > maxWorkers) {
    throw configError(
      `${field}.workers`,
      `must be between minWorkers (${minWorkers}) and maxWorkers (${maxWorkers})`,
      workers,
    );
  }
  return Object.freeze({
    name: options.name ?? d.name,
    maxWorkers,
    minWorkers,
    workers,
    mode: options.mode ?? d.mode,
    concurrency: options.concurrency ?? d.concurrency,
    maxConcurrency: options.maxConcurrency ?? d.maxConcurrency,
    chunkSize: options.chunkSize ?? d.chunkSize,
    maxQueue: options.maxQueue ?? d.maxQueue,
    taskTimeoutMillis: options.taskTimeoutMillis ?? d.taskTimeoutMillis,
    idleTimeoutMillis: options.idleTimeoutMillis ?? d.idleTimeoutMillis,
    bridgeWorkerMetrics: options.bridgeWorkerMetrics ?? d.bridgeWorkerMetrics,
  });
}
