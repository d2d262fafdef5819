import { describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  ParallelProcessor,
  ProcessorClosedError,
  TaskError,
  TaskTimeoutError,
} from '../../src/parallel/index.js';
import { ALL_MODES, alive, meterFixture, sumOf, tasks, useProcessor } from './helpers.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe.each(ALL_MODES)('items at once in %s mode', (mode) => {
  const open = useProcessor(mode);

  it('results come back in input order, each task told its index', async () => {
    const p = open();
    expect(await p.map(tasks.indexOf, range(50))).toEqual(range(50));
    // later items finish first
    const items = range(30).map((i) => ({ value: i, waitMillis: 30 - i }));
    const results = await p.map(tasks.track, items, { concurrency: 8 });
    expect(results.map((r) => r.value)).toEqual(range(30));
  });

  it('settle reports per-item errors; without it the call rejects with the failing index', async () => {
    const p = open();
    const items = range(20).map((i) => ({ value: i, fail: i === 7 || i === 13 }));
    const settled = await p.map(tasks.track, items, { settle: true, concurrency: 4 });
    expect(settled.map((s) => s.ok)).toEqual(range(20).map((i) => i !== 7 && i !== 13));
    const error = await p.map(tasks.track, items, { concurrency: 4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).index).toBe(7);
    expect((error as TaskError).message).toContain('bad item 7');
  });

  it('never has more than `concurrency` items in flight in a worker (or a call), and does reach it', async () => {
    const p = open();
    // async mode shares the fixture module with earlier tests: their abandoned items must be done
    await vi.waitFor(async () => expect(await p.run(tasks.inFlightNow, 0)).toBe(0));
    const results = await p.map(
      tasks.track,
      range(120).map((i) => ({ value: i, waitMillis: 5 })),
      { concurrency: 3 },
    );
    expect(Math.max(...results.map((r) => r.inFlight))).toBe(3);
  });

  it('a per-item timeout fails only that item and aborts the signal the task was handed', async () => {
    const p = open({ maxWorkers: 1 });
    const before = (await p.run(tasks.abortCount, 0)).aborts;
    const ids = p.workerIds();
    const settled = await p.map(tasks.untilAborted, [{ value: 0 }, { hang: true }, { value: 2 }], {
      timeoutMillis: 100,
      settle: true,
    });
    expect(settled.map((s) => s.ok)).toEqual([true, false, true]);
    const failed = settled[1];
    expect(failed?.ok === false && failed.error).toBeInstanceOf(TaskTimeoutError);
    expect(failed?.ok === false && (failed.error as TaskTimeoutError).index).toBe(1);
    // the task saw its signal abort, in the same worker: nothing had to be terminated
    const after = await p.run(tasks.abortCount, 0);
    expect(after.aborts).toBe(before + 1);
    expect(p.workerIds()).toEqual(ids);
    expect(p.stats().failed).toBe(1);
  });

  it('an abort mid-run rejects with AbortError and leaves nothing in flight', async () => {
    const p = open();
    const controller = new AbortController();
    const items = range(40).map((i) => ({ value: i, hang: true }));
    const before = (await p.run(tasks.abortCount, 0)).aborts;
    const running = p.map(tasks.untilAborted, items, { signal: controller.signal, concurrency: 4 });
    if (mode === 'async') await vi.waitFor(async () => expect(await p.run(tasks.inFlightNow, 0)).toBe(4));
    else await vi.waitFor(() => expect(p.stats().inFlight).toBeGreaterThan(0));
    controller.abort(new Error('stop'));
    await expect(running).rejects.toBeInstanceOf(AbortError);
    expect(p.stats()).toMatchObject({ inFlight: 0, queueSize: 0 });
    // async: each running item's signal was aborted (workers: the worker running them was replaced)
    if (mode === 'async') expect((await p.run(tasks.abortCount, 0)).aborts - before).toBe(4);
    expect(await p.map(tasks.double, [1, 2])).toEqual([2, 4]);
  });

  it('close() mid-run rejects the call and leaves nothing running', async () => {
    const p = open();
    const before = (await p.run(tasks.abortCount, 0)).aborts;
    const items = range(40).map((i) => ({ value: i, hang: true }));
    const running = p.map(tasks.untilAborted, items, { concurrency: 4 });
    const settledCall = running.catch((e: unknown) => e);
    if (mode === 'async') await vi.waitFor(async () => expect(await p.run(tasks.inFlightNow, 0)).toBe(4));
    else await vi.waitFor(() => expect(p.stats().inFlight).toBeGreaterThan(0));
    const workers = p.workerIds();
    await p.close();
    expect(await settledCall).toBeInstanceOf(ProcessorClosedError);
    expect(p.stats()).toMatchObject({ inFlight: 0, workers: 0 });
    if (mode === 'process') expect(workers.filter(alive)).toEqual([]);
    if (mode === 'async') {
      // the module is shared by every async lane of this process: each running item saw its signal abort
      await using reader = new ParallelProcessor({ mode: 'async' });
      expect((await reader.run(tasks.abortCount, 0)).aborts - before).toBe(4);
      expect(await reader.run(tasks.inFlightNow, 0)).toBe(0);
    }
  });

  it('records the aiva.pool.* metrics with this mode, in-flight and concurrency gauges', async () => {
    const { meterProvider, collect } = meterFixture();
    const p = open({ name: 'io', meterProvider });
    const items = range(30).map((i) => ({ value: i, fail: i % 10 === 0 }));
    await p.map(tasks.track, items, { settle: true, concurrency: 5 });
    const m = await collect();
    const base = { 'aiva.pool.name': 'io', 'aiva.pool.mode': mode, 'aiva.task.name': 'track' };
    expect(sumOf(m, 'aiva.pool.tasks', { ...base, 'aiva.task.outcome': 'ok' })).toBe(27);
    expect(sumOf(m, 'aiva.pool.tasks', { ...base, 'aiva.task.outcome': 'error' })).toBe(3);
    expect(sumOf(m, 'aiva.pool.in_flight', { 'aiva.pool.mode': mode })).toBe(0);
    const running = p.map(
      tasks.untilAborted,
      range(8).map(() => ({ hang: true })),
      { concurrency: 2, timeoutMillis: 10_000 },
    );
    const outcome = running.catch((e: unknown) => e);
    await vi.waitFor(() => expect(p.stats().inFlight).toBeGreaterThan(0));
    const during = await collect();
    expect(sumOf(during, 'aiva.pool.in_flight', { 'aiva.pool.mode': mode })).toBeGreaterThan(0);
    expect(sumOf(during, 'aiva.pool.concurrency', { 'aiva.pool.mode': mode })).toBeGreaterThanOrEqual(1);
    await p.close();
    expect(await outcome).toBeInstanceOf(ProcessorClosedError);
  });
});

describe.each(['thread', 'process'] as const)("concurrency 'auto' in %s mode", (mode) => {
  const open = useProcessor(mode);

  it('raises items at once per worker while items mostly wait, up to maxConcurrency', async () => {
    const p = open({ maxConcurrency: 16 });
    const results = await p.map(
      tasks.track,
      range(600).map((i) => ({ value: i, waitMillis: 10 })),
    );
    const peak = Math.max(...results.map((r) => r.inFlight));
    expect(peak).toBeGreaterThan(4);
    expect(peak).toBeLessThanOrEqual(16);
    expect(p.stats().concurrency[mode]).toBeGreaterThan(1);
  });

  it('keeps one item at a time for CPU-bound items', async () => {
    const p = open();
    await p.map(
      tasks.spin,
      range(20).map(() => 5),
    );
    expect(p.stats().concurrency[mode]).toBe(1);
  });
});
