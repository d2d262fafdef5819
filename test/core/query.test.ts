import { describe, expect, it } from 'vitest';
import {
  aggregate,
  counterIncrease,
  flattenMetrics,
  increase,
  rate,
  ratio,
  type Series,
  samplesOf,
} from '../../src/core/query.js';
import {
  histogramDelta,
  histogramQuantile,
  mergeHistograms,
  windowedHistogram,
} from '../../src/core/query-histogram.js';
import { testProvider } from '../alerts/helpers.js';

const h = (boundaries: number[], counts: number[]) => ({
  boundaries,
  counts,
  count: counts.reduce((a, b) => a + b, 0),
  sum: 0,
});

describe('flattenMetrics + select', () => {
  it('flattens gauges, counters and histograms from a real reader, filtered by attributes', async () => {
    const { provider, reader } = testProvider();
    const meter = provider.getMeter('t');
    meter.createObservableGauge('system.cpu.utilization').addCallback((r) => {
      r.observe(0.25, { 'cpu.mode': 'idle', 'cpu.logical_number': 0 });
      r.observe(0.75, { 'cpu.mode': 'idle', 'cpu.logical_number': 1 });
      r.observe(0.5, { 'cpu.mode': 'user', 'cpu.logical_number': 0 });
    });
    const counter = meter.createCounter('jobs');
    counter.add(3, { kind: 'a' });
    counter.add(4, { kind: 'b' });
    const hist = meter.createHistogram('aiva.task.duration', {
      advice: { explicitBucketBoundaries: [1, 2, 5] },
    });
    hist.record(1.5, { 'aiva.task.outcome': 'ok' });
    hist.record(3, { 'aiva.task.outcome': 'error' });

    const snap = flattenMetrics(await reader.collect());
    const idle = snap.select('system.cpu.utilization', { 'cpu.mode': 'idle' });
    expect(idle.map((s) => s.value).sort()).toEqual([0.25, 0.75]);
    expect(
      aggregate(
        idle.map((s) => s.value),
        'avg',
      ),
    ).toBe(0.5);
    expect(snap.select('jobs', { kind: ['a', 'b'] }).map((s) => s.value)).toEqual([3, 4]);
    expect(snap.select('jobs')[0]?.monotonic).toBe(true);
    const errors = snap.select('aiva.task.duration', { 'aiva.task.outcome': 'error' });
    expect(errors[0]?.histogram?.counts).toEqual([0, 0, 1, 0]);
    expect(errors[0]?.value).toBe(1);
    expect(snap.select('missing')).toEqual([]);
    expect(snap.has('jobs')).toBe(true);
    expect(snap.has('missing')).toBe(false);
    expect(snap.names().sort()).toEqual(['aiva.task.duration', 'jobs', 'system.cpu.utilization']);
    expect(snap.series('jobs')).toBe(snap.series('jobs')); // built once, on first read
    expect(snap.size).toBe(7);
    expect(snap.timeMs).toBeGreaterThan(0);
    await provider.shutdown();
  });
});

describe('aggregate', () => {
  it('reduces, propagates NaN, and is undefined on an empty selection except count', () => {
    expect(aggregate([1, 5, 3], 'sum')).toBe(9);
    expect(aggregate([1, 5, 3], 'min')).toBe(1);
    expect(aggregate([1, 5, 3], 'max')).toBe(5);
    expect(aggregate([1, 5, 3], 'count')).toBe(3);
    expect(aggregate([1, Number.NaN], 'max')).toBeNaN();
    expect(aggregate([], 'avg')).toBeUndefined();
    expect(aggregate([], 'count')).toBe(0);
  });
});

