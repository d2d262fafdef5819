import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { flattenMetrics } from '../../src/core/query.js';
import { InProcessMetricReader } from '../../src/sdk/in-process-reader.js';

let provider: MeterProvider | undefined;
afterEach(() => provider?.shutdown());

async function collectedValue(reader: InProcessMetricReader, name: string): Promise<number | undefined> {
  return flattenMetrics(await reader.collect()).select(name)[0]?.value;
}

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
