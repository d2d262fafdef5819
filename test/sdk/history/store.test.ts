import { describe, expect, it } from 'vitest';
import { DAY_MILLIS, HistoryStore, HOUR_MILLIS, MAX_POINTS } from '../../../src/sdk/history/store.js';

const T0 = Date.UTC(2026, 10, 1); // a whole day: every tier's steps align with it

/** Records `n` samples `every` ms apart from `start`, value = f(i). */
function feed(
  store: HistoryStore,
  start: number,
  every: number,
  n: number,
  f: (i: number) => Record<string, number>,
) {
  for (let i = 0; i < n; i++) store.record(start + i * every, f(i));
}

const present = (xs: number[]) => xs.filter((x) => !Number.isNaN(x));

describe('HistoryStore resolutions', () => {
  it('keeps the last hour at the sampling step, exactly', () => {
    const store = new HistoryStore({ samplingMillis: 10_000, retentionDays: 30, maxSeries: 4 });
    feed(store, T0, 10_000, 360, (i) => ({ x: i }));
    const h = store.query({ from: T0, to: T0 + HOUR_MILLIS, step: 10_000 });
    expect(h.resolutionMillis).toBe(10_000);
    expect(h.timestamps).toHaveLength(360);
    expect(h.series.x?.avg).toEqual(Array.from({ length: 360 }, (_, i) => i));
  });

  it('downsamples to 1-minute min / avg / max for the day, and 5-minute ones for the retention', () => {
    const store = new HistoryStore({ samplingMillis: 10_000, retentionDays: 30, maxSeries: 4 });
    feed(store, T0, 10_000, 6 * 60 * 3, (i) => ({ x: i })); // 3 h: the hour ring no longer reaches T0
    const minute = store.query({ from: T0, to: T0 + 3 * HOUR_MILLIS, step: 60_000 });
    expect(minute.resolutionMillis).toBe(60_000);
    // Minute k holds samples 6k .. 6k+5.
    expect(minute.series.x?.min.slice(0, 3)).toEqual([0, 6, 12]);
    expect(minute.series.x?.max.slice(0, 3)).toEqual([5, 11, 17]);
    expect(minute.series.x?.avg.slice(0, 3)).toEqual([2.5, 8.5, 14.5]);
    const five = store.query({ from: T0, to: T0 + 3 * HOUR_MILLIS, step: 300_000 });
    expect(five.resolutionMillis).toBe(300_000);
    expect(five.series.x?.min[1]).toBe(30);
    expect(five.series.x?.max[1]).toBe(59);
    expect(five.series.x?.avg[1]).toBe(44.5);
  });

  it('answers a wider step than stored by merging steps (min of mins, max of maxes, mean of means)', () => {
    const store = new HistoryStore({ samplingMillis: 1000, retentionDays: 1, maxSeries: 2 });
    feed(store, T0, 1000, 120, (i) => ({ x: i % 10 }));
    const h = store.query({ from: T0, to: T0 + 120_000, step: 30_000 });
    expect(h.resolutionMillis).toBe(1000);
    expect(h.stepMillis).toBe(30_000);
    expect(h.series.x?.min).toEqual([0, 0, 0, 0]);
    expect(h.series.x?.max).toEqual([9, 9, 9, 9]);
    expect(h.series.x?.avg).toEqual([4.5, 4.5, 4.5, 4.5]);
  });

  it('forgets what is older than retentionDays, exactly, and chooses the tier that reaches back', () => {
    const store = new HistoryStore({ samplingMillis: 300_000, retentionDays: 2, maxSeries: 1 });
    feed(store, T0, 300_000, 3 * 288, (i) => ({ x: i })); // three days of 5-minute samples
    const all = store.query({ from: T0, to: T0 + 3 * DAY_MILLIS, step: 300_000 });
    const kept = present(all.series.x?.avg ?? []);
    expect(kept).toHaveLength(2 * 288);
    expect(kept[0]).toBe(288); // day one is gone
    expect(kept.at(-1)).toBe(3 * 288 - 1);
  });

  it('caps the points of an answer, so a 30-day query costs the same as a 1-hour one', () => {
    const store = new HistoryStore({ samplingMillis: 1000, retentionDays: 30, maxSeries: 1 });
    const h = store.query({ from: T0, to: T0 + 30 * DAY_MILLIS });
    expect(h.timestamps.length).toBeLessThanOrEqual(MAX_POINTS + 1);
  });

  it('NaN is no data: it neither counts in the mean nor hides the other samples of a step', () => {
    const store = new HistoryStore({ samplingMillis: 1000, retentionDays: 1, maxSeries: 2 });
    store.record(T0, { x: Number.NaN, y: 1 });
    store.record(T0 + 1000, { x: 4, y: 3 });
    const h = store.query({ from: T0, to: T0 + 60_000, step: 60_000 });
    expect(h.resolutionMillis).toBe(60_000);
    expect(h.series.x?.avg).toEqual([4]);
    expect(h.series.y?.avg).toEqual([2]);
  });

  it('filters series by name and by prefix*', () => {
    const store = new HistoryStore({ samplingMillis: 1000, retentionDays: 1, maxSeries: 8 });
    store.record(T0, { cpu: 1, 'task.count:a': 2, 'task.count:b': 3, other: 4 });
    const h = store.query({ from: T0, to: T0 + 1000, series: ['cpu', 'task.count:*'] });
    expect(Object.keys(h.series).sort()).toEqual(['cpu', 'task.count:a', 'task.count:b']);
  });

  it('a new sampling step restarts only the finest ring; coarser data stays', () => {
    const store = new HistoryStore({ samplingMillis: 1000, retentionDays: 1, maxSeries: 1 });
    feed(store, T0, 1000, 120, () => ({ x: 1 }));
    store.setSamplingMillis(5000);
    feed(store, T0 + 120_000, 5000, 12, () => ({ x: 3 }));
    const h = store.query({ from: T0, to: T0 + 180_000, step: 1000 });
    // The restarted 5 s ring lacks the first two minutes, so the 1-minute ring answers.
    expect(h.resolutionMillis).toBe(60_000);
    expect(h.series.x?.avg).toEqual([1, 1, 3]);
  });
});

