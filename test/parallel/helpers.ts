import { readdirSync } from 'node:fs';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { afterEach } from 'vitest';
import {
  defineTask,
  ParallelProcessor,
  type ProcessorMode,
  type ProcessorOptions,
} from '../../src/parallel/index.js';

export const FIXTURES = new URL('./fixtures/tasks.mjs', import.meta.url);
export const MODES = ['thread', 'process'] as const;
/** Every mode, the calling thread's included. */
export const ALL_MODES = ['thread', 'process', 'async'] as const;

export const tasks = {
  double: defineTask<number, number>(FIXTURES, 'double'),
  doubleLater: defineTask<number, number>(FIXTURES, 'doubleLater'),
  failOn: defineTask<{ value?: number; fail?: boolean }, number>(FIXTURES, 'failOn'),
  exitOn: defineTask<{ value?: number; exit?: boolean }, number>(FIXTURES, 'exitOn'),
  loggedFault: defineTask<{ value: number; log: string; exit?: boolean; hang?: boolean }, number>(
    FIXTURES,
    'loggedFault',
  ),
  crashOn: defineTask<{ value?: number; crash?: boolean }, number>(FIXTURES, 'crashOn'),
  hangOn: defineTask<{ value?: number; hang?: boolean }, number>(FIXTURES, 'hangOn'),
  spin: defineTask<number, number>(FIXTURES, 'spin'),
  echo: defineTask<unknown, unknown>(FIXTURES, 'echo'),
  whoAmI: defineTask<unknown, { pid: number; threadId: number }>(FIXTURES, 'whoAmI'),
  notAFunction: defineTask(FIXTURES, 'notAFunction'),
  track: defineTask<{ value?: number; waitMillis?: number; fail?: boolean }, Tracked>(FIXTURES, 'track'),
  untilAborted: defineTask<{ value?: number; hang?: boolean }, number>(FIXTURES, 'untilAborted'),
  abortCount: defineTask<unknown, { aborts: number; id: number }>(FIXTURES, 'abortCount'),
  indexOf: defineTask<unknown, number>(FIXTURES, 'indexOf'),
  inFlightNow: defineTask<unknown, number>(FIXTURES, 'inFlightNow'),
};

/** What the `track` fixture returns: its value, the items of its worker in flight when it started, the worker. */
export interface Tracked {
  value: number;
  inFlight: number;
  id: number;
}

class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** A real MeterProvider with a reader the test collects from. */
export function meterFixture(): { meterProvider: MeterProvider; collect: () => Promise<ResourceMetrics> } {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    meterProvider,
    collect: async () => (await reader.collect()).resourceMetrics,
  };
}

/** Data points of one metric (empty when absent). */
export function points(resource: ResourceMetrics, name: string): DataPoint<unknown>[] {
  for (const scope of resource.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name === name) return metric.dataPoints as DataPoint<unknown>[];
    }
  }
  return [];
}

/** Sum of a counter/gauge's values whose attributes include `match`. */
export function sumOf(resource: ResourceMetrics, name: string, match: Record<string, string> = {}): number {
  return points(resource, name)
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((total, p) => total + (p.value as number), 0);
}

/** Total observation count of a histogram whose attributes include `match`. */
export function histogramCount(
  resource: ResourceMetrics,
  name: string,
  match: Record<string, string> = {},
): number {
  return points(resource, name)
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((total, p) => total + (p.value as Histogram).count, 0);
}

/** Total of a histogram's recorded values. */
export function histogramSum(resource: ResourceMetrics, name: string): number {
  return points(resource, name).reduce((total, p) => total + ((p.value as Histogram).sum ?? 0), 0);
}

/** OS threads of this process (each worker thread is one). */
export function osThreads(): number {
  return readdirSync('/proc/self/task').length;
}

/**
 * The thread count once it has held still for 100 ms (up to 3 s): a worker thread closed by an earlier
 * test can still be exiting, and counting it in a baseline made a later check one short (CI, Node 24).
 */
export async function settledOsThreads(): Promise<number> {
  let count = osThreads();
  let stillSince = performance.now();
  const deadline = stillSince + 3000;
  while (performance.now() - stillSince < 100 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = osThreads();
    if (now !== count) {
      count = now;
      stillSince = performance.now();
    }
  }
  return count;
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Inside a `describe`: returns `open(options)`, which makes a 2-worker processor in `mode`; the last
 * one opened is closed after each test, so no worker outlives it.
 */
export function useProcessor(mode: ProcessorMode): (options?: ProcessorOptions) => ParallelProcessor {
  let processor: ParallelProcessor | undefined;
  afterEach(async () => {
    await processor?.close();
    processor = undefined;
  });
  return (options = {}) => {
    processor = new ParallelProcessor({ maxWorkers: 2, mode, ...options });
    return processor;
  };
}
