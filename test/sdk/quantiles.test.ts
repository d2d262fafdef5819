import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { downscale, exponentialDelta, exponentialQuantile } from '../../src/core/exponential-histogram.js';
import { LocalHistograms } from '../../src/core/local-histogram.js';
import { METRIC } from '../../src/core/metric-names.js';
import { flattenMetrics, samplesOf } from '../../src/core/query.js';
import { histogramQuantile, mergeHistograms, windowedHistogram } from '../../src/core/query-histogram.js';
import { TaskRecorder } from '../../src/instrumentation/tasks.js';
import { InProcessMetricReader } from '../../src/sdk/in-process-reader.js';
import { LocalHistogramProducer } from '../../src/sdk/local-producer.js';
import { startPerformanceSdk } from '../../src/sdk/start.js';
import { recordDurations } from '../helpers/durations.js';

/**
 * Quantiles read in-process from the exponential histograms of `aiva.task.duration`, against the
 * exact quantiles of known distributions recorded through trackTask's own histogram (the clock is
 * injected, so each task "takes" exactly the drawn duration).
 */
let seed = 42;
const random = () => {
  // mulberry32: reproducible draws
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

const DISTRIBUTIONS: Record<string, { n: number; draw: () => number }> = {
  'constant 100 ms': { n: 10_000, draw: () => 0.1 },
  'uniform 20–115 ms': { n: 10_000, draw: () => 0.02 + 0.095 * random() },
  'lognormal (median 50 ms, σ 1)': { n: 100_000, draw: () => 0.05 * Math.exp(normal()) },
  'bimodal (90 % ~10 ms, 10 % ~2 s)': {
    n: 20_000,
    draw: () => (random() < 0.9 ? 0.01 * (1 + 0.2 * random()) : 2 * (1 + 0.2 * random())),
  },
};

const exact = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;

afterEach(() => vi.restoreAllMocks());

async function recordAndRead(values: number[]) {
  const reader = new InProcessMetricReader({ cardinalityLimit: 100 });
  const provider = new MeterProvider({ readers: [reader] });
  const recorder = new TaskRecorder(provider);
  recordDurations((name) => recorder.startTimer(name), 'distribution', values);
  const snapshot = flattenMetrics(await reader.collect());
  await provider.shutdown();
  return mergeHistograms(snapshot.select(METRIC.taskDuration));
}

describe('in-process quantiles from exponential histograms', () => {
  it.each(Object.entries(DISTRIBUTIONS))(
    '%s: p50, p95, p99 within 5 % of the exact quantile',
    async (_, d) => {
      const values = Array.from({ length: d.n }, d.draw);
      const merged = await recordAndRead(values);
      expect(merged?.exponential).toBeDefined();
      expect(merged?.count).toBe(d.n);
      const sorted = values.slice().sort((a, b) => a - b);
      for (const q of [0.5, 0.95, 0.99]) {
        const truth = exact(sorted, q);
        const read = histogramQuantile(q, merged);
        expect(Math.abs(read - truth) / truth, `q=${q} truth=${truth} read=${read}`).toBeLessThanOrEqual(
          0.05,
        );
      }
    },
  );
});

describe('through startPerformanceSdk', () => {
  it("the monitor's p95 is the exponential one (explicit buckets would read ~0.20 s here)", async () => {
    const perf = await startPerformanceSdk({
      prometheus: false,
      hostMetrics: false,
      runtimeMetrics: false,
      alerts: false,
      registerGlobal: false,
    });
    try {
      const values = Array.from({ length: 5_000 }, DISTRIBUTIONS['uniform 20–115 ms']!.draw);
      recordDurations((name) => perf.startTimer(name), 'uniform', values);
      const truth = exact(
        values.slice().sort((a, b) => a - b),
        0.95,
      );
      const { taskDurationP95Seconds } = await perf.monitor.getCurrentMetrics();
      expect(Math.abs(taskDurationP95Seconds - truth) / truth).toBeLessThanOrEqual(0.05);
    } finally {
      await perf.shutdown();
    }
  });
});

describe('hot-path histograms aggregated by the SDK (local cells)', () => {
  it('also keep exponential buckets: 1 µs … 1 h fits 160 buckets after downscaling, quantiles within one bucket', async () => {
    const registry = new LocalHistograms();
    const cell = registry
      .histogram('scope', 'x.duration', { description: 'd', unit: 's', boundaries: [1, 2, 5] })
      .bind({ k: 'v' });
    const values = Array.from({ length: 10_000 }, (_, i) => 1e-6 * 3.6e9 ** (i / 9_999));
    for (const v of values) cell.record(v);
    cell.record(0);
    for (const maxBuckets of [512, 160]) {
      const result = await new LocalHistogramProducer(registry, { maxBuckets }).collect();
      const snapshot = flattenMetrics(result.resourceMetrics);
      const [series] = snapshot.select('x.duration');
      const e = series?.histogram?.exponential;
      expect(e?.counts.length).toBeLessThanOrEqual(maxBuckets);
      expect(e?.zeroCount).toBe(1);
      expect(e?.counts.reduce((a, c) => a + c, 0)).toBe(10_000);
      const bucketWidth = 2 ** (2 ** -(e?.scale ?? 0)) - 1;
      const truth = values[Math.ceil(0.95 * 10_001) - 2] as number;
      expect(Math.abs(histogramQuantile(0.95, series?.histogram) - truth) / truth).toBeLessThanOrEqual(
        bucketWidth,
      );
    }
  });
});

describe('exponential histogram maths', () => {
  const h = { scale: 2, zeroCount: 1, offset: -3, counts: [1, 2, 3, 4, 5], count: 16, sum: 10 };

  it('downscales by merging 2^k neighbouring buckets (negative indices floor)', () => {
    // indices −3..1 at scale 2 → at scale 1: −3>>1=−2, −2>>1=−1, −1>>1=−1, 0, 1>>1=0
    expect(downscale(h, 1)).toMatchObject({ scale: 1, offset: -2, counts: [1, 5, 9] });
  });

  it('subtracts an earlier reading at a finer scale, and treats a decrease as a reset', () => {
    const earlier = { scale: 3, zeroCount: 0, offset: -6, counts: [1, 0, 1], count: 2, sum: 1 };
    const delta = exponentialDelta(earlier, h);
    expect(delta.count).toBe(14);
    expect(delta.counts.reduce((a, c) => a + c, 0) + delta.zeroCount).toBe(14);
    expect(exponentialDelta({ ...h, count: 20 }, h)).toBe(h);
  });

  it('interpolates log-linearly inside the bucket and returns 0 among zeros', () => {
    const one = { scale: 0, zeroCount: 0, offset: 3, counts: [4], count: 4, sum: 40 };
    // bucket 3 at scale 0 is (8, 16]: the median sits at 8 × 2^(2/4)
    expect(exponentialQuantile(0.5, one)).toBeCloseTo(8 * Math.SQRT2, 10);
    expect(exponentialQuantile(0.01, { ...one, zeroCount: 10, count: 14 })).toBe(0);
  });

  it('windows cumulative readings per series, like the explicit-bucket path', async () => {
    const reader = new InProcessMetricReader({ cardinalityLimit: 100 });
    const provider = new MeterProvider({ readers: [reader] });
    const histogram = provider.getMeter('t').createHistogram('x.duration', { unit: 's' });
    for (let i = 0; i < 100; i++) histogram.record(0.01);
    const first = flattenMetrics(await reader.collect());
    for (let i = 0; i < 100; i++) histogram.record(1);
    const second = flattenMetrics(await reader.collect());
    const window = windowedHistogram(samplesOf(first.select('x.duration')), second.select('x.duration'));
    expect(window?.count).toBe(100);
    expect(histogramQuantile(0.5, window)).toBeGreaterThan(0.95);
    expect(histogramQuantile(0.5, window)).toBeLessThan(1.05);
    await provider.shutdown();
  });
});