describe('HistoryStore memory bound', () => {
  it('allocates its bound up front and stays there after 30 simulated days of 10 s samples', () => {
    const options = { samplingMillis: 10_000, retentionDays: 30, maxSeries: 64 };
    const store = new HistoryStore(options);
    const bound = HistoryStore.memoryBoundBytes(options);
    expect(store.bytes).toBe(bound);
    // 64 series: (360 + 1440 + 8640) slots × (8 + 12 × 64) B + per-series scratch ≈ 8.1 MB.
    expect(bound).toBeLessThan(8.2 * 1024 * 1024);
    const values: Record<string, number> = {};
    for (let s = 0; s < 80; s++) values[`s${s}`] = s; // more names than the bound allows
    const days = 30;
    for (let t = 0; t < (days * DAY_MILLIS) / 10_000; t++) store.record(T0 + t * 10_000, values);
    expect(store.bytes).toBe(bound);
    expect(store.seriesNames).toHaveLength(64);
    expect(store.droppedSeries).toBeGreaterThan(0);
    // Day one is still there at 5-minute steps, the last hour at 10 s steps.
    const first = store.query({ from: T0, to: T0 + DAY_MILLIS, step: 300_000 });
    expect(first.resolutionMillis).toBe(300_000);
    expect(present(first.series.s0?.avg ?? [])).toHaveLength(288);
    const end = T0 + days * DAY_MILLIS;
    const last = store.query({ from: end - HOUR_MILLIS, to: end, step: 10_000 });
    expect(last.resolutionMillis).toBe(10_000);
    expect(present(last.series.s63?.avg ?? [])).toEqual(new Array(360).fill(63));
  });

  it('the formula holds for other sizes', () => {
    for (const options of [
      { samplingMillis: 1000, retentionDays: 7, maxSeries: 10 },
      { samplingMillis: 5000, retentionDays: 1, maxSeries: 1 },
    ]) {
      expect(new HistoryStore(options).bytes).toBe(HistoryStore.memoryBoundBytes(options));
    }
  });
});
