import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { LeakReport } from '../../src/memory/index.js';
import { managerFactory, testProvider } from './helpers.js';

/**
 * The same `gc()` that `node --expose-gc` gives, exposed from inside the vitest
 * worker: setting the V8 flag at run time makes new contexts get `gc`.
 */
function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** FinalizationRegistry callbacks come after a GC and a turn of the loop, maybe later: bounded wait. */
async function collectUntil(gc: () => void, done: () => boolean, rounds = 100): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

const managers = managerFactory({ maxMemoryMb: 1, processSampleIntervalMillis: 0 });
const make = managers.make;
afterEach(() => {
  managers.closeAll();
  vi.useRealTimers();
});

describe('leak detection by garbage collection (--expose-gc)', () => {
  test('an allocation dropped unreleased is reported with its allocation stack and its bytes reclaimed', async () => {
    const gc = exposeGc();
    const { provider, collect } = testProvider();
    const leaks: LeakReport[] = [];
    const m = make({ leakDetection: 'full', onLeak: (l) => leaks.push(l), meterProvider: provider });
    const kept = m.allocate({ bytes: 8192, label: 'kept', kind: 'vector' });
    const released = m.allocate({ bytes: 4096, label: 'released', kind: 'scratch' });
    released.release();
    (function forgetAnAllocation() {
      m.allocate({ bytes: 4096, label: 'forgotten', kind: 'scratch' });
    })();
    expect(m.getMemoryStats().usedBytes).toBe(8192 + 4096);

    await collectUntil(gc, () => leaks.length > 0);

    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ label: 'forgotten', kind: 'scratch', bytes: 4096, reason: 'gc' });
    expect(leaks[0]!.stack).toContain('forgetAnAllocation');
    expect(m.findLeaks()).toEqual(leaks);
    const s = m.getMemoryStats();
    expect(s).toMatchObject({ usedBytes: 8192, leaksSuspected: 1, allocations: 1 });
    expect(s.byLabel.forgotten).toBeUndefined();
    expect((await collect()).value('aiva.memory.leaks.suspected', { pool: 'default' })).toBe(1);
    expect(kept.released).toBe(false);
  });

  test("'sampled' tracks one allocation in leakSampleInterval", async () => {
    const gc = exposeGc();
    const leaks: LeakReport[] = [];
    const m = make({ leakDetection: 'sampled', leakSampleInterval: 4, onLeak: (l) => leaks.push(l) });
    (function forgetEight() {
      for (let i = 0; i < 8; i++) m.allocate({ bytes: 64, label: `n${i}`, kind: 'scratch' });
    })();
    await collectUntil(gc, () => leaks.length >= 2);
    await collectUntil(gc, () => false, 10); // a few more rounds: no more reports may come
    expect(leaks.map((l) => l.label).sort()).toEqual(['n3', 'n7']);
    // untracked leaks keep their bytes charged (what 'full' is for)
    expect(m.getMemoryStats()).toMatchObject({ usedBytes: 6 * 64, allocations: 6 });
  });
});

describe('leak detection by age', () => {
  test('tracked scratch allocations older than leakAgeMillis are suspected until released', () => {
    vi.useFakeTimers();
    const m = make({ leakDetection: 'full', leakAgeMillis: 1000 });
    const scratch = m.allocate({ bytes: 100, label: 'tmp', kind: 'scratch' });
    m.allocate({ bytes: 100, label: 'weights', kind: 'model' });
    vi.advanceTimersByTime(1000);
    expect(m.findLeaks()).toEqual([]);
    vi.advanceTimersByTime(1);
    const [leak, ...rest] = m.findLeaks();
    expect(rest).toEqual([]);
    expect(leak).toMatchObject({ label: 'tmp', kind: 'scratch', bytes: 112, reason: 'age', ageMs: 1001 });
    expect(leak!.stack).toMatch(/leaks\.test\.ts/);
    expect(m.getMemoryStats().leaksSuspected).toBe(1);
    scratch.release();
    expect(m.findLeaks()).toEqual([]);
    expect(m.getMemoryStats().leaksSuspected).toBe(0);
  });

  test("'off' tracks nothing", () => {
    vi.useFakeTimers();
    const m = make({ leakDetection: 'off', leakAgeMillis: 10 });
    m.allocate({ bytes: 100, label: 'tmp', kind: 'scratch' });
    vi.advanceTimersByTime(100);
    expect(m.findLeaks()).toEqual([]);
  });
});
