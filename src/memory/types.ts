/** Bytes in a MiB: every `…Mb` option and stat uses binary megabytes. */
export const MIB = 1024 * 1024;

/**
 * The four kinds of memory the manager hands out (the original module's
 * managed memory types). Only `cache` is evictable, and only the entries of
 * `mem.cache`: a caller holding an allocation keeps it until it releases it.
 */
export type MemoryKind = 'vector' | 'model' | 'cache' | 'scratch';

/** All kinds, in the fixed order used for per-kind arrays. Frozen. */
export const MEMORY_KINDS: readonly MemoryKind[] = Object.freeze(['vector', 'model', 'cache', 'scratch']);

/** Index of a kind in {@link MEMORY_KINDS}, or -1 when the value is not a kind. */
export function kindIndex(kind: unknown): number {
  switch (kind) {
    case 'vector':
      return 0;
    case 'model':
      return 1;
    case 'cache':
      return 2;
    case 'scratch':
      return 3;
    default:
      return -1;
  }
}

/**
 * What to allocate: exactly one of `sizeMb` or `bytes`, a non-empty label
 * (free text, kept in stats only, never a metric attribute) and a kind.
 *
 * @example
 * mem.allocate({ sizeMb: 100, label: 'scan_cache', kind: 'cache' });
 * mem.allocate({ bytes: 4096, label: 'row', kind: 'scratch' });
 */
export interface AllocationRequest {
  /** Size in MiB (1 MiB = 1,048,576 bytes), rounded up to whole bytes. */
  sizeMb?: number;
  /** Size in bytes: a positive safe integer. */
  bytes?: number;
  /** Free-text label for stats and leak reports. Non-empty. */
  label: string;
  /** Kind of memory; see {@link MemoryKind}. */
  kind: MemoryKind;
}

/** Bytes and live allocation count for one kind or label. */
export interface UsageEntry {
  /** Bytes charged to the budget (the buffer's size class, see docs/memory.md). */
  bytes: number;
  /** Live allocations. */
  count: number;
}

/** Per-kind usage plus the kind's limit (`Infinity` when none is set). */
export interface KindUsage extends UsageEntry {
  limitBytes: number;
}

/** The last process sample (`process.memoryUsage()`), taken on a timer. */
export interface ProcessMemorySample {
  rssMb: number;
  heapUsedMb: number;
  heapLimitMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** Epoch milliseconds of the sample. */
  sampledAt: number;
}

/** Snapshot returned by `getMemoryStats()`. MiB values are floats; byte values are exact. */
export interface MemoryStats {
  usedMb: number;
  availableMb: number;
  maxMb: number;
  peakMb: number;
  /** usedBytes / maxBytes, 0…1. */
  utilization: number;
  pooledFreeMb: number;
  usedBytes: number;
  maxBytes: number;
  peakBytes: number;
  pooledFreeBytes: number;
  byKind: Record<MemoryKind, KindUsage>;
  byLabel: Record<string, UsageEntry>;
  /** Live allocations (including cache entries). */
  allocations: number;
  allocationsTotal: number;
  rejectedTotal: number;
  releasesTotal: number;
  evictions: number;
  cacheEntries: number;
  cacheBytes: number;
  compressedSavedMb: number;
  compressedSavedBytes: number;
  leaksSuspected: number;
  process: ProcessMemorySample;
}

/** What `optimize()` did. */
export interface OptimizeResult {
  /** Bytes returned to the budget (pool trimmed + evicted + compression savings). */
  freedBytes: number;
  /** Cache entries evicted. */
  evicted: number;
  /** Cache entries compressed. */
  compressed: number;
  /** Pooled free bytes dropped. */
  poolTrimmedBytes: number;
}

/** A suspected leak. */
export interface LeakReport {
  id: number;
  label: string;
  kind: MemoryKind;
  bytes: number;
  /** Age at detection (gc) or now (age), in milliseconds. */
  ageMs: number;
  /** `gc`: garbage-collected without release. `age`: live longer than `leakAgeMillis`. */
  reason: 'gc' | 'age';
  /** Stack of the allocate() call, when captured (`full`, or a sampled allocation). */
  stack?: string;
}
