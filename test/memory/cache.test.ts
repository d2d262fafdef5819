import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { MemoryBudgetError } from '../../src/memory/index.js';
import { managerFactory } from './helpers.js';

const KiB = 1024;
const managers = managerFactory({
  maxMemoryMb: 1,
  cacheSizeMb: 0.5,
  leakDetection: 'off',
  processSampleIntervalMillis: 0,
});
const make = managers.make;
afterEach(() => {
  managers.closeAll();
  vi.useRealTimers();
});

describe('mem.cache', () => {
  test('set/get/has/delete; get returns a copy', () => {
    const m = make();
    m.cache.set('k', Buffer.from('hello'));
    const got = m.cache.get('k')!;
    expect(got.toString()).toBe('hello');
    got.fill(0);
    expect(m.cache.get('k')!.toString()).toBe('hello');
    expect(m.cache.has('k')).toBe(true);
    expect(m.cache.get('nope')).toBeUndefined();
    expect(m.cache.delete('k')).toBe(true);
    expect(m.cache.delete('k')).toBe(false);
    expect(m.getMemoryStats()).toMatchObject({ cacheEntries: 0, cacheBytes: 0, usedBytes: 0 });
  });

  test('entries are cache-kind allocations labelled mem.cache', () => {
    const m = make();
    m.cache.set('a', 'x'.repeat(5000));
    const s = m.getMemoryStats();
    expect(s.byKind.cache).toMatchObject({ bytes: 5120, count: 1 });
    expect(s.byLabel['mem.cache']).toEqual({ bytes: 5120, count: 1 });
    expect(s.cacheBytes).toBe(5120);
  });

  test('replacing a key releases the old value', () => {
    const m = make();
    m.cache.set('a', Buffer.alloc(4096, 1)).set('a', Buffer.alloc(8192, 2));
    expect(m.cache.get('a')!.equals(Buffer.alloc(8192, 2))).toBe(true);
    expect(m.getMemoryStats()).toMatchObject({ cacheEntries: 1, usedBytes: 8192, pooledFreeBytes: 4096 });
  });

  test('LRU bound: cacheSizeMb evicts least recently used first', () => {
    const m = make(); // 512 KiB
    const v = Buffer.alloc(128 * KiB);
    m.cache.set('a', v).set('b', v).set('c', v).set('d', v);
    m.cache.get('a');
    m.cache.set('e', v);
    expect(m.cache.keys()).toEqual(['c', 'd', 'a', 'e']);
    expect(m.getMemoryStats()).toMatchObject({ evictions: 1, cacheBytes: 512 * KiB });
  });

  test('regression: an entry whose size class exceeds cacheSizeMb keeps the cache within its bound', () => {
    // found by the property test: 98,305 bytes has size class 114,688 > a 104,857-byte bound
    const m = make({ cacheSizeMb: 0.1 });
    m.cache.set('k', Buffer.alloc(98_305, 1));
    const s = m.getMemoryStats();
    expect(s.cacheBytes).toBe(98_305);
    expect(s.cacheBytes).toBeLessThanOrEqual(Math.floor(0.1 * 1024 * 1024));
    m.cache.delete('k');
    expect(m.getMemoryStats()).toMatchObject({ usedBytes: 0, pooledFreeBytes: 0 }); // exact buffers are not pooled
  });

  test('a budget refusal keeps the previous value', () => {
    const m = make({ enableAutoCleanup: false });
    m.cache.set('a', Buffer.from('old'));
    m.allocate({ bytes: 896 * KiB, label: 'big', kind: 'model' });
    expect(() => m.cache.set('a', Buffer.alloc(192 * KiB))).toThrow(MemoryBudgetError);
    expect(m.cache.get('a')!.toString()).toBe('old');
  });

  test.each([
    [1, 'x', TypeError, 'key must be a string'],
    ['k', 42, TypeError, 'value must be a Uint8Array, Buffer or string'],
    ['k', '', RangeError, 'value must not be empty'],
    ['k', Buffer.alloc(600 * KiB), RangeError, 'is larger than cacheSizeMb'],
  ])('bad input %#', (key, value, type, message) => {
    const m = make();
    expect(() => m.cache.set(key as never, value as never)).toThrow(type);
    expect(() => m.cache.set(key as never, value as never)).toThrow(message);
    expect(m.getMemoryStats().usedBytes).toBe(0);
  });
});

describe('compression', () => {
  test('idle entries are compressed by cleanup, inflated on get, and the saving is reported', () => {
    vi.useFakeTimers();
    const m = make({ enableCompression: true, compressIdleMillis: 5000, cleanupIntervalMillis: 1000 });
    const text = Buffer.from('aiva '.repeat(20_000)); // 100,000 bytes → class 114,688
    const noise = randomBytes(4096); // incompressible: stays as it is
    m.cache.set('text', text).set('noise', noise);
    vi.advanceTimersByTime(4000);
    expect(m.getMemoryStats().compressedSavedBytes).toBe(0);
    vi.advanceTimersByTime(2000);
    const s = m.getMemoryStats();
    expect(s.compressedSavedBytes).toBeGreaterThan(90_000);
    expect(s.compressedSavedMb).toBe(s.compressedSavedBytes / (1024 * 1024));
    expect(s.cacheBytes).toBe(114_688 + 4096 - s.compressedSavedBytes);
    expect(s.usedBytes).toBe(s.cacheBytes);
    expect(m.cache.get('text')!.equals(text)).toBe(true);
    expect(m.cache.get('noise')!.equals(noise)).toBe(true);
    m.cache.delete('text');
    expect(m.getMemoryStats().compressedSavedBytes).toBe(0);
  });

  test('optimize() compresses idle entries and counts them; off by default', () => {
    vi.useFakeTimers();
    const plain = make({ compressIdleMillis: 0 });
    plain.cache.set('t', 'z'.repeat(50_000));
    expect(plain.optimize().compressed).toBe(0);
    const m = make({ enableCompression: true, compressIdleMillis: 0 });
    m.cache.set('t', 'z'.repeat(50_000));
    const r = m.optimize();
    expect(r.compressed).toBe(1);
    expect(r.freedBytes).toBeGreaterThan(40_000);
    expect(m.cache.get('t')!.toString()).toBe('z'.repeat(50_000));
  });
});
