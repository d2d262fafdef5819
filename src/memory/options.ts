import type { MeterProvider } from '@opentelemetry/api';
import {
  type Assert,
  boolean,
  fn,
  fraction,
  integer,
  type MatchesSchema,
  nonEmptyString,
  nonNegative,
  oneOf,
  options,
  positive,
  satisfies,
  v,
} from '../core/options-schema.js';
import type { LeakReport, MemoryKind } from './types.js';

/** Leak detection level, after Netty's: off, a sample of allocations, or all of them. */
export type LeakDetectionLevel = 'off' | 'sampled' | 'full';

/** Options of `new UnifiedMemoryManager(options)`. Every field is optional. */
export interface MemoryOptions {
  /**
   * Name of this manager, recorded as the `pool` attribute on every metric.
   * @default 'default'
   * @example { name: 'scanner' }
   */
  name?: string;
  /**
   * Hard budget in MiB: live allocations plus pooled free buffers never exceed it.
   * @default 1024
   * @example { maxMemoryMb: 4096 }
   */
  maxMemoryMb?: number;
  /**
   * Fraction of the budget (0 < x ≤ 1) above which an allocation first drops pooled
   * buffers, then evicts `mem.cache` entries (least recently used first), when
   * `enableAutoCleanup` is on.
   * @default 0.8
   * @example { gcThreshold: 0.75 }
   */
  gcThreshold?: number;
  /**
   * Clean up at the threshold and on a timer (`cleanupIntervalMillis`).
   * @default true
   * @example { enableAutoCleanup: false }
   */
  enableAutoCleanup?: boolean;
  /**
   * Period of the cleanup timer in milliseconds (unref'd; 0 disables the timer).
   * @default 30000
   * @example { cleanupIntervalMillis: 10_000 }
   */
  cleanupIntervalMillis?: number;
  /**
   * Bound of `mem.cache` in MiB (≤ maxMemoryMb). Entries beyond it are evicted LRU first.
   * @default 256, or a quarter of maxMemoryMb when that is smaller
   * @example { cacheSizeMb: 512 }
   */
  cacheSizeMb?: number;
  /**
   * Compress `mem.cache` entries idle for `compressIdleMillis` (node:zlib deflate),
   * decompressed transparently on `get`.
   * @default false
   * @example { enableCompression: true }
   */
  enableCompression?: boolean;
  /**
   * Idle time in milliseconds after which a cache entry is compressed by cleanup.
   * @default 60000
   * @example { compressIdleMillis: 5_000 }
   */
  compressIdleMillis?: number;
  /**
   * Optional per-kind limits in MiB (each ≤ maxMemoryMb).
   * @default {}
   * @example { kindLimitsMb: { model: 2048, scratch: 256 } }
   */
  kindLimitsMb?: Partial<Record<MemoryKind, number>>;
  /**
   * Most bytes kept in the free pool, in MiB; released buffers beyond it are dropped.
   * @default 64
   * @example { poolMaxFreeMb: 128 }
   */
  poolMaxFreeMb?: number;
  /**
   * Largest pooled buffer in bytes. Larger requests get an exact-size buffer that is
   * dropped on release.
   * @default 8388608 (8 MiB)
   * @example { poolMaxBufferBytes: 1 << 20 }
   */
  poolMaxBufferBytes?: number;
  /**
   * `off`; `sampled`: every `leakSampleInterval`-th allocation is tracked (stack,
   * FinalizationRegistry, age); `full`: every allocation is.
   * @default 'sampled'
   * @example { leakDetection: 'full' }
   */
  leakDetection?: LeakDetectionLevel;
  /**
   * With `leakDetection: 'sampled'`, track one allocation in this many.
   * @default 128
   * @example { leakSampleInterval: 16 }
   */
  leakSampleInterval?: number;
  /**
   * Tracked `scratch` allocations live longer than this (milliseconds) are suspected
   * leaks. 0 disables the age rule.
   * @default 300000
   * @example { leakAgeMillis: 60_000 }
   */
  leakAgeMillis?: number;
  /**
   * Debug: fill released buffers with 0xDE so a use after release shows.
   * @default false
   * @example { poisonReleased: true }
   */
  poisonReleased?: boolean;
  /**
   * Refuse allocations when the sampled heap is within this many MiB of V8's heap
   * limit, or RSS within it of `processRssLimitMb`.
   * @default 128
   * @example { processHeadroomMb: 512 }
   */
  processHeadroomMb?: number;
  /**
   * RSS ceiling in MiB for the headroom check. Default: the cgroup limit
   * (`process.constrainedMemory()`) when there is one, else total system memory.
   * @example { processRssLimitMb: 8192 }
   */
  processRssLimitMb?: number;
  /**
   * Period of the process sampler (`process.memoryUsage()`), in milliseconds
   * (unref'd; 0 samples once at construction only).
   * @default 1000
   * @example { processSampleIntervalMillis: 5000 }
   */
  processSampleIntervalMillis?: number;
  /**
   * Where metrics go. Default: the global provider (`metrics.getMeterProvider()`),
   * read at construction.
   * @example { meterProvider: sdk.meterProvider }
   */
  meterProvider?: MeterProvider;
  /**
   * Called once per leak detected by garbage collection (an allocation collected
   * without release). Must not throw.
   * @example { onLeak: (leak) => logger.warn(leak, 'memory leak') }
   */
  onLeak?: (leak: LeakReport) => void;
}