describe('histogramQuantile (Prometheus histogram_quantile semantics)', () => {
  it('interpolates linearly within the bucket holding the rank', () => {
    const d = h([1, 2, 5], [0, 10, 10, 0]);
    expect(histogramQuantile(0.5, d)).toBe(2);
    expect(histogramQuantile(0.95, d)).toBeCloseTo(4.7, 10);
    expect(histogramQuantile(0.25, d)).toBeCloseTo(1.5, 10);
  });
  it('interpolates the first bucket from 0', () => {
    expect(histogramQuantile(0.5, h([4, 8], [10, 0, 0]))).toBe(2);
  });
  it('returns the highest finite bound when the rank is in +Inf', () => {
    expect(histogramQuantile(0.99, h([1, 2, 5], [1, 0, 0, 99]))).toBe(5);
  });
  it('is NaN without observations, ±Inf outside [0, 1]', () => {
    expect(histogramQuantile(0.5, h([1, 2], [0, 0, 0]))).toBeNaN();
    expect(histogramQuantile(0.5, undefined)).toBeNaN();
    expect(histogramQuantile(-1, h([1], [1, 0]))).toBe(Number.NEGATIVE_INFINITY);
    expect(histogramQuantile(2, h([1], [1, 0]))).toBe(Number.POSITIVE_INFINITY);
  });
  it('works on the difference of two cumulative snapshots (windowed quantile)', () => {
    const before = h([1, 2, 5], [100, 0, 0, 0]);
    const after = h([1, 2, 5], [100, 0, 10, 0]);
    const delta = histogramDelta(before, after);
    expect(delta.counts).toEqual([0, 0, 10, 0]);
    expect(histogramQuantile(0.5, delta)).toBe(3.5);
    // cumulative would say the median is under 1 s
    expect(histogramQuantile(0.5, after)).toBeLessThan(1);
  });
  it('treats a histogram whose count dropped as restarted', () => {
    const before = h([1], [50, 0]);
    const after = h([1], [1, 2]);
    expect(histogramDelta(before, after)).toBe(after);
  });
  it('merges series bucket by bucket, skipping mismatched boundaries', () => {
    const m = mergeHistograms([h([1, 2], [1, 2, 3]), h([1, 2], [1, 1, 1]), h([9], [5, 5])]);
    expect(m?.counts).toEqual([2, 3, 4]);
    expect(m?.count).toBe(9);
  });
});

const series = (value: number, startTimeMs: number, endTimeMs: number, attributes = {}): Series => ({
  name: 'c',
  type: 'sum',
  monotonic: true,
  attributes,
  value,
  startTimeMs,
  endTimeMs,
});

describe('rate and increase', () => {
  it('is per second between two snapshots', () => {
    const prev = samplesOf([series(100, 0, 10_000)]);
    expect(rate(prev, [series(150, 0, 20_000)])).toBe(5);
  });
  it('is reset-safe: a drop means the counter restarted', () => {
    const prev = samplesOf([series(1000, 0, 10_000)]);
    expect(counterIncrease(prev.get(''), series(30, 0, 20_000))).toBe(30);
    expect(increase(prev, [series(30, 15_000, 20_000)])).toEqual({ increase: 30, seconds: 5 });
  });
  it('without a previous snapshot, counts from the start time', () => {
    expect(rate(undefined, [series(60, 0, 30_000)])).toBe(2);
  });
  it('sums several series and is undefined when empty or no time passed', () => {
    const a = series(10, 0, 10_000, { k: 'a' });
    const b = series(20, 0, 10_000, { k: 'b' });
    const prev = samplesOf([a, b]);
    expect(rate(prev, [series(20, 0, 20_000, { k: 'a' }), series(40, 0, 20_000, { k: 'b' })])).toBe(3);
    expect(rate(prev, [])).toBeUndefined();
    expect(rate(prev, [a])).toBeUndefined();
  });
  it('windowed histogram from real cumulative collections', async () => {
    const { provider, reader } = testProvider();
    const hist = provider
      .getMeter('t')
      .createHistogram('d', { advice: { explicitBucketBoundaries: [1, 2, 5] } });
    for (let i = 0; i < 100; i++) hist.record(0.5);
    const first = flattenMetrics(await reader.collect()).select('d');
    for (let i = 0; i < 10; i++) hist.record(4);
    const second = flattenMetrics(await reader.collect()).select('d');
    const w = windowedHistogram(samplesOf(first), second);
    expect(w?.count).toBe(10);
    expect(histogramQuantile(0.95, w)).toBeCloseTo(4.85, 10);
    await provider.shutdown();
  });
});

describe('ratio', () => {
  it('divides, is NaN on 0/0 and undefined when a side is missing', () => {
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(0, 0)).toBeNaN();
    expect(ratio(undefined, 1)).toBeUndefined();
  });
});
