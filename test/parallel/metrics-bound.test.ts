import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { distinctValuesWithin, setCardinalityLimit } from '../../src/core/bounded-attributes.js';
import { PoolMetrics } from '../../src/parallel/metrics.js';

describe('pool task series bounded by the cardinality limit (issue 13)', () => {
  it('gives the first (mode, task) pairs their own entry and the rest one overflow entry per mode', async () => {
    const provider = new MeterProvider();
    setCardinalityLimit(provider, 41); // 4 outcomes each: floor(40 / 4) - 1 = 9 pairs
    const metrics = new PoolMetrics(provider, 'bounded', () => []);
    const bound = distinctValuesWithin(41, 4);
    expect(bound).toBe(9);
    const entries = Array.from({ length: 30 }, (_, i) => metrics.task('thread', `task_${i}`));
    expect(new Set(entries).size).toBe(bound + 1);
    const overflow = entries[29];
    expect(entries[bound]).toBe(overflow);
    expect(overflow?.byOutcome.ok['aiva.task.name']).toBe('otel.metric.overflow');
    // another mode gets its own overflow entry once the bound is reached
    expect(metrics.task('process', 'late')).not.toBe(overflow);
    metrics.close();
    await provider.shutdown();
  });
});
