import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { type MemoryOptions, UnifiedMemoryManager } from '../../src/memory/index.js';

/** A reader the test collects from on demand. */
export class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface Collected {
  /** Value of the data point of `name` whose attributes include `attrs`. */
  value(name: string, attrs?: Attributes): number | undefined;
  histogram(name: string, attrs?: Attributes): Histogram | undefined;
  /** Attribute sets seen for `name`. */
  attributes(name: string): Attributes[];
  names(): string[];
}

export function testProvider(): { provider: MeterProvider; collect: () => Promise<Collected> } {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  const collect = async (): Promise<Collected> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw errors[0];
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const points = (name: string): DataPoint<unknown>[] =>
      all.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints as DataPoint<unknown>[]);
    const match = (p: DataPoint<unknown>, attrs: Attributes) =>
      Object.entries(attrs).every(([k, v]) => p.attributes[k] === v);
    return {
      value: (name, attrs = {}) => points(name).find((p) => match(p, attrs))?.value as number | undefined,
      histogram: (name, attrs = {}) =>
        points(name).find((p) => match(p, attrs))?.value as Histogram | undefined,
      attributes: (name) => points(name).map((p) => p.attributes),
      names: () => [...new Set(all.map((m) => m.descriptor.name))],
    };
  };
  return { provider, collect };
}

/**
 * Makes managers with a file's defaults and closes them all after each test
 * (call `closeAll()` from `afterEach`), so no sampler or cleanup timer outlives a test.
 */
export function managerFactory(defaults: MemoryOptions): {
  make(options?: MemoryOptions): UnifiedMemoryManager;
  closeAll(): void;
} {
  const open: UnifiedMemoryManager[] = [];
  return {
    make(options = {}) {
      const manager = new UnifiedMemoryManager({ ...defaults, ...options });
      open.push(manager);
      return manager;
    },
    closeAll() {
      for (const manager of open.splice(0)) manager.close();
    },
  };
}
