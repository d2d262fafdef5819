import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  ParallelProcessor,
  ProcessorClosedError,
  QueueOverflowError,
  TaskError,
  TaskTimeoutError,
} from '../../src/parallel/index.js';
import {
  alive,
  MODES,
  meterFixture,
  osThreads,
  settledOsThreads,
  sumOf,
  tasks,
  useProcessor,
} from './helpers.js';

describe.each(MODES)('fault isolation in %s mode', (mode) => {
  const open = useProcessor(mode);

  it('a task that throws rejects the map with TaskError: index, name, message, stack and code of the worker error', async () => {
    const p = open();
    const items = [{ value: 0 }, { value: 1 }, { value: 2, fail: true }, { value: 3 }];
    const error = await p.map(tasks.failOn, items).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    const taskError = error as TaskError;
    expect(taskError.name).toBe('TaskError');
    expect(taskError.index).toBe(2);
    expect(taskError.taskName).toBe('failOn');
    expect(taskError.workerError).toMatchObject({
      name: 'RangeError',
      message: 'bad item 2',
      code: 'E_BAD_ITEM',
    });
    expect(taskError.workerError.stack).toContain('failOn');
    expect((taskError.cause as Error).name).toBe('RangeError');
    // the pool keeps serving
    expect(await p.map(tasks.double, [1, 2])).toEqual([2, 4]);
  });

  it('a missing export fails every item with a TaskError naming the export', async () => {
    const p = open();
    const error = (await p.run(tasks.notAFunction, 1).catch((e: unknown) => e)) as TaskError;
    expect(error).toBeInstanceOf(TaskError);
    expect(error.message).toContain('no function export named "notAFunction"');
  });

  it('a worker that calls process.exit fails only its item; the worker is replaced', async () => {
    const p = open();
    await p.map(tasks.double, [1, 2, 3, 4], { chunkSize: 1 });
    const before = p.workerIds();
    const items = Array.from({ length: 9 }, (_, i) => ({ value: i, exit: i === 4 }));
    const settled = await p.map(tasks.exitOn, items, { settle: true, chunkSize: 3 });
    expect(settled.map((s) => s.ok)).toEqual([true, true, true, true, false, true, true, true, true]);
    const failed = settled[4];
    expect(failed?.ok === false && failed.error).toBeInstanceOf(TaskError);
    expect(failed?.ok === false && failed.error.message).toMatch(/worker crashed.*exited unexpectedly/);
    expect(p.workerIds()).not.toEqual(before);
    expect(await p.map(tasks.double, [5, 6])).toEqual([10, 12]);
  });

  it(`a worker that dies inside an item of a chunk: ${mode === 'thread' ? 'the item fails without running again (one dead worker per fault)' : 'the chunk re-runs item by item'}`, async () => {
    const p = open({ workers: 1, maxWorkers: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'aiva-faults-'));
    try {
      const log = join(dir, 'started');
      const items = Array.from({ length: 8 }, (_, i) => ({ value: i, log, exit: i === 2, hang: i === 5 }));
      const settled = await p.map(tasks.loggedFault, items, {
        settle: true,
        chunkSize: 8,
        timeoutMillis: 300,
      });
      expect(settled.map((s) => s.ok)).toEqual([true, true, false, true, true, false, true, true]);
      expect(settled[2]?.ok === false && settled[2].error.message).toMatch(/worker crashed/);
      expect(settled[5]?.ok === false && settled[5].error).toBeInstanceOf(TaskTimeoutError);
      expect(settled.flatMap((s) => (s.ok ? [s.value] : []))).toEqual([0, 1, 3, 4, 6, 7]);
      const starts = (value: number): number =>
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line === String(value)).length;
      // a thread stamps the item it runs, so the item it died in fails without a second run; a child
      // process's chunk re-runs item by item, and item 2 dies again (item 5 was not reached before)
      expect([starts(2), starts(5)]).toEqual(mode === 'thread' ? [1, 1] : [2, 1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a call that rejects on a dead worker leaves nothing queued: the books count the re-run items', async () => {
    const p = open({ workers: 1, maxWorkers: 1 });
    const items = Array.from({ length: 12 }, (_, i) => ({ value: i, exit: i === 5 }));
    await expect(p.map(tasks.exitOn, items, { chunkSize: 12 })).rejects.toBeInstanceOf(TaskError);
    expect(p.stats().queueSize).toBe(0);
    expect(await p.map(tasks.double, [1, 2, 3])).toEqual([2, 4, 6]);
    expect(p.stats().queueSize).toBe(0);
  });

  it('an item queued in the same worker behind a crashing one is sent again, not failed', async () => {
    const p = open({ workers: 1, maxWorkers: 1, chunkSize: 1 });
    const items = [{ exit: true }, { value: 1 }, { value: 2 }, { value: 3 }];
    const settled = await p.map(tasks.exitOn, items, { settle: true });
    expect(settled.map((s) => s.ok)).toEqual([false, true, true, true]);
    expect(settled.slice(1).map((s) => (s.ok ? s.value : -1))).toEqual([1, 2, 3]);
  });

  it('a worker killed by an uncaught exception fails only the item it was running', async () => {
    const p = open();
    const items = Array.from({ length: 6 }, (_, i) => ({ value: i, crash: i === 2 }));
    const settled = await p.map(tasks.crashOn, items, { settle: true, chunkSize: 3 });
    expect(settled.map((s) => s.ok)).toEqual([true, true, false, true, true, true]);
    const failed = settled[2];
    expect(failed?.ok === false && failed.error.message).toMatch(/worker crashed/);
    expect(failed?.ok === false && (failed.error as TaskError).workerError.message).toMatch(
      /uncaught in worker|exited unexpectedly/,
    );
    expect(await p.map(tasks.double, [4, 5])).toEqual([8, 10]);
  });

  it('a task over its timeout fails with TaskTimeoutError; only that item fails and its worker is replaced', async () => {
    const p = open();
    const items = [{ value: 0 }, { value: 1, hang: true }, { value: 2 }, { value: 3 }];
    const settled = await p.map(tasks.hangOn, items, { settle: true, timeoutMillis: 300 });
    expect(settled.map((s) => s.ok)).toEqual([true, false, true, true]);
    const failed = settled[1];
    expect(failed?.ok === false && failed.error).toBeInstanceOf(TaskTimeoutError);
    expect(failed?.ok === false && (failed.error as TaskTimeoutError).timeoutMillis).toBe(300);
    expect(failed?.ok === false && failed.error.name).toBe('TaskTimeoutError');
    // without settle the map rejects with it
    await expect(p.run(tasks.hangOn, { hang: true }, { timeoutMillis: 200 })).rejects.toBeInstanceOf(
      TaskTimeoutError,
    );
    expect(await p.map(tasks.double, [1])).toEqual([2]);
  });

  it('calls with and without a timeout share the pool at the same time', async () => {
    const p = open();
    const plain = Array.from({ length: 2000 }, (_, i) => i);
    const timed = [{ value: 0 }, { value: 1, hang: true }, { value: 2 }];
    const [a, b, c] = await Promise.all([
      p.map(tasks.double, plain),
      p.map(tasks.hangOn, timed, { timeoutMillis: 200, settle: true }),
      p.map(tasks.double, plain, { chunkSize: 1 }),
    ]);
    expect(a.every((v, i) => v === i * 2)).toBe(true);
    expect(c.every((v, i) => v === i * 2)).toBe(true);
    expect(b.map((s) => s.ok)).toEqual([true, false, true]);
  });

  it('the processor-wide taskTimeoutMillis applies when the call sets none', async () => {
    const p = open({ taskTimeoutMillis: 200 });
    await expect(p.run(tasks.hangOn, { hang: true })).rejects.toThrow(/timed out on item 0 after 200 ms/);
  });

  it('aborting the signal rejects with AbortError, stops the running items and keeps the pool serving', async () => {
    const { meterProvider, collect } = meterFixture();
    const p = open({ meterProvider });
    const controller = new AbortController();
    const items = [
      { value: 0 },
      { value: 1, hang: true },
      { value: 2, hang: true },
      { value: 3 },
      { value: 4 },
    ];
    const running = p.map(tasks.hangOn, items, {
      chunkSize: 1,
      signal: controller.signal,
      onProgress: () => controller.abort(new Error('user gave up')),
    });
    const error = (await running.catch((e: unknown) => e)) as AbortError;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.name).toBe('AbortError');
    expect((error.cause as Error).message).toBe('user gave up');
    expect(await p.map(tasks.double, [1, 2])).toEqual([2, 4]);
    const m = await collect();
    expect(sumOf(m, 'aiva.pool.tasks', { 'aiva.task.name': 'hangOn', 'aiva.task.outcome': 'ok' })).toBe(1);
    expect(
      sumOf(m, 'aiva.pool.tasks', { 'aiva.task.name': 'hangOn', 'aiva.task.outcome': 'cancelled' }),
    ).toBe(4);
  });

  it('an already aborted signal rejects at once, before any work', async () => {
    const p = open();
    await expect(p.map(tasks.double, [1], { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortError,
    );
    expect(p.workerIds()).toEqual([]);
  });

  it('maxQueue overflow rejects with QueueOverflowError and queues nothing', async () => {
    const p = open({ workers: 1, maxQueue: 10, chunkSize: 1 });
    const running = p.map(
      tasks.spin,
      Array.from({ length: 10 }, () => 20),
    );
    expect(p.stats().queueSize).toBe(8); // 2 handed to the single worker (running + prefetched)
    const error = (await p.map(tasks.double, [1, 2, 3]).catch((e: unknown) => e)) as QueueOverflowError;
    expect(error).toBeInstanceOf(QueueOverflowError);
    expect(error.message).toBe(
      'queue overflow: 3 item(s) requested, 8 already waiting, options.maxQueue is 10',
    );
    expect(p.stats().queueSize).toBe(8);
    await expect(
      p.map(
        tasks.double,
        Array.from({ length: 11 }, () => 1),
      ),
    ).rejects.toBeInstanceOf(QueueOverflowError);
    await running;
    expect(await p.map(tasks.double, [1, 2])).toEqual([2, 4]);
  });

  it('close() rejects waiting and running calls with ProcessorClosedError and later calls too', async () => {
    const p = open({ workers: 1, chunkSize: 1 });
    const running = p.map(tasks.spin, [50, 50, 50, 50]).catch((e: unknown) => e);
    await vi.waitFor(() => expect(p.stats().busy).toBe(1));
    await p.close();
    expect(await running).toBeInstanceOf(ProcessorClosedError);
    await expect(p.map(tasks.double, [1])).rejects.toBeInstanceOf(ProcessorClosedError);
    await expect(p.run(tasks.double, 1)).rejects.toThrow(/parallel processor "default" is closed/);
    await p.close(); // idempotent
  });

  it('close() leaves no worker thread or child process behind', async () => {
    const baseline = await settledOsThreads();
    const p = open({ minWorkers: 2 });
    await p.map(tasks.spin, [10, 10, 10, 10], { chunkSize: 1 });
    const ids = p.workerIds();
    expect(ids).toHaveLength(2);
    if (mode === 'thread') expect(osThreads()).toBe(baseline + 2);
    else expect(ids.every(alive)).toBe(true);
    await p.close();
    expect(p.workerIds()).toEqual([]);
    expect(p.stats().workers).toBe(0);
    if (mode === 'thread') await vi.waitFor(() => expect(osThreads()).toBe(baseline));
    else expect(ids.some(alive)).toBe(false);
  });

  it('await using closes the processor', async () => {
    let ids: number[] = [];
    {
      await using p = new ParallelProcessor({ maxWorkers: 1, mode });
      await p.run(tasks.double, 1);
      ids = p.workerIds();
      expect(ids).toHaveLength(1);
    }
    if (mode === 'process') expect(ids.some(alive)).toBe(false);
  });
});

// Issue 13: with timeoutMillis 300, 3 of 8 items that ran 3,000 ms came back ok under chunkSize 'auto'
// (a chunk of n items had n × the limit).
describe.each(MODES)('per-item timeouts under auto-chunking in %s mode', (mode) => {
  const open = useProcessor(mode);

  it('fails exactly the slow items; every other item keeps its result', async () => {
    const p = open({ chunkSize: 'auto' });
    const slow = new Set([60, 130, 210, 280]);
    // fast items first teach the chunker a tiny per-item time, so later chunks hold many items
    const items = Array.from({ length: 300 }, (_, i) => (slow.has(i) ? 1200 : 0));
    const settled = await p.map(tasks.spin, items, { settle: true, timeoutMillis: 300 });
    const failedAt = settled.flatMap((s, i) => (s.ok ? [] : [i]));
    expect(failedAt).toEqual([...slow]);
    for (const i of slow) {
      const s = settled[i];
      expect(s?.ok === false && s.error).toBeInstanceOf(TaskTimeoutError);
    }
    expect(settled.every((s, i) => slow.has(i) || (s.ok && typeof s.value === 'number'))).toBe(true);
  }, 30_000);
});
