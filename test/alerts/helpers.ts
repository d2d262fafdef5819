import {
  AggregationTemporality,
  InstrumentType,
  MeterProvider,
  MetricReader,
  type MetricReaderOptions,
} from '@opentelemetry/sdk-metrics';

/** A reader the test collects from by hand, as the SDK's in-process reader. */
export class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** Cumulative except gauges (delta), so a gauge nobody observes any more disappears instead of going stale. */
export const GAUGES_DELTA = {
  aggregationTemporalitySelector: (t: InstrumentType) =>
    t === InstrumentType.GAUGE || t === InstrumentType.OBSERVABLE_GAUGE
      ? AggregationTemporality.DELTA
      : AggregationTemporality.CUMULATIVE,
};

export function testProvider(readerOptions?: MetricReaderOptions): {
  provider: MeterProvider;
  reader: TestReader;
} {
  const reader = new TestReader(readerOptions);
  const provider = new MeterProvider({ readers: [reader] });
  return { provider, reader };
}

import { vi } from 'vitest';
import { AlertEngine } from '../../src/alerts/engine.js';
import type { AlertEngineOptions } from '../../src/alerts/options.js';

/** Values the fake host "exports"; `undefined` = the series is absent. */
export interface FakeHost {
  cpuIdle: number | undefined;
  queue: number | undefined;
}

export function fakeLogger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

/** A real MeterProvider + reader with CPU and queue gauges, and an engine reading it (no defaults). */
export function harness(options: Partial<AlertEngineOptions> = {}, readerOptions?: MetricReaderOptions) {
  const { provider, reader } = testProvider(readerOptions);
  const host: FakeHost = { cpuIdle: 0.9, queue: 0 };
  const meter = provider.getMeter('test-host');
  meter.createObservableGauge('system.cpu.utilization').addCallback((r) => {
    if (host.cpuIdle === undefined) return;
    r.observe(host.cpuIdle, { 'cpu.mode': 'idle', 'cpu.logical_number': 0 });
    r.observe(1 - host.cpuIdle, { 'cpu.mode': 'user', 'cpu.logical_number': 0 });
  });
  meter.createObservableGauge('aiva.task.queue.size').addCallback((r) => {
    if (host.queue !== undefined) r.observe(host.queue, { 'aiva.queue.name': 'jobs' });
  });
  const collect = vi.spyOn(reader, 'collect');
  const logger = fakeLogger();
  const engine = new AlertEngine({
    source: reader,
    meterProvider: provider,
    defaults: false,
    log: false,
    logger,
    serviceName: 'svc',
    ...options,
  });
  return { provider, reader, host, engine, collect, logger, meter };
}
