import { describe, expect, test } from 'vitest';
import { DEFAULT_MEMORY_OPTIONS, type MemoryOptions, UnifiedMemoryManager } from '../../src/memory/index.js';
import { resolveConfigure, resolveMemoryOptions } from '../../src/memory/resolve.js';

const bad: [string, unknown, ErrorConstructor, string][] = [
  ['name', '', TypeError, 'options.name must be a non-empty string'],
  ['maxMemoryMb', 0, RangeError, 'options.maxMemoryMb must be a positive finite number'],
  ['maxMemoryMb', Number.NaN, RangeError, 'options.maxMemoryMb must be a positive finite number'],
  [
    'maxMemoryMb',
    Number.POSITIVE_INFINITY,
    RangeError,
    'options.maxMemoryMb must be a positive finite number',
  ],
  ['cacheSizeMb', -1, RangeError, 'options.cacheSizeMb must be a positive finite number'],
  ['cacheSizeMb', 4096, RangeError, 'options.cacheSizeMb must not exceed options.maxMemoryMb'],
  ['gcThreshold', 0, RangeError, 'options.gcThreshold must be a number in (0, 1]'],
  ['gcThreshold', 1.5, RangeError, 'options.gcThreshold must be a number in (0, 1]'],
  ['enableAutoCleanup', 'yes', TypeError, 'options.enableAutoCleanup must be a boolean'],
  ['enableCompression', 1, TypeError, 'options.enableCompression must be a boolean'],
  ['poisonReleased', null, TypeError, 'options.poisonReleased must be a boolean'],
  ['cleanupIntervalMillis', 1.5, RangeError, 'options.cleanupIntervalMillis must be a non-negative integer'],
  ['compressIdleMillis', -1, RangeError, 'options.compressIdleMillis must be a non-negative integer'],
  ['kindLimitsMb', 'x', TypeError, 'options.kindLimitsMb must be an object'],
  [
    'kindLimitsMb',
    { gpu: 1 },
    RangeError,
    'options.kindLimitsMb.gpu is not a kind (vector, model, cache, scratch)',
  ],
  ['kindLimitsMb', { model: 0 }, RangeError, 'options.kindLimitsMb.model must be a positive finite number'],
  [
    'kindLimitsMb',
    { model: 2048 },
    RangeError,
    'options.kindLimitsMb.model must not exceed options.maxMemoryMb',
  ],
  ['poolMaxFreeMb', -1, RangeError, 'options.poolMaxFreeMb must be a positive finite number'],
  ['poolMaxBufferBytes', 0.5, RangeError, 'options.poolMaxBufferBytes must be a non-negative integer'],
  ['leakDetection', 'paranoid', RangeError, "options.leakDetection must be 'off', 'sampled' or 'full'"],
  ['leakSampleInterval', 0, RangeError, 'options.leakSampleInterval must be a positive integer'],
  ['leakSampleInterval', -3, RangeError, 'options.leakSampleInterval must be a non-negative integer'],
  ['leakAgeMs', Number.NaN, RangeError, 'options.leakAgeMs must be a non-negative integer'],
  ['enableSwap', true, RangeError, 'options.enableSwap: swapping to disk is not supported; use false'],
  ['enableSwap', 'no', TypeError, 'options.enableSwap must be a boolean'],
  ['processRssLimitMb', 0, RangeError, 'options.processRssLimitMb must be a positive finite number'],
  ['processHeadroomMb', -5, RangeError, 'options.processHeadroomMb must be a positive finite number'],
  [
    'processSampleIntervalMillis',
    -1,
    RangeError,
    'options.processSampleIntervalMillis must be a non-negative integer',
  ],
  ['onLeak', 'log', TypeError, 'options.onLeak must be a function'],
];

describe('options validation (one test per message)', () => {
  test.each(bad)('%s = %o', (field, value, type, message) => {
    const options = { maxMemoryMb: 1024, [field]: value } as MemoryOptions;
    expect(() => new UnifiedMemoryManager(options)).toThrow(type);
    expect(() => resolveMemoryOptions(options)).toThrow(message);
  });

  test('options must be an object', () => {
    expect(() => resolveMemoryOptions(42 as unknown as MemoryOptions)).toThrow('options must be an object');
  });

  test('defaults resolve to bytes; undefined fields take the default', () => {
    const r = resolveMemoryOptions({ maxMemoryMb: undefined, kindLimitsMb: { scratch: 16 } });
    expect(r.maxBytes).toBe(DEFAULT_MEMORY_OPTIONS.maxMemoryMb * 1024 * 1024);
    expect(r.cacheBytes).toBe(256 * 1024 * 1024);
    expect(r.kindLimitBytes).toEqual([Infinity, Infinity, Infinity, 16 * 1024 * 1024]);
    expect(r.leakDetection).toBe('sampled');
    expect(Object.isFrozen(DEFAULT_MEMORY_OPTIONS)).toBe(true);
  });

  test('the default cacheSizeMb is a quarter of a small budget', () => {
    expect(resolveMemoryOptions({ maxMemoryMb: 64 }).cacheBytes).toBe(16 * 1024 * 1024);
    expect(resolveMemoryOptions({ maxMemoryMb: 4096 }).cacheBytes).toBe(256 * 1024 * 1024);
  });

  test('the production preset shape is accepted (enableSwap false)', () => {
    const r = resolveMemoryOptions({ maxMemoryMb: 4096, gcThreshold: 0.75, enableSwap: false });
    expect(r.maxBytes).toBe(4096 * 1024 * 1024);
    expect(r.gcThreshold).toBe(0.75);
  });
});

describe('configure validation', () => {
  const current = resolveMemoryOptions({ maxMemoryMb: 64, cacheSizeMb: 8 });
  test.each([
    [{ gcThreshold: 2 }, 'options.gcThreshold must be a number in (0, 1]'],
    [{ cacheSizeMb: 0 }, 'options.cacheSizeMb must be a positive finite number'],
    [{ cacheSizeMb: 65 }, 'options.cacheSizeMb must not exceed options.maxMemoryMb'],
    [{ enableCompression: 'on' }, 'options.enableCompression must be a boolean'],
    [{ enableAutoCleanup: 0 }, 'options.enableAutoCleanup must be a boolean'],
    [null, 'options must be an object'],
  ])('%o', (patch, message) => {
    expect(() => resolveConfigure(current, patch as never)).toThrow(message);
  });
});
