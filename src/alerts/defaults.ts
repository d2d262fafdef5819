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
 * Evaluation interval per severity, milliseconds. The original's `set_intervals` example used
 * 1 s / 5 s / 30 s; each round collects every instrument (~2–7 ms of CPU here), so 1 s alone cost
 * ~0.6% of a core on an idle service, against the < 1% idle budget. The default rules' `for` is
 * 30 s – 2 min, which 5 s evaluation resolves well. `monitor.setIntervals()` restores 1 s if wanted.
 */
export const DEFAULT_ALERT_INTERVALS: Readonly<AlertIntervals> = Object.freeze({
  critical: 5000,
  warning: 15_000,
  normal: 30_000,
});
