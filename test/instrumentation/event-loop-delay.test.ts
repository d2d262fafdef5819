import { diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdaptiveEventLoopDelay } from '../../src/instrumentation/event-loop-delay.js';
import { startRuntimeMetrics } from '../../src/instrumentation/runtime.js';
import { meterFixture, points } from '../parallel/helpers.js';

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));
function block(millis: number): void {
  const end = performance.now() + millis;
  while (performance.now() < end) {}
}

describe('AdaptiveEventLoopDelay', () => {
  let sampler: AdaptiveEventLoopDelay | undefined;
  afterEach(() => sampler?.disable());

  it('an idle loop: one check an interval, standing for interval / resolution ticks', async () => {
    // a coarse resolution, so a loaded CI box does not make a check late enough to count as busy
    // only a late check counts as busy here: the test runner's own work on this thread is not the loop's
    sampler = new AdaptiveEventLoopDelay(100, 400, 1);
    sampler.enable();
    const idle = sampler;
    await vi.waitFor(() => expect(idle.histogram.count).toBeGreaterThanOrEqual(12), {
      timeout: 3000,
      interval: 50,
    });
    expect(sampler.fullResolution).toBe(false);
    // three checks, each recorded 400 / 100 times
    expect(sampler.histogram.count).toBe(12);
    const { min, p50 } = sampler.read();
    expect(min).toBeGreaterThanOrEqual(0.0999); // ticks at 100 ms resolution are 100 ms apart (HDR rounding)
    expect(p50).toBeLessThan(0.2);
  });

  it('a blocked loop switches to full resolution, records the block, and calms down again', async () => {
    sampler = new AdaptiveEventLoopDelay(10, 100);
    sampler.enable();
    await sleep(30);
    block(150); // the next check is late by ~50 ms or more
    await sleep(120);
    expect(sampler.fullResolution).toBe(true);
    for (let i = 0; i < 4; i++) {
      block(25);
      await sleep(5);
    }
    const { max, p90 } = sampler.read();
    expect(max).toBeGreaterThanOrEqual(0.05);
    expect(p90).toBeGreaterThanOrEqual(0.02); // the 25 ms blocks, seen at full resolution
    // two quiet checks in a row (~200 ms); a loaded CI box can make a check late, so wait up to 3 s
    const blocked = sampler;
    await vi.waitFor(() => expect(blocked.fullResolution).toBe(false), { timeout: 3000, interval: 50 });
  });

  it('stops sampling when disabled', async () => {
    sampler = new AdaptiveEventLoopDelay(10, 50);
    sampler.enable();
    await sleep(120);
    sampler.disable();
    const count = sampler.histogram.count;
    await sleep(120);
    expect(sampler.sampling).toBe(false);
    expect(sampler.histogram.count).toBe(count);
  });
});

describe('runtime metrics use the adaptive sampler', () => {
  it("reports the instrumentation's seven delay gauges, without its fixed-rate sampler", async () => {
    const warn = vi.spyOn(diag, 'warn');
    const { meterProvider, collect } = meterFixture();
    const runtime = startRuntimeMetrics(meterProvider, {
      monitoringPrecisionMillis: 20,
      readingIntervalMillis: 0,
    });
    try {
      await sleep(1150); // one idle check: 1000 / 20 recordings
      const resource = await collect();
      const names = resource.scopeMetrics
        .flatMap((s) => s.metrics.map((m) => m.descriptor.name))
        .filter((n) => n.startsWith('nodejs.eventloop.delay.'));
      expect(names.sort()).toEqual(
        ['max', 'mean', 'min', 'p50', 'p90', 'p99', 'stddev'].map((s) => `nodejs.eventloop.delay.${s}`),
      );
      const p50 = points(resource, 'nodejs.eventloop.delay.p50')[0]!.value as number;
      expect(p50).toBeGreaterThanOrEqual(0.0199);
      expect(p50).toBeLessThan(0.5);
      expect(warn).not.toHaveBeenCalledWith(expect.stringContaining('fixed rate'));
    } finally {
      runtime.shutdown();
      warn.mockRestore();
    }
  });
});
