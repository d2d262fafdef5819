import { ConfigError } from '../core/errors.js';
import {
  type Concurrency,
  checkChunkSize,
  checkConcurrency,
  checkMode,
  checkTimeout,
  type ProcessorMode,
  type ResolvedProcessorOptions,
} from './options.js';
import {
  type AsyncTaskFunction,
  isTaskDefinition,
  localTask,
  notATaskError,
  type TaskDefinition,
} from './task.js';
import type { MapOptions } from './types.js';

/** One call's options after the processor's defaults and validation. */
export interface CallSettings {
  readonly mode: ProcessorMode;
  readonly chunkSize: 'auto' | number;
  readonly timeoutMillis: number;
  readonly concurrency: Concurrency;
}

/** Validates a call's options (throws a ConfigError naming the field) and fills in the processor's defaults. */
export function resolveCall(
  options: MapOptions,
  defaults: ResolvedProcessorOptions,
  method: string,
): CallSettings {
  if (typeof options !== 'object' || options === null)
    throw new ConfigError(`${method}: options`, 'must be an object');
  const mode =
    options.mode === undefined ? defaults.mode : checkMode(options.mode, `${method}: options.mode`);
  const chunkSize =
    options.chunkSize === undefined
      ? defaults.chunkSize
      : checkChunkSize(options.chunkSize, `${method}: options.chunkSize`);
  const timeoutMillis =
    options.timeoutMillis === undefined
      ? defaults.taskTimeoutMillis
      : checkTimeout(options.timeoutMillis, `${method}: options.timeoutMillis`);
  const concurrency =
    options.concurrency === undefined
      ? defaults.concurrency
      : checkConcurrency(options.concurrency, `${method}: options.concurrency`);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new ConfigError(`${method}: options.signal`, 'must be an AbortSignal');
  }
  return { mode, chunkSize, timeoutMillis, concurrency };
}

/**
 * The task to schedule: a `defineTask` task in any mode; a plain function only in `'async'` mode,
 * where nothing crosses a worker boundary.
 */
export function resolveTask(
  task: TaskDefinition | AsyncTaskFunction,
  mode: ProcessorMode,
  method: string,
): TaskDefinition {
  if (isTaskDefinition(task)) return task;
  if (typeof task === 'function' && mode === 'async') return localTask(task);
  throw notATaskError(method, task);
}
