/** Public surface of the parallel processor. */
export { MAX_AUTO_CHUNK_ITEMS, TARGET_CHUNK_SECONDS } from './chunker.js';
export {
  AbortError,
  ProcessorClosedError,
  QueueOverflowError,
  TaskError,
  TaskTimeoutError,
  type WorkerErrorInfo,
} from './errors.js';
export { PARALLEL_METER_NAME } from './metrics.js';
export {
  type Concurrency,
  DEFAULT_PROCESSOR_OPTIONS,
  type ProcessorMode,
  type ProcessorOptions,
  type ResolvedProcessorOptions,
} from './options.js';
export { ParallelProcessor } from './processor.js';
export {
  type AsyncTaskFunction,
  type DefineTaskOptions,
  defineTask,
  isTaskDefinition,
  type TaskContext,
  type TaskDefinition,
} from './task.js';
export type { MapOptions, PoolScaler, ProcessorStats, Settled, StreamOptions } from './types.js';
