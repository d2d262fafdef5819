import { configError, parseOptions } from '../core/options-schema.js';
import {
  DEFAULT_MEMORY_OPTIONS,
  MEMORY_CONFIGURE_SCHEMA,
  MEMORY_OPTIONS_SCHEMA,
  type MemoryConfigureOptions,
  type MemoryOptions,
  type ResolvedMemoryOptions,
} from './options.js';
import { kindIndex, MEMORY_KINDS, MIB } from './types.js';

function mbToBytes(mb: number): number {
  return Math.floor(mb * MIB);
}

/**
 * Validates options once, at construction (schema first, then the rules that relate two fields), and
 * applies the defaults. Throws a ConfigError naming `field` + the key: `options.maxMemoryMb` standalone,
 * `options.memory.maxMemoryMb` when the SDK passes `field = 'options.memory'`.
 */
export function resolveMemoryOptions(input: MemoryOptions = {}, field = 'options'): ResolvedMemoryOptions {
  const options = parseOptions(MEMORY_OPTIONS_SCHEMA, input, field);
  const o = { ...DEFAULT_MEMORY_OPTIONS, ...stripUndefined(options) };
  const maxMb = o.maxMemoryMb;
  const cacheMb =
    options.cacheSizeMb === undefined
      ? Math.min(DEFAULT_MEMORY_OPTIONS.cacheSizeMb, maxMb / 4)
      : o.cacheSizeMb;
  if (cacheMb > maxMb) {
    throw configError(`${field}.cacheSizeMb`, `must not exceed maxMemoryMb (${maxMb})`, cacheMb);
  }
  const kindLimitBytes = MEMORY_KINDS.map(() => Number.POSITIVE_INFINITY);
  for (const [kind, mb] of Object.entries(o.kindLimitsMb)) {
    if (mb === undefined) continue;
    if (mb > maxMb) {
      throw configError(`${field}.kindLimitsMb.${kind}`, `must not exceed maxMemoryMb (${maxMb})`, mb);
    }
    kindLimitBytes[kindIndex(kind)] = mbToBytes(mb);
  }
  return {
    name: o.name,
    maxBytes: mbToBytes(maxMb),
    gcThreshold: o.gcThreshold,
    enableAutoCleanup: o.enableAutoCleanup,
    cleanupIntervalMillis: o.cleanupIntervalMillis,
    cacheBytes: mbToBytes(cacheMb),
    enableCompression: o.enableCompression,
    compressIdleMillis: o.compressIdleMillis,
    kindLimitBytes,
    poolMaxFreeBytes: mbToBytes(o.poolMaxFreeMb),
    poolMaxBufferBytes: o.poolMaxBufferBytes,
    leakDetection: o.leakDetection,
    leakSampleInterval: o.leakSampleInterval,
    leakAgeMillis: o.leakAgeMillis,
    poisonReleased: o.poisonReleased,
    processHeadroomBytes: mbToBytes(o.processHeadroomMb),
    processRssLimitBytes:
      options.processRssLimitMb === undefined ? undefined : mbToBytes(options.processRssLimitMb),
    processSampleIntervalMillis: o.processSampleIntervalMillis,
  };
}

/** Validates a configure() call against the current options; returns the new values or throws. */
export function resolveConfigure(
  current: ResolvedMemoryOptions,
  input: MemoryConfigureOptions,
): Pick<ResolvedMemoryOptions, 'gcThreshold' | 'cacheBytes' | 'enableCompression' | 'enableAutoCleanup'> {
  const patch = parseOptions(MEMORY_CONFIGURE_SCHEMA, input, 'options');
  let cacheBytes = current.cacheBytes;
  if (patch.cacheSizeMb !== undefined) {
    cacheBytes = mbToBytes(patch.cacheSizeMb);
    if (cacheBytes > current.maxBytes) {
      throw configError(
        'options.cacheSizeMb',
        `must not exceed maxMemoryMb (${current.maxBytes / MIB})`,
        patch.cacheSizeMb,
      );
    }
  }
  return {
    gcThreshold: patch.gcThreshold ?? current.gcThreshold,
    cacheBytes,
    enableCompression: patch.enableCompression ?? current.enableCompression,
    enableAutoCleanup: patch.enableAutoCleanup ?? current.enableAutoCleanup,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
