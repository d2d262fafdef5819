import type { TaskOutcome } from './metrics.js';
import type { ProcessorMode, ResolvedProcessorOptions } from './options.js';
import type { Scheduler } from './scheduler.js';
import type { ProcessorStats } from './types.js';

/** One view over every mode's scheduler and the item counters. */
export function aggregateStats(
  options: ResolvedProcessorOptions,
  size: number,
  lanes: readonly Scheduler[],
  counters: Iterable<Readonly<Record<TaskOutcome, number>>>,
): ProcessorStats {
  let workers = 0;
  let busy = 0;
  let queueSize = 0;
  let utilization = 0;
  let inFlight = 0;
  const concurrency: Partial<Record<ProcessorMode, number>> = {};
  for (const lane of lanes) {
    const snapshot = lane.snapshot();
    queueSize += snapshot.queued;
    inFlight += snapshot.inFlight;
    concurrency[lane.mode] = snapshot.concurrency;
    if (lane.mode === 'async') continue; // its "busy" counts items, not workers
    workers += snapshot.workers;
    busy += snapshot.busy;
    utilization = Math.max(utilization, snapshot.utilization);
  }
  let completed = 0;
  let failed = 0;
  let cancelled = 0;
  for (const counts of counters) {
    completed += counts.ok;
    failed += counts.error + counts.timeout;
    cancelled += counts.cancelled;
  }
  return {
    name: options.name,
    size,
    minWorkers: options.minWorkers,
    maxWorkers: options.maxWorkers,
    workers,
    busy,
    idle: Math.max(0, workers - busy),
    queueSize,
    completed,
    failed,
    cancelled,
    utilization,
    inFlight,
    concurrency,
  };
}
