import { afterEach, describe, expect, test, vi } from 'vitest';
import { MemoryBudgetError } from '../../src/memory/index.js';
import { managerFactory } from './helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const managers = managerFactory({
  maxMemoryMb: 1,
  cacheSizeMb: 1,
  leakDetection: 'off',
  processSampleIntervalMillis: 0,
});
const make = managers.make;
afterEach(() => {
  managers.closeAll();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

function budgetError(fn: () => unknown): MemoryBudgetError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MemoryBudgetError);
    return e as MemoryBudgetError;
  }
  throw new Error('expected a MemoryBudgetError');
}

describe('exact byte counts and size classes', () => {
  test.each([
    [{ bytes: 4096 }, 4096, 4096],
    [{ bytes: 5000 }, 5000, 5120],
    [{ bytes: 1 }, 1, 64],
    [{ bytes: 65 }, 65, 80],
    [{ sizeMb: 0.5 }, 524288, 524288],
    [{ sizeMb: 0.3 }, Math.ceil(0.3 * MiB), 327680],
  ])('%o → buffer %i bytes, %i charged', (size, length, charged) => {
    const m = make();
    const a = m.allocate({ ...size, label: 'l', kind: 'scratch' });
    expect(a.bytes).toBe(length);
    expect(a.buffer.length).toBe(length);
    const s = m.getMemoryStats();
    expect(s.usedBytes).toBe(charged);
    expect(s.byKind.scratch).toEqual({ bytes: charged, count: 1, limitBytes: Infinity });
    expect(s.byLabel).toEqual({ l: { bytes: charged, count: 1 } });
  });

  test('above poolMaxBufferBytes the buffer is exact and is not pooled', () => {
    const m = make({ poolMaxBufferBytes: 64 * KiB });
    const a = m.allocate({ bytes: 100_000, label: 'big', kind: 'model' });
    expect(m.getMemoryStats().usedBytes).toBe(100_000);
    a.release();
    expect(m.getMemoryStats()).toMatchObject({ usedBytes: 0, pooledFreeBytes: 0 });
  });
});

describe('pooled reuse', () => {
  test('a released buffer is reused for the same size class', () => {
    const m = make();
    const a = m.allocate({ bytes: 4096, label: 'a', kind: 'scratch' });
    const memory = a.buffer.buffer;
    a.release();
    expect(m.getMemoryStats()).toMatchObject({ usedBytes: 0, pooledFreeBytes: 4096 });
    const b = m.allocate({ bytes: 4000, label: 'b', kind: 'vector' });
    expect(b.buffer.buffer).toBe(memory);
    expect(b.buffer.length).toBe(4000);
    expect(m.getMemoryStats()).toMatchObject({ usedBytes: 4096, pooledFreeBytes: 0 });
  });

  test('another size class does not reuse it', () => {
    const m = make();
    m.allocate({ bytes: 4096, label: 'a', kind: 'scratch' }).release();
    m.allocate({ bytes: 8192, label: 'b', kind: 'scratch' });
    expect(m.getMemoryStats()).toMatchObject({ usedBytes: 8192, pooledFreeBytes: 4096 });
  });

  test('poolMaxFreeMb caps the free pool', () => {
    const m = make({ poolMaxFreeMb: 8 / 1024 }); // 8 KiB
    const xs = [1, 2, 3].map(() => m.allocate({ bytes: 4096, label: 'x', kind: 'scratch' }));
    for (const x of xs) x.release();
    expect(m.getMemoryStats().pooledFreeBytes).toBe(8192);
  });

  test('pooled buffers are dropped to fit under the budget, even with auto-cleanup off', () => {
    const m = make({ enableAutoCleanup: false });
    m.allocate({ bytes: 512 * KiB, label: 'a', kind: 'scratch' }).release();
    const b = m.allocate({ bytes: 768 * KiB, label: 'b', kind: 'scratch' });
    expect(b.bytes).toBe(786432);
    expect(m.getMemoryStats()).toMatchObject({ usedBytes: 786432, pooledFreeBytes: 0 });
  });
});

describe('rejection at the budget', () => {
  test('refuses what does not fit, with requested/available/per-kind figures; books unchanged', () => {
    const m = make({ enableAutoCleanup: false });
    m.allocate({ bytes: 768 * KiB, label: 'a', kind: 'vector' });
    const before = m.getMemoryStats();
    const e = budgetError(() => m.allocate({ bytes: 512 * KiB, label: 'b', kind: 'scratch' }));
    expect(e.name).toBe('MemoryBudgetError');
    expect(e).toMatchObject({
      reason: 'budget',
      requestedBytes: 524288,
      availableBytes: 262144,
      kind: 'scratch',
    });
    expect(e.byKind.vector).toEqual({ usedBytes: 786432, limitBytes: Infinity });
    const after = m.getMemoryStats();
    expect(after.usedBytes).toBe(before.usedBytes);
    expect(after.rejectedTotal).toBe(1);
    // exactly the remaining budget still fits
    m.allocate({ bytes: 256 * KiB, label: 'c', kind: 'scratch' });
    expect(m.getMemoryStats().usedBytes).toBe(MiB);
  });

  test('larger than the whole budget is a RangeError, not a budget refusal', () => {
    const m = make();
    expect(() => m.allocate({ bytes: MiB + 1, label: 'x', kind: 'scratch' })).toThrow(RangeError);
    expect(() => m.allocate({ bytes: MiB + 1, label: 'x', kind: 'scratch' })).toThrow(/exceeds maxMemoryMb/);
  });
});