/** Defaults for every option except the provider and callbacks. Frozen. */
export const DEFAULT_MEMORY_OPTIONS = Object.freeze({
  name: 'default',
  maxMemoryMb: 1024,
  gcThreshold: 0.8,
  enableAutoCleanup: true,
  cleanupIntervalMillis: 30_000,
  cacheSizeMb: 256,
  enableCompression: false,
  compressIdleMillis: 60_000,
  kindLimitsMb: Object.freeze({}) as Readonly<Partial<Record<MemoryKind, number>>>,
  poolMaxFreeMb: 64,
  poolMaxBufferBytes: 8 * 1024 * 1024,
  leakDetection: 'sampled' as LeakDetectionLevel,
  leakSampleInterval: 128,
  leakAgeMillis: 300_000,
  poisonReleased: false,
  processHeadroomMb: 128,
  processSampleIntervalMillis: 1000,
});

const optional = v.optional;
const isMeterProvider = (value: unknown): boolean =>
  typeof (value as MeterProvider | null)?.getMeter === 'function';

/**
 * The one declaration of {@link MemoryOptions}: validates them (strict: unknown keys are refused) and,
 * through the check below, must accept exactly the interface's shape. Cross-field rules (sizes within
 * `maxMemoryMb`) are in resolve.ts, where the defaults are known.
 */
export const MEMORY_OPTIONS_SCHEMA = options({
  name: optional(nonEmptyString()),
  maxMemoryMb: optional(positive('MiB')),
  gcThreshold: optional(fraction()),
  enableAutoCleanup: optional(boolean()),
  cleanupIntervalMillis: optional(integer(0)),
  cacheSizeMb: optional(positive('MiB')),
  enableCompression: optional(boolean()),
  compressIdleMillis: optional(integer(0)),
  kindLimitsMb: optional(
    options({
      vector: optional(positive('MiB')),
      model: optional(positive('MiB')),
      cache: optional(positive('MiB')),
      scratch: optional(positive('MiB')),
    }),
  ),
  poolMaxFreeMb: optional(nonNegative('MiB')),
  poolMaxBufferBytes: optional(integer(0)),
  leakDetection: optional(oneOf(['off', 'sampled', 'full'])),
  leakSampleInterval: optional(integer(1)),
  leakAgeMillis: optional(integer(0)),
  poisonReleased: optional(boolean()),
  processHeadroomMb: optional(nonNegative('MiB')),
  processRssLimitMb: optional(positive('MiB')),
  processSampleIntervalMillis: optional(integer(0)),
  meterProvider: optional(
    satisfies<MeterProvider>(isMeterProvider, 'must be a MeterProvider (an object with getMeter())'),
  ),
  onLeak: optional(fn<(leak: LeakReport) => void>()),
});
/** Compile-time only: `MemoryOptions` and the schema accept the same objects. */
export type MemoryOptionsMatchSchema = Assert<
  MatchesSchema<MemoryOptions, v.InferInput<typeof MEMORY_OPTIONS_SCHEMA>>
>;

/** `configure()` takes a subset, with the same rules. */
export const MEMORY_CONFIGURE_SCHEMA = options({
  gcThreshold: optional(fraction()),
  cacheSizeMb: optional(positive('MiB')),
  enableCompression: optional(boolean()),
  enableAutoCleanup: optional(boolean()),
});
export type MemoryConfigureMatchSchema = Assert<
  MatchesSchema<MemoryConfigureOptions, v.InferInput<typeof MEMORY_CONFIGURE_SCHEMA>>
>;

/** Options after defaults and validation; sizes converted to bytes. */
export interface ResolvedMemoryOptions {
  name: string;
  maxBytes: number;
  gcThreshold: number;
  enableAutoCleanup: boolean;
  cleanupIntervalMillis: number;
  cacheBytes: number;
  enableCompression: boolean;
  compressIdleMillis: number;
  /** Indexed like MEMORY_KINDS; Infinity when unset. */
  kindLimitBytes: number[];
  poolMaxFreeBytes: number;
  poolMaxBufferBytes: number;
  leakDetection: LeakDetectionLevel;
  leakSampleInterval: number;
  leakAgeMillis: number;
  poisonReleased: boolean;
  processHeadroomBytes: number;
  processRssLimitBytes: number | undefined;
  processSampleIntervalMillis: number;
}

/** The subset `configure()` accepts at run time. */
export interface MemoryConfigureOptions {
  /** See {@link MemoryOptions.gcThreshold}. */
  gcThreshold?: number;
  /** See {@link MemoryOptions.cacheSizeMb}. Lowering it evicts at once. */
  cacheSizeMb?: number;
  /** See {@link MemoryOptions.enableCompression}. */
  enableCompression?: boolean;
  /** See {@link MemoryOptions.enableAutoCleanup}. */
  enableAutoCleanup?: boolean;
}
