import { describe, expect, it } from 'vitest';
import { ChunkEstimator, MAX_AUTO_CHUNK_ITEMS, TARGET_CHUNK_SECONDS } from '../../src/parallel/chunker.js';

describe('ChunkEstimator', () => {
  it('probes with one item before any measurement', () => {
    expect(new ChunkEstimator().size(10_000, 2)).toBe(1);
  });

  it('sizes chunks to about TARGET_CHUNK_SECONDS of work', () => {
    const e = new ChunkEstimator();
    e.update(50e-6); // 50 µs per item
    expect(e.size(1_000_000, 2)).toBe(Math.floor(TARGET_CHUNK_SECONDS / 50e-6));
    const slow = new ChunkEstimator();
    slow.update(0.01); // 10 ms per item: one at a time
    expect(slow.size(1000, 2)).toBe(1);
  });

  it('caps trivial items at MAX_AUTO_CHUNK_ITEMS', () => {
    const e = new ChunkEstimator();
    e.update(0);
    expect(e.size(10_000_000, 2)).toBe(MAX_AUTO_CHUNK_ITEMS);
  });

  it('splits the tail finer so every worker gets a share of the last items', () => {
    const e = new ChunkEstimator();
    e.update(1e-9);
    expect(e.size(1000, 2)).toBe(250);
    expect(e.size(40, 4)).toBe(5);
    expect(e.size(3, 2)).toBe(1);
  });

  it('follows a changing per-item time with an exponential average', () => {
    const e = new ChunkEstimator();
    e.update(0.001);
    e.update(0.002);
    expect(e.estimate).toBeCloseTo(0.0013, 6);
    e.update(Number.NaN); // ignored
    expect(e.estimate).toBeCloseTo(0.0013, 6);
  });
});