describe('eviction under pressure', () => {
  test('evicts cache entries least recently used first, only as many as needed', () => {
    const m = make({ gcThreshold: 0.5 });
    const v = Buffer.alloc(128 * KiB, 7);
    m.cache.set('a', v).set('b', v).set('c', v);
    expect(m.cache.get('a')?.equals(v)).toBe(true); // a becomes most recently used
    m.allocate({ bytes: 256 * KiB, label: 's1', kind: 'scratch' });
    expect(m.cache.keys()).toEqual(['c', 'a']);
    expect(m.getMemoryStats()).toMatchObject({ evictions: 1, usedBytes: 512 * KiB, pooledFreeBytes: 0 });
    m.allocate({ bytes: 256 * KiB, label: 's2', kind: 'scratch' });
    expect(m.cache.keys()).toEqual([]);
    expect(m.getMemoryStats()).toMatchObject({ evictions: 3, usedBytes: 512 * KiB });
  });

  test('never evicts vector, model or scratch', () => {
    const m = make({ gcThreshold: 0.5 });
    const model = m.allocate({ bytes: 512 * KiB, label: 'weights', kind: 'model' });
    const vec = m.allocate({ bytes: 256 * KiB, label: 'rag', kind: 'vector' });
    const e = budgetError(() => m.allocate({ bytes: 512 * KiB, label: 'tmp', kind: 'scratch' }));
    expect(e.reason).toBe('budget');
    expect(model.released).toBe(false);
    expect(vec.released).toBe(false);
    expect(m.getMemoryStats().byKind).toMatchObject({ model: { count: 1 }, vector: { count: 1 } });
  });

  test('with auto-cleanup off, cache entries are not evicted for other kinds', () => {
    const m = make({ enableAutoCleanup: false });
    m.cache.set('a', Buffer.alloc(512 * KiB));
    budgetError(() => m.allocate({ bytes: 768 * KiB, label: 'x', kind: 'model' }));
    expect(m.cache.has('a')).toBe(true);
  });
});

describe('per-kind limits', () => {
  test('a kind is refused at its limit while others still fit', () => {
    const m = make({ kindLimitsMb: { scratch: 0.25 } });
    m.allocate({ bytes: 192 * KiB, label: 'a', kind: 'scratch' });
    const e = budgetError(() => m.allocate({ bytes: 128 * KiB, label: 'b', kind: 'scratch' }));
    expect(e).toMatchObject({ reason: 'kind', requestedBytes: 131072, availableBytes: 65536 });
    expect(e.byKind.scratch).toEqual({ usedBytes: 196608, limitBytes: 262144 });
    m.allocate({ bytes: 512 * KiB, label: 'c', kind: 'model' });
    expect(m.getMemoryStats().byKind.scratch.limitBytes).toBe(262144);
  });

  test('the cache kind limit evicts cache entries LRU first', () => {
    const m = make({ kindLimitsMb: { cache: 0.25 } });
    const v = Buffer.alloc(100 * KiB);
    m.cache.set('a', v).set('b', v);
    m.cache.set('c', v);
    expect(m.cache.keys()).toEqual(['b', 'c']);
    expect(m.getMemoryStats().byKind.cache.bytes).toBe(2 * 112 * KiB);
  });
});

describe('process headroom', () => {
  test('new memory is refused when the sampled RSS is within the headroom; sampled on the timer', () => {
    vi.useFakeTimers();
    const usage = { rss: 100 * MiB, heapTotal: 0, heapUsed: 10 * MiB, external: 0, arrayBuffers: 0 };
    const spy = vi.spyOn(process, 'memoryUsage').mockImplementation(() => ({ ...usage }));
    const m = make({ processRssLimitMb: 1024, processHeadroomMb: 128, processSampleIntervalMillis: 1000 });
    const a = m.allocate({ bytes: 4096, label: 'a', kind: 'scratch' });
    usage.rss = 950 * MiB;
    const calls = spy.mock.calls.length;
    m.allocate({ bytes: 8192, label: 'b', kind: 'scratch' }); // not sampled per allocate
    expect(spy.mock.calls.length).toBe(calls);
    vi.advanceTimersByTime(1000);
    const e = budgetError(() => m.allocate({ bytes: 16384, label: 'c', kind: 'scratch' }));
    expect(e.reason).toBe('process');
    expect(m.getMemoryStats().process.rssMb).toBe(950);
    a.release(); // a pooled buffer needs no new memory
    m.allocate({ bytes: 4096, label: 'd', kind: 'scratch' });
  });
});

describe('pool decay on the cleanup timer', () => {
  test('buffers no allocation took for a whole tick are dropped; the ones a steady load reuses stay', () => {
    vi.useFakeTimers();
    const m = make({ cleanupIntervalMillis: 1000 });
    // a burst: 8 buffers of 16 KiB, then 2 of them reused every tick
    const burst = Array.from({ length: 8 }, () =>
      m.allocate({ bytes: 16 * KiB, label: 'burst', kind: 'scratch' }),
    );
    for (const a of burst) a.release();
    expect(m.getMemoryStats().pooledFreeBytes).toBe(8 * 16 * KiB);
    vi.advanceTimersByTime(1000); // the burst's buffers were only just freed: kept
    expect(m.getMemoryStats().pooledFreeBytes).toBe(8 * 16 * KiB);
    for (let tick = 0; tick < 2; tick++) {
      const steady = [0, 1].map(() => m.allocate({ bytes: 16 * KiB, label: 'steady', kind: 'scratch' }));
      for (const a of steady) a.release();
      vi.advanceTimersByTime(1000);
    }
    expect(m.getMemoryStats().pooledFreeBytes).toBe(2 * 16 * KiB);
    expect(m.getMemoryStats().usedBytes).toBe(0);
  });
});
