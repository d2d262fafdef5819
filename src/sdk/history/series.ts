import { ATTR, METRIC } from '../../core/metric-names.js';
import type { MetricSnapshot, Series } from '../../core/query.js';
import type { CurrentMetrics } from '../current-metrics.js';

/**
 * The names of the history's series besides the {@link CurrentMetrics} fields (which keep their
 * field names). Cumulative series (`totals.*`, `task.count:*`, `task.seconds:*`) are counters as
 * read; charts and reports take their increase, so a window never depends on sampling alignment.
 */
export const SERIES = Object.freeze({
  tasks: 'totals.tasks',
  taskErrors: 'totals.taskErrors',
  taskSeconds: 'totals.taskSeconds',
  allocations: 'totals.allocations',
  evictions: 'totals.evictions',
  poolBusy: 'pool.workersBusy',
  poolIdle: 'pool.workersIdle',
  poolUtilization: 'pool.utilization',
  alertsFiring: 'alerts.firing',
  /** + memory kind */
  memoryKindPrefix: 'memory.usedMb:',
  /** + task name */
  taskCountPrefix: 'task.count:',
  /** + task name */
  taskSecondsPrefix: 'task.seconds:',
} as const);

/** Task names with their own series; the rest add up under {@link OTHER_TASKS}, keeping totals right. */
export const MAX_TASK_SERIES = 8;
export const OTHER_TASKS = '(other)';

const MIB = 1024 * 1024;

/**
 * Turns one collection into the history's series. Remembers which task names got their own series
 * (first come), so a name never moves between its own series and `(other)`.
 */
export class SeriesExtractor {
  readonly #tasks = new Set<string>();

  extract(snapshot: MetricSnapshot, metrics: CurrentMetrics, firingAlerts: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key in metrics) if (key !== 'timestamp') out[key] = metrics[key as keyof CurrentMetrics];
    this.#tasksInto(out, snapshot.select(METRIC.taskDuration));
    out[SERIES.allocations] = sum(
      snapshot.select(METRIC.memoryManagerAllocations, { [ATTR.memoryManagerOutcome]: 'ok' }),
    );
    out[SERIES.evictions] = sum(snapshot.select(METRIC.memoryManagerEvictions));
    for (const s of snapshot.select(METRIC.memoryManagerUsed)) {
      const key = `${SERIES.memoryKindPrefix}${String(s.attributes[ATTR.memoryManagerKind] ?? 'unknown')}`;
      out[key] = (out[key] ?? 0) + s.value / MIB;
    }
    out[SERIES.poolBusy] = sum(snapshot.select(METRIC.poolWorkers, { [ATTR.poolWorkerState]: 'busy' }));
    out[SERIES.poolIdle] = sum(snapshot.select(METRIC.poolWorkers, { [ATTR.poolWorkerState]: 'idle' }));
    const utilization = snapshot.select(METRIC.poolUtilization);
    out[SERIES.poolUtilization] = utilization.length
      ? Math.max(...utilization.map((s) => s.value))
      : Number.NaN;
    out[SERIES.alertsFiring] = firingAlerts;
    return out;
  }

  #tasksInto(out: Record<string, number>, series: readonly Series[]): void {
    let count = 0;
    let errors = 0;
    let seconds = 0;
    for (const s of series) {
      const n = s.histogram?.count ?? s.value;
      const secs = s.histogram?.sum ?? 0;
      count += n;
      seconds += secs;
      if (s.attributes[ATTR.taskOutcome] === 'error') errors += n;
      const name = this.#taskKey(String(s.attributes[ATTR.taskName] ?? 'invalid'));
      const countKey = `${SERIES.taskCountPrefix}${name}`;
      const secondsKey = `${SERIES.taskSecondsPrefix}${name}`;
      out[countKey] = (out[countKey] ?? 0) + n;
      out[secondsKey] = (out[secondsKey] ?? 0) + secs;
    }
    out[SERIES.tasks] = series.length ? count : Number.NaN;
    out[SERIES.taskErrors] = series.length ? errors : Number.NaN;
    out[SERIES.taskSeconds] = series.length ? seconds : Number.NaN;
  }

  #taskKey(name: string): string {
    if (this.#tasks.has(name)) return name;
    if (this.#tasks.size >= MAX_TASK_SERIES) return OTHER_TASKS;
    this.#tasks.add(name);
    return name;
  }
}

/** NaN for no series (no data), else the sum. */
function sum(series: readonly Series[]): number {
  if (series.length === 0) return Number.NaN;
  let total = 0;
  for (const s of series) total += s.value;
  return total;
}
