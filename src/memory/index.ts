export { Allocation } from './allocation.js';
export type { CacheValue, MemoryCache } from './cache.js';
export { AllocationStateError, type KindBudget, MemoryBudgetError } from './errors.js';
export { UnifiedMemoryManager } from './manager.js';
export { MEMORY_METER_NAME } from './metrics.js';
export {
  DEFAULT_MEMORY_OPTIONS,
  type LeakDetectionLevel,
  type MemoryConfigureOptions,
  type MemoryOptions,
  type ResolvedMemoryOptions,
} from './options.js';
export type {
  AllocationRequest,
  KindUsage,
  LeakReport,
  MemoryKind,
  MemoryStats,
  OptimizeResult,
  ProcessMemorySample,
  UsageEntry,
} from './types.js';
export { MEMORY_KINDS } from './types.js';
