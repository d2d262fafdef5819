import { describe, expect, it } from 'vitest';
import { AbortError, TaskError } from '../../src/parallel/index.js';
import { histogramCount, MODES, meterFixture, sumOf, tasks, useProcessor } from './helpers.js';

/** An async source that records how far ahead of the consumer it was pulled. */
function counted(total: number, consumed: () => number) {
  const state = { pulled: 0, maxAhead: 0, returned: false };
  async function* source() {
    try {
      for (let i = 0; i < total; i++) {
        state.pulled++;
        state.maxAhead = Math.max(state.maxAhead, state.pulled - consumed());
        yield i;
      }
    } finally {
      state.returned = true;
    }
  }
  return { state, source: source() };
}

describe.each(MODES)('mapStream in %s mode', (mode) => {
  const open = useProcessor(mode);

  it('yields every result in input order while keeping at most `concurrency` items in flight', async () => {
    const p = open();
    let consumed = 0;
    const { state, source } = counted(20_000, () => consumed);
    let expected = 0;
    let inOrder = true;
    for await (const value of p.mapStream(tasks.double, source, { maxPending: 64 })) {
      if (value !== expected * 2) inOrder = false;
      expected++;
      consumed++;
    }
    expect(consumed).toBe(20_000);
    expect(inOrder).toBe(true);
    expect(state.maxAhead).toBeLessThanOrEqual(64);
    expect(state.maxAhead).toBeGreaterThan(1);
  });

  it('ordered: false yields every result, as they arrive', async () => {
    const p = open();
    const seen: number[] = [];
    for await (const value of p.mapStream(tasks.spin, [30, 1, 1, 1], { ordered: false, chunkSize: 1 })) {
      seen.push(value);
    }
    expect(seen).toHaveLength(4);
  });

  it('accepts a plain iterable', async () => {
    const p = open();
    const out: number[] = [];
    for await (const value of p.mapStream(tasks.double, [1, 2, 3])) out.push(value);
    expect(out).toEqual([2, 4, 6]);
  });

  it('a failing item ends the stream with TaskError carrying its position', async () => {
    const p = open();
    const items = Array.from({ length: 50 }, (_, i) => ({ value: i, fail: i === 30 }));
    const out: number[] = [];
    const error = await (async () => {
      for await (const value of p.mapStream(tasks.failOn, items, { chunkSize: 5 })) out.push(value);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).index).toBe(30);
    expect(out.length).toBeLessThan(50);
  });

  it('settle: true yields per-item outcomes and goes on after a failure', async () => {
    const p = open();
    const items = Array.from({ length: 10 }, (_, i) => ({ value: i, fail: i === 3 }));
    const out: boolean[] = [];
    for await (const r of p.mapStream(tasks.failOn, items, { settle: true })) out.push(r.ok);
    expect(out).toEqual([true, true, true, false, true, true, true, true, true, true]);
  });

  it('breaking out early closes the source and cancels what was waiting', async () => {
    const { meterProvider, collect } = meterFixture();
    const p = open({ meterProvider });
    let consumed = 0;
    const { state, source } = counted(1_000_000, () => consumed);
    for await (const _ of p.mapStream(tasks.double, source, { maxPending: 32 })) {
      if (++consumed === 100) break;
    }
    expect(state.returned).toBe(true);
    expect(state.pulled).toBeLessThan(200);
    expect(p.stats().queueSize).toBe(0);
    expect(await p.map(tasks.double, [1])).toEqual([2]);
    const m = await collect();
    expect(histogramCount(m, 'aiva.pool.map.duration', { 'aiva.task.outcome': 'cancelled' })).toBe(1);
    expect(sumOf(m, 'aiva.pool.tasks', { 'aiva.task.outcome': 'ok' })).toBeGreaterThanOrEqual(101);
  });

  it('a source that throws ends the stream with its error', async () => {
    const p = open();
    const boom = new Error('source broke');
    async function* source() {
      yield 1;
      throw boom;
    }
    const error = await (async () => {
      for await (const _ of p.mapStream(tasks.double, source())) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(error).toBe(boom);
  });

  it('an aborted signal ends the stream with AbortError', async () => {
    const p = open();
    const controller = new AbortController();
    async function* endless() {
      for (let i = 0; ; i++) yield i;
    }
    let count = 0;
    const error = await (async () => {
      for await (const _ of p.mapStream(tasks.double, endless(), {
        signal: controller.signal,
        maxPending: 16,
      })) {
        if (++count === 50) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
  });

  it('rejects bad arguments on the first next()', async () => {
    const p = open();
    const iterate = async (fn: () => AsyncGenerator<unknown>) => {
      for await (const _ of fn()) {
        // nothing
      }
    };
    await expect(iterate(() => p.mapStream(tasks.double, [1], { maxPending: 0 }))).rejects.toThrow(
      'ParallelProcessor.mapStream: options.maxPending must be a positive integer',
    );
    await expect(iterate(() => p.mapStream(tasks.double, 5 as unknown as number[]))).rejects.toThrow(
      'ParallelProcessor.mapStream: source must be an iterable or an async iterable',
    );
  });
});
