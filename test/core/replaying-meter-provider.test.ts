import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { flattenMetrics } from '../../src/core/query.js';
import { ReplayingMeterProvider } from '../../src/core/replaying-meter-provider.js';
import { InProcessMetricReader } from '../../src/sdk/in-process-reader.js';

class SecondReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

let provider: MeterProvider | undefined;
afterEach(() => provider?.shutdown());

function setup(maxAgeMillis: number) {
  const first = new InProcessMetricReader({ cardinalityLimit: 100 });
  const second = new SecondReader();
  provider = new MeterProvider({ readers: [first, second] });
  const replaying = new ReplayingMeterProvider(provider, maxAgeMillis);
  const meter = replaying.getMeter('consuming');
  const calls = { batch: 0, single: 0 };
  let nextValue = 0;
  const gauge = meter.createObservableGauge('consumed.batch');
  meter.addBatchObservableCallback(
    (result) => {
      calls.batch++;
      result.observe(gauge, ++nextValue);
    },
    [gauge],
  );
  meter.createObservableGauge('consumed.single').addCallback((result) => {
    calls.single++;
    result.observe(calls.single * 10, { k: 'v' });
  });
  return { first, second, replaying, calls };
}

async function collectedValue(reader: MetricReader, name: string): Promise<number | undefined> {
  return flattenMetrics(await reader.collect()).select(name)[0]?.value;
}

describe('ReplayingMeterProvider', () => {
  it('runs each callback once per interval and replays the reading to every reader', async () => {
    const { first, second, calls } = setup(60_000);
    expect(await collectedValue(first, 'consumed.batch')).toBe(1);
    expect(await collectedValue(second, 'consumed.batch')).toBe(1);
    expect(await collectedValue(first, 'consumed.single')).toBe(10);
    expect(await collectedValue(second, 'consumed.single')).toBe(10);
    expect(calls).toEqual({ batch: 1, single: 1 });
  });

  it('takes a new reading once the interval has passed', async () => {
    const { first, second, calls } = setup(20);
    await collectedValue(first, 'consumed.batch');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await collectedValue(second, 'consumed.batch')).toBe(2);
    expect(calls.batch).toBe(2);
  });

  it('does not keep an empty reading', async () => {
    const first = new InProcessMetricReader({ cardinalityLimit: 100 });
    provider = new MeterProvider({ readers: [first] });
    const meter = new ReplayingMeterProvider(provider, 60_000).getMeter('warming-up');
    let calls = 0;
    meter.createObservableGauge('warming').addCallback((result) => {
      calls++;
      if (calls > 1) result.observe(7);
    });
    expect(await collectedValue(first, 'warming')).toBeUndefined();
    expect(await collectedValue(first, 'warming')).toBe(7);
  });

  it('removes every callback on shutdown', async () => {
    const { first, replaying, calls } = setup(0);
    replaying.shutdown();
    await first.collect();
    expect(calls).toEqual({ batch: 0, single: 0 });
  });
});

describe('InProcessMetricReader', () => {
  it('drops a gauge series its callback stopped observing (delta gauges), keeps cumulative counters', async () => {
    const reader = new InProcessMetricReader({ cardinalityLimit: 100 });
    provider = new MeterProvider({ readers: [reader] });
    const meter = provider.getMeter('stale');
    let observe = true;
    meter.createObservableGauge('queue.like').addCallback((result) => {
      if (observe) result.observe(5, { queue: 'a' });
    });
    const counter = meter.createCounter('done');
    counter.add(3);
    expect(await collectedValue(reader, 'queue.like')).toBe(5);
    observe = false;
    expect(await collectedValue(reader, 'queue.like')).toBeUndefined();
    counter.add(1);
    expect(await collectedValue(reader, 'done')).toBe(4);
  });
});
