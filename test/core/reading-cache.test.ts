import { describe, expect, it } from 'vitest';
import { ReadingCache } from '../../src/core/reading-cache.js';

describe('ReadingCache', () => {
  it('shares one reading among concurrent callers', async () => {
    let release: (v: number) => void = () => {};
    let started: () => void = () => {};
    const loadStarted = new Promise<void>((r) => {
      started = r;
    });
    let loads = 0;
    const cache = new ReadingCache(
      () => {
        loads++;
        started();
        return new Promise<number>((r) => {
          release = r;
        });
      },
      1000,
      () => 0,
    );
    const all = Promise.all([cache.get(), cache.get(), cache.get()]);
    await loadStarted;
    expect(cache.get()).toBe(cache.get()); // a fourth caller joins the same reading
    release(7);
    expect(await all).toEqual([7, 7, 7]);
    expect(loads).toBe(1);
    expect(cache.reads).toBe(1);
  });

  it('does not keep a failed reading, even one thrown synchronously: the next collect tries again', async () => {
    let fail = true;
    const cache = new ReadingCache(
      () => {
        if (fail) throw new Error('boom');
        return 1;
      },
      1000,
      () => 0,
    );
    await expect(cache.get()).rejects.toThrow('boom');
    fail = false;
    expect(await cache.get()).toBe(1);
    expect(cache.reads).toBe(2);
  });

  it('counts the age from the start of the reading, so a slow reading does not stretch the interval', async () => {
    let clock = 0;
    const cache = new ReadingCache(
      () => {
        clock += 300; // the reading itself takes 300 ms
        return clock;
      },
      1000,
      () => clock,
    );
    await cache.get(); // started at 0, done at 300
    clock = 999;
    await cache.get();
    expect(cache.reads).toBe(1);
    clock = 1000; // 1000 ms after the start of the first reading
    await cache.get();
    expect(cache.reads).toBe(2);
  });
});
