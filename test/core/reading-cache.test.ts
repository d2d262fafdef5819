import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { flattenMetrics } from '../../src/core/query.js';
import {
  CachingMeterProvider,
  type CachingMeterProviderOptions,
  ReadingCache,
} from '../../src/core/reading-cache.js';

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

class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

let provider: MeterProvider | undefined;
afterEach(() => provider?.shutdown());

/** Two readers on one provider, and a caching provider over it with a hand-driven clock. */
function setup(options: Pick<CachingMeterProviderOptions, 'omit' | 'reduce'> = {}) {
  const first = new TestReader();
  const second = new TestReader();
  provider = new MeterProvider({ readers: [first, second] });
  const clock = { ms: 0 };
  const caching = new CachingMeterProvider(provider, { maxAgeMillis: 1000, now: () => clock.ms, ...options });
  return { first, second, caching, clock };
}

/** A state-consuming library, like runtime-node: every call returns the next value. */
function consumingLibrary(caching: CachingMeterProvider) {
  const meter = caching.getMeter('consuming');
  const calls = { batch: 0, single: 0 };
  const gauge = meter.createObservableGauge('consumed.batch');
  meter.addBatchObservableCallback(
    (result) => {
      calls.batch++;
      result.observe(gauge, calls.batch);
    },
    [gauge],
  );
  meter.createObservableGauge('consumed.single').addCallback((result) => {
    calls.single++;
    result.observe(calls.single * 10, { k: 'v' });
  });
  return calls;
}

async function values(reader: MetricReader, name: string): Promise<number[]> {
  return flattenMetrics(await reader.collect())
    .select(name)
    .map((s) => s.value);
}

describe('CachingMeterProvider', () => {
  it('runs each callback (batch or single) once per interval and replays the reading to every reader', async () => {
    const { first, second, caching } = setup();
    const calls = consumingLibrary(caching);
    expect(await values(first, 'consumed.batch')).toEqual([1]);
    expect(await values(second, 'consumed.batch')).toEqual([1]);
    expect(await values(first, 'consumed.single')).toEqual([10]);
    expect(await values(second, 'consumed.single')).toEqual([10]);
    expect(calls).toEqual({ batch: 1, single: 1 });
    expect(caching.reads).toBe(2);
  });

  it('takes a new reading once the interval has passed', async () => {
    const { first, second, caching, clock } = setup();
    const calls = consumingLibrary(caching);
    await values(first, 'consumed.batch');
    clock.ms = 999;
    expect(await values(second, 'consumed.batch')).toEqual([1]);
    clock.ms = 1000;
    expect(await values(second, 'consumed.batch')).toEqual([2]);
    expect(calls.batch).toBe(2);
  });

  it('does not keep an empty reading (a collector still warming up)', async () => {
    const { first, caching } = setup();
    let calls = 0;
    caching
      .getMeter('warming-up')
      .createObservableGauge('warming')
      .addCallback((result) => {
        calls++;
        if (calls > 1) result.observe(7);
      });
    expect(await values(first, 'warming')).toEqual([]);
    expect(await values(first, 'warming')).toEqual([7]);
  });

  it('never registers an omitted instrument, and lets `reduce` rewrite a batch reading (host CPU folding)', async () => {
    const { first, caching } = setup({
      omit: ['library.utilization'],
      reduce: (observations) => [
        {
          ...observations[0]!,
          value: observations.reduce((n, o) => n + (o.name === 'library.time' ? o.value : 0), 0),
          attributes: {},
        },
      ],
    });
    const meter = caching.getMeter('library');
    const time = meter.createObservableCounter('library.time');
    const utilization = meter.createObservableGauge('library.utilization');
    meter.addBatchObservableCallback(
      (result) => {
        result.observe(time, 3, { cpu: 0 });
        result.observe(time, 4, { cpu: 1 });
        result.observe(utilization, 1.7);
      },
      [time, utilization],
    );
    const snapshot = flattenMetrics(await first.collect());
    expect(snapshot.has('library.utilization')).toBe(false);
    expect(snapshot.select('library.time').map((s) => [s.value, s.attributes])).toEqual([[7, {}]]);
  });

  it('removes every callback on shutdown', async () => {
    const { first, caching } = setup();
    const calls = consumingLibrary(caching);
    caching.shutdown();
    await first.collect();
    expect(calls).toEqual({ batch: 0, single: 0 });
  });
});
