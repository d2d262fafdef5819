import type { Concurrency, ProcessorMode } from './options.js';

/** Per-call options of `map` and `run`. */
export interface MapOptions {
  /** Where to run this call. @default the processor's `mode` @example { mode: 'process' } */
  mode?: ProcessorMode;
  /** Items per dispatch for this call. @default the processor's `chunkSize` @example { chunkSize: 1 } */
  chunkSize?: 'auto' | number;
  /** Aborts the call: it rejects with `AbortError`, running items' workers are replaced. @example { signal: AbortSignal.timeout(60_000) } */
  signal?: AbortSignal;
  /** Per-item time limit in ms (0 = none). @default the processor's `taskTimeoutMillis` @example { timeoutMillis: 5000 } */
  timeoutMillis?: number;
  /** Resolve to `{ ok, value } | { ok: false, error }` per item instead of rejecting on the first failure. @default false @example { settle: true } */
  settle?: boolean;
  /** Called after each chunk (each item in async mode) with items done and total; a throw rejects the call. @example { onProgress: (done, total) => bar.update(done / total) } */
  onProgress?: (done: number, total: number) => void;
  /**
   * Items at once: per worker in thread and process modes (async tasks overlap their waits), per call
   * in `'async'` mode; `'auto'` adapts per worker up to `maxConcurrency` (async mode: `maxConcurrency`).
   * @default the processor's `concurrency` ('auto')
   * @example { mode: 'async', concurrency: 100 }
   */
  concurrency?: Concurrency;
}

/** Per-call options of `mapStream`. */
export interface StreamOptions extends Omit<MapOptions, 'onProgress'> {
  /** Yield in input order (true) or as results arrive (false). @default true @example { ordered: false } */
  ordered?: boolean;
  /**
   * Most items pulled from the source and not yet yielded (the memory bound, and the backpressure: the
   * source is not read further until the consumer takes results).
   * @default 1024
   * @example { maxPending: 256 }
   */
  maxPending?: number;
}

/** A point-in-time view of the processor (all modes together). */
export interface ProcessorStats {
  readonly name: string;
  /** Workers the scheduler may use per mode (changed by `resize`). */
  readonly size: number;
  readonly minWorkers: number;
  readonly maxWorkers: number;
  /** Live worker threads and child processes. */
  readonly workers: number;
  /** Workers running a chunk now. */
  readonly busy: number;
  readonly idle: number;
  /** Items waiting for a worker. */
  readonly queueSize: number;
  /** Items that succeeded, since construction. */
  readonly completed: number;
  /** Items that failed (error or timeout), since construction. */
  readonly failed: number;
  /** Items cancelled (abort, close, or dropped after a failure), since construction. */
  readonly cancelled: number;
  /** Busy share of capacity over the last 1–2 s, 0..1. */
  readonly utilization: number;
  /** Items running or handed to workers, all modes. */
  readonly inFlight: number;
  /**
   * Per mode in use: items one worker runs at once (the live figure of `concurrency: 'auto'`, averaged
   * over workers); for `async`, the running calls' limits summed.
   */
  readonly concurrency: Readonly<Partial<Record<ProcessorMode, number>>>;
}

export type { Settled } from './job.js';

/**
 * The slice of a processor that scaling actions need (the alerts engine's
 * "add workers" / "throttle"): read the state, set the size.
 */
export interface PoolScaler {
  resize(workers: number): number;
  stats(): ProcessorStats;
}
