import { describe, expect, it, vi } from 'vitest';
import { PARALLEL_METER_NAME } from '../../src/parallel/index.js';
import {
  histogramCount,
  histogramSum,
  MODES,
  meterFixture,
  points,
  sumOf,
  tasks,
  useProcessor,
} from './helpers.js';

describe.each(MODES)('ParallelProcessor in %s mode', (mode) => {
  const open = useProcessor(mode);

  it('map returns results in input order, whatever finishes first', async () => {
    const p = open({ chunkSize: 1 });
    // later items are quicker, so completion order differs from input order
    const items = [30, 1, 20, 1, 10, 1, 5, 1];
    const results = await p.map(tasks.spin, items);
    expect(results).toHaveLength(items.length);
    const doubled = await p.map(tasks.double, [5, 4, 3, 2, 1, 0]);
    expect(doubled).toEqual([10, 8, 6, 4, 2, 0]);
  });

  it('map accepts any iterable and an empty input', async () => {
    const p = open();
    expect(await p.map(tasks.double, new Set([1, 2, 3]))).toEqual([2, 4, 6]);
    expect(await p.map(tasks.double, [])).toEqual([]);
  });

  it('run returns one result; async tasks are awaited in the worker', async () => {
    const p = open();
    expect(await p.run(tasks.double, 21)).toBe(42);
    expect(await p.map(tasks.doubleLater, [1, 2, 3])).toEqual([2, 4, 6]);
  });

  it('items and results keep structured-clone types (Map, Date, typed arrays, BigInt)', async () => {
    const p = open();
    const item = { m: new Map([['k', 1]]), d: new Date(0), f: new Float64Array([1.5]), b: 10n };
    expect(await p.run(tasks.echo, item)).toEqual(item);
  });

  it('chunkSize: n sends ceil(items / n) dispatches; chunkSize 1 sends one per item', async () => {
    const { meterProvider, collect } = meterFixture();
    const p = open({ meterProvider });
    await p.map(
      tasks.double,
      Array.from({ length: 50 }, (_, i) => i),
      { chunkSize: 7 },
    );
    expect(histogramCount(await collect(), 'aiva.pool.task.duration')).toBe(8);
    await p.map(
      tasks.double,
      Array.from({ length: 20 }, (_, i) => i),
      { chunkSize: 1 },
    );
    expect(histogramCount(await collect(), 'aiva.pool.task.duration')).toBe(8 + 20);
  });

  it("chunkSize 'auto' batches tiny items: 20,000 items in far fewer dispatches, results intact", async () => {
    const { meterProvider, collect } = meterFixture();
    const p = open({ meterProvider });
    const items = Array.from({ length: 20_000 }, (_, i) => i);
    const results = await p.map(tasks.double, items);
    expect(results[0]).toBe(0);
    expect(results[19_999]).toBe(39_998);
    expect(results.every((r, i) => r === i * 2)).toBe(true);
    const dispatches = histogramCount(await collect(), 'aiva.pool.task.duration');
    expect(dispatches).toBeGreaterThan(1);
    expect(dispatches).toBeLessThan(200);
  });

  it('settle: true resolves per item; an error inside a chunk fails only its item', async () => {
    const p = open();
    const items = Array.from({ length: 12 }, (_, i) => ({ value: i, fail: i === 5 || i === 9 }));
    const settled = await p.map(tasks.failOn, items, { settle: true, chunkSize: 4 });
    expect(settled.filter((s) => s.ok).map((s) => (s.ok ? s.value : -1))).toEqual([
      0, 1, 2, 3, 4, 6, 7, 8, 10, 11,
    ]);
    const failed = settled[5];
    expect(failed?.ok).toBe(false);
    if (failed?.ok === false) {
      expect(failed.error.name).toBe('TaskError');
      expect(failed.error.message).toContain('bad item 5');
    }
  });

  it('onProgress reports items done out of total, ending at total', async () => {
    const p = open();
    const seen: [number, number][] = [];
    await p.map(
      tasks.double,
      Array.from({ length: 100 }, (_, i) => i),
      {
        chunkSize: 10,
        onProgress: (done, total) => seen.push([done, total]),
      },
    );
    expect(seen).toHaveLength(10);
    expect(seen.at(-1)).toEqual([100, 100]);
    expect(seen.every(([done], i) => i === 0 || done > (seen[i - 1]?.[0] ?? 0))).toBe(true);
  });

  it('an onProgress that throws rejects the map with its error', async () => {
    const p = open();
    const boom = new Error('progress bar broke');
    await expect(
      p.map(tasks.double, [1, 2, 3], {
        chunkSize: 1,
        onProgress: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
  });

  it('resize clamps to [minWorkers, maxWorkers] and bounds the workers used', async () => {
    const p = open({ maxWorkers: 2, minWorkers: 1 });
    expect(p.resize(10)).toBe(2);
    expect(p.resize(0)).toBe(1);
    expect(p.stats().size).toBe(1);
    const who = await p.map(
      tasks.whoAmI,
      Array.from({ length: 20 }, (_, i) => i),
      { chunkSize: 1 },
    );
    expect(new Set(who.map((w) => `${w.pid}/${w.threadId}`)).size).toBe(1);
    expect(p.workerIds()).toHaveLength(1);
    expect(p.resize(2)).toBe(2);
    await p.map(tasks.spin, [20, 20, 20, 20], { chunkSize: 1 });
    expect(p.workerIds()).toHaveLength(2);
    expect(() => p.resize(1.5)).toThrow(/resize: workers must be an integer/);
  });

  it('stats() counts completed and failed items and reports the queue', async () => {
    const p = open({ workers: 1, chunkSize: 1 });
    const running = p.map(tasks.spin, [20, 20, 20, 20]);
    // one worker: two chunks go to tinypool (one running, one prefetched), two wait
    expect(p.stats().queueSize).toBe(2);
    await running;
    await p.map(tasks.failOn, [{ value: 1 }, { fail: true }], { settle: true });
    const stats = p.stats();
    expect(stats.queueSize).toBe(0);
    expect(stats.completed).toBe(5);
    expect(stats.failed).toBe(1);
    expect(stats.workers).toBeGreaterThanOrEqual(1);
    expect(stats.utilization).toBeGreaterThan(0);
    expect(stats.utilization).toBeLessThanOrEqual(1);
  });

  it('records the metrics of a map with correct counts and attributes', async () => {
    const { meterProvider, collect } = meterFixture();
    const p = open({ name: 'scanner', meterProvider });
    const items = Array.from({ length: 100 }, (_, i) => ({ value: i, fail: i % 25 === 0 }));
    await p.map(tasks.failOn, items, { settle: true, chunkSize: 10 });
    const m = await collect();
    const base = { 'aiva.pool.name': 'scanner', 'aiva.pool.mode': mode, 'aiva.task.name': 'failOn' };
    expect(sumOf(m, 'aiva.pool.tasks', { ...base, 'aiva.task.outcome': 'ok' })).toBe(96);
    expect(sumOf(m, 'aiva.pool.tasks', { ...base, 'aiva.task.outcome': 'error' })).toBe(4);
    expect(histogramCount(m, 'aiva.pool.task.duration', base)).toBe(10);
    expect(histogramCount(m, 'aiva.pool.task.wait', base)).toBe(10);
    expect(histogramCount(m, 'aiva.pool.map.duration', { ...base, 'aiva.task.outcome': 'error' })).toBe(1);
    expect(histogramSum(m, 'aiva.pool.map.items')).toBe(100);
    expect(sumOf(m, 'aiva.pool.queue.size', { 'aiva.pool.name': 'scanner', 'aiva.pool.mode': mode })).toBe(0);
    expect(sumOf(m, 'aiva.pool.workers', { 'aiva.pool.worker.state': 'busy' })).toBe(0);
    expect(sumOf(m, 'aiva.pool.workers', { 'aiva.pool.worker.state': 'idle' })).toBeGreaterThanOrEqual(1);
    const utilization = points(m, 'aiva.pool.utilization');
    expect(utilization).toHaveLength(1);
    expect(utilization[0]?.value as number).toBeGreaterThanOrEqual(0);
    expect(utilization[0]?.value as number).toBeLessThanOrEqual(1);
  });

  it('the gauges show the queue and the busy worker while a map runs', async () => {
    const { meterProvider, collect } = meterFixture();
    const p = open({ meterProvider, workers: 1, chunkSize: 1 });
    const running = p.map(tasks.spin, [300, 300, 300, 300]);
    await vi.waitFor(() => expect(p.stats().busy).toBe(1));
    const m = await collect();
    expect(sumOf(m, 'aiva.pool.queue.size')).toBe(2);
    expect(sumOf(m, 'aiva.pool.workers', { 'aiva.pool.worker.state': 'busy' })).toBe(1);
    await running;
  });

  it('after resize down, workers above the new size exit once idle', async () => {
    const p = open({ minWorkers: 1, idleTimeoutMillis: 50 });
    await p.map(tasks.spin, [30, 30, 30, 30], { chunkSize: 1 });
    expect(p.resize(1)).toBe(1);
    await vi.waitFor(() => expect(p.workerIds()).toHaveLength(1), { timeout: 5000 });
    const who = await p.map(tasks.whoAmI, [1, 2, 3, 4, 5, 6], { chunkSize: 1 });
    expect(new Set(who.map((w) => `${w.pid}/${w.threadId}`)).size).toBe(1);
  });

  it('close() removes the observable callback it registered', async () => {
    const { meterProvider } = meterFixture();
    const meter = meterProvider.getMeter(PARALLEL_METER_NAME);
    const added = vi.spyOn(meter, 'addBatchObservableCallback');
    const removed = vi.spyOn(meter, 'removeBatchObservableCallback');
    const p = open({ meterProvider });
    await p.map(tasks.double, [1, 2, 3]);
    expect(added).toHaveBeenCalledTimes(1);
    expect(removed).not.toHaveBeenCalled();
    await p.close();
    expect(removed).toHaveBeenCalledTimes(1);
    expect(removed.mock.calls[0]?.[0]).toBe(added.mock.calls[0]?.[0]);
  });

  it('a per-call mode runs in the other runtime', async () => {
    const p = open();
    const other = mode === 'thread' ? 'process' : 'thread';
    const [who] = (await p.map(tasks.whoAmI, [0], { mode: other })) as { pid: number; threadId: number }[];
    if (other === 'process') expect(who?.pid).not.toBe(process.pid);
    else expect(who?.pid).toBe(process.pid);
    expect(p.workerIds(other).length).toBeGreaterThan(0);
  });
});
