import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { DEFAULT_MEMORY_OPTIONS, type MemoryOptions, UnifiedMemoryManager } from '../../src/memory/index.js';
import { resolveConfigure, resolveMemoryOptions } from '../../src/memory/resolve.js';

const bad: [string, unknown, string][] = [
  ['name', '', 'options.name must be a non-empty string, got ""'],
  ['maxMemoryMb', 0, 'options.maxMemoryMb must be a positive number of MiB, got 0'],
  ['maxMemoryMb', Number.NaN, 'options.maxMemoryMb must be a positive number of MiB, got NaN'],
  [
    'maxMemoryMb',
    Number.POSITIVE_INFINITY,
    'options.maxMemoryMb must be a positive number of MiB, got Infinity',
  ],
  ['cacheSizeMb', -1, 'options.cacheSizeMb must be a positive number of MiB, got -1'],
  ['cacheSizeMb', 4096, 'options.cacheSizeMb must not exceed maxMemoryMb (1024), got 4096'],
  ['gcThreshold', 0, 'options.gcThreshold must be a number in (0, 1], got 0'],
  ['gcThreshold', 1.5, 'options.gcThreshold must be a number in (0, 1], got 1.5'],
  ['enableAutoCleanup', 'yes', 'options.enableAutoCleanup must be a boolean, got "yes"'],
  ['enableCompression', 1, 'options.enableCompression must be a boolean, got 1'],
  ['poisonReleased', null, 'options.poisonReleased must be a boolean, got null'],
  ['cleanupIntervalMillis', 1.5, 'options.cleanupIntervalMillis must be a non-negative integer, got 1.5'],
  ['compressIdleMillis', -1, 'options.compressIdleMillis must be a non-negative integer, got -1'],
  ['kindLimitsMb', 'x', 'options.kindLimitsMb must be an object, got "x"'],
  [
    'kindLimitsMb',
    { gpu: 1 },
    'options.kindLimitsMb.gpu is not a known option (known: vector, model, cache, scratch)',
  ],
  ['kindLimitsMb', { model: 0 }, 'options.kindLimitsMb.model must be a positive number of MiB, got 0'],
  [
    'kindLimitsMb',
    { model: 2048 },
    'options.kindLimitsMb.model must not exceed maxMemoryMb (1024), got 2048',
  ],
  ['poolMaxFreeMb', -1, 'options.poolMaxFreeMb must be a non-negative number of MiB, got -1'],
  ['poolMaxBufferBytes', 0.5, 'options.poolMaxBufferBytes must be a non-negative integer, got 0.5'],
  [
    'leakDetection',
    'paranoid',
    "options.leakDetection must be one of 'off', 'sampled', 'full', got \"paranoid\"",
  ],
  ['leakSampleInterval', 0, 'options.leakSampleInterval must be a positive integer, got 0'],
  ['leakAgeMillis', Number.NaN, 'options.leakAgeMillis must be a non-negative integer, got NaN'],
  ['processRssLimitMb', 0, 'options.processRssLimitMb must be a positive number of MiB, got 0'],
  ['processHeadroomMb', -5, 'options.processHeadroomMb must be a non-negative number of MiB, got -5'],
  [
    'processSampleIntervalMillis',
    -1,
    'options.processSampleIntervalMillis must be a non-negative integer, got -1',
  ],
  [
    'meterProvider',
    {},
    'options.meterProvider must be a MeterProvider (an object with getMeter()), got an object',
  ],
  ['onLeak', 'log', 'options.onLeak must be a function, got "log"'],
  // Removed keys and typos are refused, not ignored: swap to disk never existed, `enableSwap: false` was a no-op.
  ['enableSwap', false, 'options.enableSwap is not a known option (known: name, maxMemoryMb'],
  ['maxMemoryMB', 10, "options.maxMemoryMB is not a known option (did you mean 'maxMemoryMb'?)"],
];

function configErrorOf(create: () => unknown): ConfigError {
  try {
    create();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('options validation (one test per message)', () => {
  test.each(bad)('%s = %o', (field, value, message) => {
    const options = { maxMemoryMb: 1024, [field]: value } as MemoryOptions;
    const error = configErrorOf(() => new UnifiedMemoryManager(options));
    expect(error.message.startsWith(message)).toBe(true);
    expect(error.field).toBe(message.split(' ')[0]);
  });

  test('the SDK prefixes the path it passes in: options.memory.*', () => {
    const error = configErrorOf(() => resolveMemoryOptions({ maxMemoryMb: -1 }, 'options.memory'));
    expect(error.field).toBe('options.memory.maxMemoryMb');
    expect(error.message).toBe('options.memory.maxMemoryMb must be a positive number of MiB, got -1');
  });

  test('options must be an object', () => {
    expect(() => resolveMemoryOptions(42 as unknown as MemoryOptions)).toThrow(
      'options must be an object, got 42',
    );
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

  test('the production preset shape is accepted', () => {
    const r = resolveMemoryOptions({ maxMemoryMb: 4096, gcThreshold: 0.75 });
    expect(r.maxBytes).toBe(4096 * 1024 * 1024);
    expect(r.gcThreshold).toBe(0.75);
  });
});

describe('configure validation', () => {
  const current = resolveMemoryOptions({ maxMemoryMb: 64, cacheSizeMb: 8 });
  test.each([
    [{ gcThreshold: 2 }, 'options.gcThreshold must be a number in (0, 1], got 2'],
    [{ cacheSizeMb: 0 }, 'options.cacheSizeMb must be a positive number of MiB, got 0'],
    [{ cacheSizeMb: 65 }, 'options.cacheSizeMb must not exceed maxMemoryMb (64), got 65'],
    [{ enableCompression: 'on' }, 'options.enableCompression must be a boolean, got "on"'],
    [{ enableAutoCleanup: 0 }, 'options.enableAutoCleanup must be a boolean, got 0'],
    [{ maxMemoryMb: 10 }, 'options.maxMemoryMb is not a known option (known: gcThreshold'],
    [null, 'options must be an object, got null'],
  ])('%o', (patch, message) => {
    expect(() => resolveConfigure(current, patch as never)).toThrow(ConfigError);
    expect(() => resolveConfigure(current, patch as never)).toThrow(message);
  });
});
