import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Tinypool from 'tinypool';
import type { WorkerMode } from './options.js';

/** How one mode's tinypool is built. */
export interface PoolConfig {
  readonly mode: WorkerMode;
  readonly workerFile: string;
  readonly minWorkers: number;
  readonly maxWorkers: number;
  readonly idleTimeoutMillis: number;
}

interface TinypoolWorkerLike {
  on(event: 'exit', listener: (code: number) => void): void;
  emit(event: 'error', error: Error): void;
}

/**
 * Chunks a worker thread holds at once: one running, one waiting inside the
 * worker (which runs them strictly one after the other), so the next chunk
 * is already there when one finishes and the worker never waits for the
 * main thread's round trip. Child processes take one at a time.
 */
export const THREAD_PIPELINE = 2;

/** A tinypool running our worker entry in threads or child processes. */
export function createPool(config: PoolConfig, size: number): Tinypool {
  const pool = new Tinypool({
    filename: config.workerFile,
    name: 'runChunk',
    runtime: config.mode === 'process' ? 'child_process' : 'worker_threads',
    minThreads: Math.min(config.minWorkers, config.maxWorkers),
    maxThreads: config.maxWorkers,
    idleTimeout: config.idleTimeoutMillis,
    concurrentTasksPerWorker: config.mode === 'thread' ? THREAD_PIPELINE : 1,
    // structured clone in both modes (child_process defaults to JSON: Maps, Dates, typed arrays break)
    ...(config.mode === 'process' ? { serialization: 'advanced' as const } : {}),
  });
  // A worker that dies while idle is reported here; it is replaced on demand.
  pool.on('error', () => {});
  limitPool(pool, config.minWorkers, size);
  return pool;
}

/**
 * tinypool is built for maxWorkers (it allocates worker ids up front, so it
 * can never grow past that); the current size is applied through its live
 * options, so prefetched chunks wait in its queue instead of starting extra
 * workers, and workers above the size exit once idle.
 */
export function limitPool(pool: Tinypool, minWorkers: number, size: number): void {
  pool.options.maxThreads = size;
  pool.options.minThreads = Math.min(minWorkers, size);
}

/**
 * tinypool does not notice a worker thread that calls process.exit() (its
 * run() would never settle); report the exit as an error, as tinypool's
 * child_process runtime already does. A worker tinypool removed itself is
 * no longer in `threads`, so only unexpected exits are reported.
 */
export function watchThreadExits(pool: Tinypool, watched: WeakSet<object>): void {
  for (const worker of pool.threads as unknown as TinypoolWorkerLike[]) {
    if (watched.has(worker)) continue;
    watched.add(worker);
    worker.on('exit', (code) => {
      if ((pool.threads as unknown as TinypoolWorkerLike[]).includes(worker)) {
        worker.emit('error', new Error(`worker exited unexpectedly with code ${code}`));
      }
    });
  }
}

let workerFile: string | undefined;
/** The compiled worker entry: next to this file in the build, or in dist/ when running the TS sources. */
export function resolveWorkerFile(): string {
  if (workerFile !== undefined) return workerFile;
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, 'worker.js'), resolve(here, '../../dist/src/parallel/worker.js')]) {
    if (existsSync(candidate)) {
      workerFile = candidate;
      return candidate;
    }
  }
  throw new Error(`parallel worker entry not found next to ${here} nor in dist/ (run \`npm run build\`)`);
}
