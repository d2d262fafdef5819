import {
  DEFAULT_MEMORY_OPTIONS,
  type MemoryConfigureOptions,
  type MemoryOptions,
  type ResolvedMemoryOptions,
} from './options.js';
import { kindIndex, MEMORY_KINDS, MIB } from './types.js';

function positive(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${field} must be a positive finite number`);
  }
  return value;
}

function nonNegativeInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${field} must be a non-negative integer`);
  }
  return value;
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${field} must be a boolean`);
  return value;
}

function threshold(value: unknown, field: string): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw new RangeError(`${field} must be a number in (0, 1]`);
  }
  return value;
}

function mbToBytes(mb: number): number {
  return Math.floor(mb * MIB);
}

/** Validates options once, at construction. Throws RangeError/TypeError naming the field. */
export function resolveMemoryOptions(options: MemoryOptions = {}): ResolvedMemoryOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
  const o = { ...DEFAULT_MEMORY_OPTIONS, ...stripUndefined(options) };
  if (typeof o.name !== 'string' || o.name.length === 0) {
    throw new TypeError('options.name must be a non-empty string');
  }
  const maxMb = positive(o.maxMemoryMb, 'options.maxMemoryMb');
  const maxBytes = mbToBytes(maxMb);
  const cacheMb =
    options.cacheSizeMb === undefined
      ? Math.min(DEFAULT_MEMORY_OPTIONS.cacheSizeMb, maxMb / 4)
      : positive(o.cacheSizeMb, 'options.cacheSizeMb');
  if (cacheMb > maxMb) throw new RangeError('options.cacheSizeMb must not exceed options.maxMemoryMb');
  const kindLimitBytes = MEMORY_KINDS.map(() => Number.POSITIVE_INFINITY);
  if (o.kindLimitsMb === null || typeof o.kindLimitsMb !== 'object') {
    throw new TypeError('options.kindLimitsMb must be an object');
  }
  for (const [kind, mb] of Object.entries(o.kindLimitsMb)) {
    const i = kindIndex(kind);
    if (i < 0)
      throw new RangeError(`options.kindLimitsMb.${kind} is not a kind (${MEMORY_KINDS.join(', ')})`);
    if (mb === undefined) continue;
    const limit = positive(mb, `options.kindLimitsMb.${kind}`);
    if (limit > maxMb)
      throw new RangeError(`options.kindLimitsMb.${kind} must not exceed options.maxMemoryMb`);
    kindLimitBytes[i] = mbToBytes(limit);
  }
  const poolMaxFreeMb = o.poolMaxFreeMb === 0 ? 0 : positive(o.poolMaxFreeMb, 'options.poolMaxFreeMb');
  const poolMaxBufferBytes = nonNegativeInt(o.poolMaxBufferBytes, 'options.poolMaxBufferBytes');
  if (!['off', 'sampled', 'full'].includes(o.leakDetection)) {
    throw new RangeError("options.leakDetection must be 'off', 'sampled' or 'full'");
  }
  const leakSampleInterval = nonNegativeInt(o.leakSampleInterval, 'options.leakSampleInterval');
  if (leakSampleInterval < 1) throw new RangeError('options.leakSampleInterval must be a positive integer');
  if (bool(o.enableSwap, 'options.enableSwap')) {
    throw new RangeError('options.enableSwap: swapping to disk is not supported; use false');
  }
  const rssLimit =
    options.processRssLimitMb === undefined
      ? undefined
      : mbToBytes(positive(options.processRssLimitMb, 'options.processRssLimitMb'));
  if (options.onLeak !== undefined && typeof options.onLeak !== 'function') {
    throw new TypeError('options.onLeak must be a function');
  }
  return {
    name: o.name,
    maxBytes,
    gcThreshold: threshold(o.gcThreshold, 'options.gcThreshold'),
    enableAutoCleanup: bool(o.enableAutoCleanup, 'options.enableAutoCleanup'),
    cleanupIntervalMillis: nonNegativeInt(o.cleanupIntervalMillis, 'options.cleanupIntervalMillis'),
    cacheBytes: mbToBytes(cacheMb),
    enableCompression: bool(o.enableCompression, 'options.enableCompression'),
    compressIdleMillis: nonNegativeInt(o.compressIdleMillis, 'options.compressIdleMillis'),
    kindLimitBytes,
    poolMaxFreeBytes: mbToBytes(poolMaxFreeMb),
    poolMaxBufferBytes,
    leakDetection: o.leakDetection,
    leakSampleInterval,
    leakAgeMs: nonNegativeInt(o.leakAgeMs, 'options.leakAgeMs'),
    poisonReleased: bool(o.poisonReleased, 'options.poisonReleased'),
    processHeadroomBytes: mbToBytes(
      o.processHeadroomMb === 0 ? 0 : positive(o.processHeadroomMb, 'options.processHeadroomMb'),
    ),
    processRssLimitBytes: rssLimit,
    processSampleIntervalMillis: nonNegativeInt(
      o.processSampleIntervalMillis,
      'options.processSampleIntervalMillis',
    ),
  };
}

/** Validates a configure() call against the current options; returns the new values or throws. */
export function resolveConfigure(
  current: ResolvedMemoryOptions,
  patch: MemoryConfigureOptions,
): Pick<ResolvedMemoryOptions, 'gcThreshold' | 'cacheBytes' | 'enableCompression' | 'enableAutoCleanup'> {
  if (patch === null || typeof patch !== 'object') throw new TypeError('options must be an object');
  const p = stripUndefined(patch);
  let cacheBytes = current.cacheBytes;
  if ('cacheSizeMb' in p) {
    cacheBytes = mbToBytes(positive(p.cacheSizeMb, 'options.cacheSizeMb'));
    if (cacheBytes > current.maxBytes) {
      throw new RangeError('options.cacheSizeMb must not exceed options.maxMemoryMb');
    }
  }
  return {
    gcThreshold: 'gcThreshold' in p ? threshold(p.gcThreshold, 'options.gcThreshold') : current.gcThreshold,
    cacheBytes,
    enableCompression:
      'enableCompression' in p
        ? bool(p.enableCompression, 'options.enableCompression')
        : current.enableCompression,
    enableAutoCleanup:
      'enableAutoCleanup' in p
        ? bool(p.enableAutoCleanup, 'options.enableAutoCleanup')
        : current.enableAutoCleanup,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
