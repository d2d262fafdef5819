import { afterEach, describe, expect, test, vi } from 'vitest';
import { type Allocation, AllocationStateError } from '../../src/memory/index.js';
import { managerFactory } from './helpers.js';

const KiB = 1024;
const managers = managerFactory({ maxMemoryMb: 1, cacheSizeMb: 1, leakDetection: 'off' });
const make = managers.make;
afterEach(() => {
  managers.closeAll();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function stateError(fn: () => unknown): AllocationStateError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AllocationStateError);
    return e as AllocationStateError;
  }
  throw new Error('expected an AllocationStateError');
}

describe('bad input names the field and leaves the books balanced', () => {
  test.each([
    [{ bytes: -1 }, RangeError, 'request.bytes must be a positive integer'],
    [{ bytes: 0 }, RangeError, 'request.bytes must be a positive integer'],
    [{ bytes: 1.5 }, RangeError, 'request.bytes must be a positive integer'],
    [{ bytes: Number.NaN }, RangeError, 'request.bytes must be a positive integer'],
    [{ bytes: Number.POSITIVE_INFINITY }, RangeError, 'request.bytes must be a positive integer'],
    [{ bytes: '4096' }, RangeError, 'request.bytes must be a positive integer'],
    [{ sizeMb: 0 }, RangeError, 'request.sizeMb must be a positive finite number'],
    [{ sizeMb: Number.NaN }, RangeError, 'request.sizeMb must be a positive finite number'],
    [{ sizeMb: -Infinity }, RangeError, 'request.sizeMb must be a positive finite number'],
    [{ sizeMb: 1, bytes: 1 }, TypeError, 'request must give exactly one of request.sizeMb or request.bytes'],
    [{}, TypeError, 'request must give exactly one of request.sizeMb or request.bytes'],
    [{ bytes: 8, kind: 'gpu' }, RangeError, 'request.kind must be one of vector, model, cache, scratch'],
    [{ bytes: 8, label: '' }, TypeError, 'request.label must be a non-empty string'],
    [{ bytes: 8, label: 3 }, TypeError, 'request.label must be a non-empty string'],
  ])('%o', (patch, type, message) => {
    const m = make();
    const keep = m.allocate({ bytes: 1000, label: 'keep', kind: 'model' });
    const before = m.getMemoryStats();
    const req = { label: 'x', kind: 'scratch', ...patch } as never;
    expect(() => m.allocate(req)).toThrow(type);
    expect(() => m.allocate(req)).toThrow(message);
    const after = m.getMemoryStats();
    expect(after.usedBytes).toBe(before.usedBytes);
    expect(after.allocations).toBe(1);
    expect(keep.buffer.length).toBe(1000);
  });

  test('request must be an object', () => {
    expect(() => make().allocate(null as never)).toThrow('request must be an object');
  });
});

describe('allocation state', () => {
  test('release, then a second release is an AllocationStateError; books count it once', () => {
    const m = make();
    const a = m.allocate({ bytes: 4096, label: 'a', kind: 'scratch' });
    a.release();
    const e = stateError(() => a.release());
    expect(e).toMatchObject({ name: 'AllocationStateError', reason: 'double-release' });
    expect(() => m.deallocate(a)).toThrow(AllocationStateError);
    expect(m.getMemoryStats()).toMatchObject({ usedBytes: 0, releasesTotal: 1, allocations: 0 });
  });

  test('buffer after release is an AllocationStateError', () => {
    const m = make();
    const a = m.allocate({ bytes: 16, label: 'a', kind: 'scratch' });
    m.deallocate(a);
    expect(a.released).toBe(true);
    expect(stateError(() => a.buffer).reason).toBe('use-after-release');
  });

  test("releasing another manager's allocation is refused and changes neither", () => {
    const m1 = make();
    const m2 = make();
    const a = m1.allocate({ bytes: 4096, label: 'a', kind: 'scratch' });
    expect(stateError(() => m2.deallocate(a)).reason).toBe('foreign');
    expect(a.released).toBe(false);
    expect(m1.getMemoryStats().usedBytes).toBe(4096);
    expect(m2.getMemoryStats().releasesTotal).toBe(0);
  });

  test('deallocate of a non-allocation is a TypeError', () => {
    expect(() => make().deallocate({} as Allocation)).toThrow('allocation must be an Allocation');
  });

  test('`using` releases at scope exit, and composes with an explicit release', () => {
    const m = make();
    {
      using a = m.allocate({ bytes: 4096, label: 'a', kind: 'scratch' });
      expect(m.getMemoryStats().usedBytes).toBe(4096);
      a.buffer.fill(1);
    }
    expect(m.getMemoryStats().usedBytes).toBe(0);
    {
      using b = m.allocate({ bytes: 4096, label: 'b', kind: 'scratch' });
      b.release();
    }
    expect(m.getMemoryStats()).toMatchObject({ usedBytes: 0, releasesTotal: 2 });
  });

  test('poisonReleased fills released memory with 0xde', () => {
    const m = make({ poisonReleased: true });
    const a = m.allocate({ bytes: 64, label: 'a', kind: 'scratch' });
    const view = a.buffer;
    view.fill(1);
    a.release();
    expect([...view].every((x) => x === 0xde)).toBe(true);
  });

  test('ids are unique', () => {
    const m = make();
    const ids = new Set(
      Array.from({ length: 50 }, () => m.allocate({ bytes: 64, label: 'x', kind: 'scratch' }).id),
    );
    expect(ids.size).toBe(50);
  });
});

