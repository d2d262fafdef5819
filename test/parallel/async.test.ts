import { describe, expect, it, vi } from 'vitest';
import { QueueOverflowError, TaskError, TaskTimeoutError } from '../../src/parallel/index.js';
import { histogramCount, meterFixture, sumOf, tasks, useProcessor } from './helpers.js';

/** A promise with its resolver, to hold items until the test lets them go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('asyncMap and mode async (the calling thread)', () => {
  const open = useProcessor('thread');

  it('runs a plain function with at most `concurrency` items in flight, results in input order', async () => {
    const p = open();
    let inFlight = 0;
    let peak = 0;
    const results = await p.asyncMap(
      async (x: number) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return x * 2;
      },
      Array.from({ length: 100 }, (_, i) => i),
      { concurrency: 7 },
    );
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
    expect(peak).toBe(7);
    expect(p.workerIds('thread')).toEqual([]); // no worker was started
  });

  it("concurrency 'auto' (the default) in async mode is maxConcurrency", async () => {
    const p = open({ maxConcurrency: 5 });
    const held = gate();
    let started = 0;
    const running = p.asyncMap(
      async () => {
        started++;
        await held.promise;
      },
      Array.from({ length: 20 }, () => 0),
    );
    await vi.waitFor(() => expect(started).toBe(5));
    expect(p.stats()).toMatchObject({ inFlight: 5, queueSize: 15, concurrency: { async: 5 } });
    held.open();
    await running;
    expect(started).toBe(20);
  });

  it('a throwing function fails with TaskError carrying the index and the original error as cause', async () => {
    const p = open();
    const boom = new RangeError('no');
    const error = (await p
      .asyncMap(
        (x: number) => {
          if (x === 3) throw boom;
          return x;
        },
        [0, 1, 2, 3, 4],
      )
      .catch((e: unknown) => e)) as TaskError;
    expect(error).toBeInstanceOf(TaskError);
    expect(error.index).toBe(3);
    expect(error.cause).toBe(boom);
    expect(error.taskName).toBe('anonymous');
  });

  it('a per-item timeout aborts the signal handed to the function and frees its slot', async () => {
    const p = open();
    const reasons: unknown[] = [];
    const settled = await p.asyncMap(
      (x: number, { signal }) =>
        x === 1
          ? new Promise((_, reject) =>
              signal.addEventListener('abort', () => {
                reasons.push(signal.reason);
                reject(signal.reason);
              }),
            )
          : x,
      [0, 1, 2],
      { timeoutMillis: 50, settle: true, concurrency: 1 },
    );
    expect(settled.map((s) => s.ok)).toEqual([true, false, true]);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(TaskTimeoutError);
  });

  it('maxQueue counts async items waiting for a slot', async () => {
    const p = open({ maxQueue: 10 });
    const held = gate();
    const running = p.asyncMap(
      () => held.promise,
      Array.from({ length: 10 }, () => 0),
      { concurrency: 2 },
    );
    expect(p.stats().queueSize).toBe(8);
    const error = (await p.asyncMap(() => 0, [1, 2, 3]).catch((e: unknown) => e)) as QueueOverflowError;
    expect(error).toBeInstanceOf(QueueOverflowError);
    expect(error.message).toBe(
      'queue overflow: 3 item(s) requested, 8 already waiting, options.maxQueue is 10',
    );
    held.open();
    await running;
  });

  it('onProgress reports every item; the metrics carry aiva.pool.mode="async" and the function name', async () => {
    const { meterProvider, collect } = meterFixture();
    const p = open({ name: 'io', meterProvider });
    const seen: number[] = [];
    async function fetchOne(x: number): Promise<number> {
      if (x === 2) throw new Error('404');
      return x;
    }
    await p.asyncMap(fetchOne, [0, 1, 2, 3], { settle: true, onProgress: (done) => seen.push(done) });
    expect(seen).toEqual([1, 2, 3, 4]);
    const m = await collect();
    const base = { 'aiva.pool.name': 'io', 'aiva.pool.mode': 'async', 'aiva.task.name': 'fetchOne' };
    expect(sumOf(m, 'aiva.pool.tasks', { ...base, 'aiva.task.outcome': 'ok' })).toBe(3);
    expect(sumOf(m, 'aiva.pool.tasks', { ...base, 'aiva.task.outcome': 'error' })).toBe(1);
    expect(histogramCount(m, 'aiva.pool.task.duration', base)).toBe(4);
    expect(histogramCount(m, 'aiva.pool.map.duration', base)).toBe(1);
    // no workers on the calling thread: no worker gauge for the async lane
    expect(sumOf(m, 'aiva.pool.workers', { 'aiva.pool.mode': 'async' })).toBe(0);
  });

  it('mapStream in async mode keeps at most maxPending items pulled and not yet yielded', async () => {
    const p = open();
    let pulled = 0;
    function* source(): Generator<number> {
      for (let i = 0; i < 200; i++) {
        pulled++;
        yield i;
      }
    }
    let consumed = 0;
    let worst = 0;
    const out: number[] = [];
    for await (const value of p.mapStream(async (x: number) => x + 1, source(), {
      mode: 'async',
      maxPending: 8,
      concurrency: 3,
    })) {
      worst = Math.max(worst, pulled - consumed);
      out.push(value);
      consumed++;
    }
    expect(out).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(worst).toBeLessThanOrEqual(8);
  });

  it('a plain function is refused outside async mode, naming the way out', async () => {
    const p = open();
    await expect(p.map((x: number) => x, [1])).rejects.toThrow(
      /functions cannot cross a worker boundary.*\{ mode: 'async' \} \/ asyncMap/,
    );
    expect(await p.run(tasks.double, 4, { mode: 'async' })).toBe(8); // a defineTask task, imported in-process
  });
});
