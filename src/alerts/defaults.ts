import type { AlertIntervals, AlertRuleInput } from './types.js';

/**
 * The original module's recommended thresholds, as rules. Per-severity
 * thresholds expand to one rule each (`HighCpuUsage/warning`, `…/critical`).
 *
 * | rule | metric | warning | critical | for | actions |
 * |---|---|---|---|---|---|
 * | HighCpuUsage | cpu_percent | 70 | 90 | 1m | warn / throttle |
 * | HighMemoryUsage | memory_percent | 80 | 95 | 1m | clean / clean + critical log |
 * | TaskQueueBacklog | queue_size | 500 | 1000 | 30s | scale / scale |
 * | SlowTasks | response_time (p95, s) | 2 | 5 | 2m | warn / critical log |
 */
export const DEFAULT_ALERT_RULES: readonly AlertRuleInput[] = deepFreeze([
  {
    name: 'HighCpuUsage',
    metric: 'cpu_percent',
    threshold: { warning: 70, critical: 90 },
    for: '1m',
    keepFiringFor: '1m',
    action: { warning: 'warn', critical: 'throttle' },
    annotations: {
      summary: 'CPU usage is {{value}}% (threshold {{threshold}}%)',
      runbook: 'Throttle or scale out: the pool is shrunk at critical.',
    },
  },
  {
    name: 'HighMemoryUsage',
    metric: 'memory_percent',
    threshold: { warning: 80, critical: 95 },
    for: '1m',
    keepFiringFor: '1m',
    action: { warning: 'clean', critical: ['clean', 'critical'] },
    annotations: {
      summary: 'Memory usage is {{value}}% (threshold {{threshold}}%)',
      runbook: 'Clean up or scale out: the memory manager is optimised on firing.',
    },
  },
  {
    name: 'TaskQueueBacklog',
    metric: 'queue_size',
    threshold: { warning: 500, critical: 1000 },
    for: '30s',
    action: 'scale',
    annotations: {
      summary: '{{value}} tasks queued (threshold {{threshold}})',
      runbook: 'Add workers: the pool grows on firing, up to maxWorkers.',
    },
  },
  {
    name: 'SlowTasks',
    metric: 'response_time',
    threshold: { warning: 2, critical: 5 },
    for: '2m',
    action: { warning: 'warn', critical: 'critical' },
    annotations: {
      summary: 'Task p95 is {{value}} s (threshold {{threshold}} s)',
      runbook: 'Optimise or cache the slow tasks.',
    },
  },
]);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Evaluation interval per severity, milliseconds: the original's `set_intervals` (1 s / 5 s / 30 s).
 * A round collects the in-process reader once for every severity due (callers in the same tick share
 * that collection); host readings are cached for the host interval and the hot-path histograms are
 * plain numbers, so a 1 Hz round stays within the idle budget (bench/idle-cpu.js, docs/benchmarks.md).
 */
export const DEFAULT_ALERT_INTERVALS: Readonly<AlertIntervals> = Object.freeze({
  critical: 1000,
  warning: 5000,
  normal: 30_000,
});