describe('stats', () => {
  test('byKind, byLabel, peak and totals add up exactly', () => {
    const m = make();
    const a = m.allocate({ bytes: 4096, label: 'rows', kind: 'scratch' });
    m.allocate({ bytes: 4096, label: 'rows', kind: 'scratch' });
    m.allocate({ bytes: 65536, label: 'index', kind: 'vector' });
    a.release();
    const s = m.getMemoryStats();
    expect(s).toMatchObject({
      usedBytes: 69632,
      peakBytes: 73728,
      maxBytes: 1048576,
      maxMb: 1,
      pooledFreeBytes: 4096,
      allocations: 2,
      allocationsTotal: 3,
      releasesTotal: 1,
      utilization: 69632 / 1048576,
      availableMb: (1048576 - 69632) / 1048576,
    });
    expect(s.byLabel).toEqual({ rows: { bytes: 4096, count: 1 }, index: { bytes: 65536, count: 1 } });
    expect(s.byKind.vector).toMatchObject({ bytes: 65536, count: 1 });
    expect(s.process.rssMb).toBeGreaterThan(0);
  });
});

describe('optimize, configure, close', () => {
  test('optimize trims the pool, evicts above the threshold, calls global.gc when exposed', () => {
    const gc = vi.fn();
    vi.stubGlobal('gc', gc);
    const m = make({ gcThreshold: 0.5, enableAutoCleanup: false });
    m.allocate({ bytes: 192 * KiB, label: 'a', kind: 'scratch' }).release(); // pooled, another class
    m.cache.set('x', Buffer.alloc(256 * KiB)).set('y', Buffer.alloc(256 * KiB));
    m.allocate({ bytes: 128 * KiB, label: 'keep', kind: 'model' });
    // used 640 KiB (> 512 KiB threshold), pooled 192 KiB; evicting x pools 256 KiB more
    const r = m.optimize();
    expect(r).toEqual({ evicted: 1, compressed: 0, poolTrimmedBytes: 448 * KiB, freedBytes: 448 * KiB });
    expect(m.cache.keys()).toEqual(['y']);
    expect(gc).toHaveBeenCalledOnce();
    expect(m.getMemoryStats()).toMatchObject({ usedBytes: 384 * KiB, pooledFreeBytes: 0 });
  });

  test('configure lowers the cache bound at once; a bad value changes nothing', () => {
    const m = make();
    m.cache.set('a', Buffer.alloc(256 * KiB)).set('b', Buffer.alloc(256 * KiB));
    expect(() => m.configure({ cacheSizeMb: 0.25, gcThreshold: 5 })).toThrow('options.gcThreshold');
    expect(m.cache.keys()).toEqual(['a', 'b']);
    m.configure({ cacheSizeMb: 0.25 });
    expect(m.cache.keys()).toEqual(['b']);
    expect(() => m.cache.set('c', Buffer.alloc(300 * KiB))).toThrow(RangeError);
  });

  test('the cleanup timer is unref()ed, stops on close, and restarts with configure', () => {
    vi.useFakeTimers();
    const m = make({ cleanupIntervalMillis: 1000, processSampleIntervalMillis: 500 });
    expect(vi.getTimerCount()).toBe(2);
    m.configure({ enableAutoCleanup: false });
    expect(vi.getTimerCount()).toBe(1);
    m.configure({ enableAutoCleanup: true });
    expect(vi.getTimerCount()).toBe(2);
    m.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  test('the cleanup timer evicts above the threshold, then runs global.gc when exposed', () => {
    vi.useFakeTimers();
    const gc = vi.fn();
    vi.stubGlobal('gc', gc);
    const m = make({ cleanupIntervalMillis: 1000, gcThreshold: 0.5, processSampleIntervalMillis: 0 });
    m.cache.set('a', Buffer.alloc(256 * KiB)).set('b', Buffer.alloc(256 * KiB));
    m.configure({ gcThreshold: 0.3 });
    vi.advanceTimersByTime(999);
    expect(m.cache.size).toBe(2);
    expect(gc).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(m.cache.keys()).toEqual(['b']);
    expect(gc).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(1000); // under the threshold now: nothing to do
    expect(gc).toHaveBeenCalledOnce();
  });

  test('after close: allocate throws, live allocations still release, nothing is pooled', () => {
    const m = make();
    const a = m.allocate({ bytes: 4096, label: 'a', kind: 'scratch' });
    m.cache.set('k', 'v');
    m.close();
    m.close();
    expect(stateError(() => m.allocate({ bytes: 1, label: 'x', kind: 'scratch' })).reason).toBe('closed');
    expect(m.cache.size).toBe(0);
    a.release();
    expect(m.getMemoryStats()).toMatchObject({ usedBytes: 0, pooledFreeBytes: 0, allocations: 0 });
  });
});

describe('byLabel with many distinct labels', () => {
  test('labels of released allocations are dropped, and stats only list live ones', () => {
    const m = make({ maxMemoryMb: 64 });
    const keep = m.allocate({ bytes: 64, label: 'keep', kind: 'scratch' });
    for (let i = 0; i < 5000; i++) m.allocate({ bytes: 64, label: `req-${i}`, kind: 'scratch' }).release();
    const live = m.allocate({ bytes: 64, label: 'req-4999', kind: 'scratch' });
    const s = m.getMemoryStats();
    expect(s.byLabel).toEqual({ keep: { bytes: 64, count: 1 }, 'req-4999': { bytes: 64, count: 1 } });
    keep.release();
    live.release();
    expect(m.getMemoryStats().byLabel).toEqual({});
  });
});
