import type { Books } from './books.js';
import type { MemoryCache } from './cache.js';
import type { ResolvedMemoryOptions } from './options.js';
import {
  type KindUsage,
  MEMORY_KINDS,
  type MemoryKind,
  type MemoryStats,
  MIB,
  type ProcessMemorySample,
  type UsageEntry,
} from './types.js';

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

/** The `getMemoryStats()` snapshot: exact byte figures, MiB figures derived from them. */
export function buildStats(
  b: Books,
  o: ResolvedMemoryOptions,
  pooledFreeBytes: number,
  cache: MemoryCache,
  leaksSuspected: number,
  process: ProcessMemorySample,
): MemoryStats {
  const max = o.maxBytes;
  const byKind = {} as Record<MemoryKind, KindUsage>;
  MEMORY_KINDS.forEach((k, i) => {
    byKind[k] = { bytes: b.kindUsed[i]!, count: b.kindCount[i]!, limitBytes: o.kindLimitBytes[i]! };
  });
  b.prune();
  const byLabel: Record<string, UsageEntry> = {};
  for (const [label, u] of b.byLabel) byLabel[label] = { bytes: u.bytes, count: u.count };
  return {
    usedMb: b.used / MIB,
    availableMb: (max - b.used) / MIB,
    maxMb: max / MIB,
    peakMb: b.peak / MIB,
    utilization: b.used / max,
    pooledFreeMb: pooledFreeBytes / MIB,
    usedBytes: b.used,
    maxBytes: max,
    peakBytes: b.peak,
    pooledFreeBytes,
    byKind,
    byLabel,
    allocations: b.live,
    allocationsTotal: sum(b.allocated),
    rejectedTotal: sum(b.rejected),
    releasesTotal: sum(b.released),
    evictions: b.evictions,
    cacheEntries: cache.size,
    cacheBytes: cache.bytes,
    compressedSavedMb: cache.compressedSavedBytes / MIB,
    compressedSavedBytes: cache.compressedSavedBytes,
    leaksSuspected,
    process,
  };
}
