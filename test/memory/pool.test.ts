import { describe, expect, test } from 'vitest';
import { BufferPool, sizeClass } from '../../src/memory/pool.js';

describe('sizeClass', () => {
  test.each([
    [1, 64],
    [64, 64],
    [65, 80],
    [100, 112],
    [4096, 4096],
    [4097, 5120],
    [6000, 6144],
    [65536, 65536],
    [1048577, 1310720],
    [8388608, 8388608],
    [8388609, 8388609], // above the pooled range: exact
  ])('%i → %i', (bytes, cls) => {
    expect(sizeClass(bytes, 8 * 1024 * 1024)).toBe(cls);
  });

  test('slack is under 25% and the class is never smaller than the request', () => {
    for (let bytes = 65; bytes < 3_000_000; bytes = Math.ceil(bytes * 1.013) + 1) {
      const cls = sizeClass(bytes, 4 * 1024 * 1024);
      expect(cls).toBeGreaterThanOrEqual(bytes);
      expect(cls - bytes).toBeLessThan(bytes / 4);
    }
  });
});

describe('BufferPool', () => {
  test('take returns what give kept, per class, and counts free bytes', () => {
    const pool = new BufferPool(1 << 20, 1 << 16);
    const b = Buffer.allocUnsafeSlow(4096);
    expect(pool.take(4096)).toBeUndefined();
    expect(pool.give(b)).toBe(true);
    expect(pool.freeBytes).toBe(4096);
    expect(pool.take(8192)).toBeUndefined();
    expect(pool.take(4096)).toBe(b);
    expect(pool.freeBytes).toBe(0);
  });

  test('refuses buffers above the pooled range, off-class sizes, or beyond maxFreeBytes', () => {
    const pool = new BufferPool(8192, 1 << 16);
    expect(pool.give(Buffer.allocUnsafeSlow(1 << 17))).toBe(false);
    expect(pool.give(Buffer.allocUnsafeSlow(5000))).toBe(false);
    expect(pool.give(Buffer.allocUnsafeSlow(4096))).toBe(true);
    expect(pool.give(Buffer.allocUnsafeSlow(4096))).toBe(true);
    expect(pool.give(Buffer.allocUnsafeSlow(4096))).toBe(false);
    expect(pool.freeBytes).toBe(8192);
  });

  test('trim drops largest classes first, at least the bytes asked for', () => {
    const pool = new BufferPool(1 << 20, 1 << 16);
    for (const n of [1024, 4096, 16384, 16384]) pool.give(Buffer.allocUnsafeSlow(n));
    expect(pool.trim(10_000)).toBe(16384);
    expect(pool.freeBytes).toBe(16384 + 4096 + 1024);
    expect(pool.trim()).toBe(16384 + 4096 + 1024);
    expect(pool.freeBytes).toBe(0);
    expect(pool.take(1024)).toBeUndefined();
  });

  test('decay drops per class the buffers no take needed since the previous decay', () => {
    const pool = new BufferPool(1 << 20, 1 << 16);
    for (let i = 0; i < 4; i++) pool.give(Buffer.allocUnsafeSlow(1024));
    pool.give(Buffer.allocUnsafeSlow(4096));
    // a class's first period: its buffers were only just freed, none is idle yet
    expect(pool.decay()).toBe(0);
    expect(pool.freeBytes).toBe(4 * 1024 + 4096);
    // in the next period 1024 goes down to 3 free and back to 4; 4096 is never asked for
    const taken = pool.take(1024)!;
    pool.give(taken);
    expect(pool.decay()).toBe(3 * 1024 + 4096);
    expect(pool.freeBytes).toBe(1024);
    expect(pool.take(1024)).toBeInstanceOf(Buffer);
    expect(pool.take(1024)).toBeUndefined();
    expect(pool.take(4096)).toBeUndefined();
    expect(pool.freeBytes).toBe(0);
  });

  test('decay keeps what a steady load takes every period, and trim lowers the low-water mark', () => {
    const pool = new BufferPool(1 << 20, 1 << 16);
    for (let i = 0; i < 8; i++) pool.give(Buffer.allocUnsafeSlow(2048));
    pool.decay();
    for (let period = 0; period < 3; period++) {
      // each period takes all 8 and gives them back: none is idle
      const held = Array.from({ length: 8 }, () => pool.take(2048)!);
      for (const b of held) pool.give(b);
      expect(pool.decay()).toBe(0);
      expect(pool.freeBytes).toBe(8 * 2048);
    }
    expect(pool.trim(3 * 2048)).toBe(3 * 2048);
    // trim took 3 of the 8; the 5 left were not taken this period
    expect(pool.decay()).toBe(5 * 2048);
    expect(pool.freeBytes).toBe(0);
  });
});
