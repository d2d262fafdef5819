import { aggregate, increase, type Where } from '../core/query.js';
import { histogramQuantile, windowedHistogram } from '../core/query-histogram.js';
import type { FriendlyMetric } from './types.js';
import type { EvalContext } from './window.js';

const MIB = 1024 * 1024;

/** A friendly metric: how to compute it in-process and as PromQL. */
export interface FriendlyDefinition {
  readonly description: string;
  readonly unit: string;
  /** `undefined` = no data. */
  evaluate(ctx: EvalContext): number | undefined;
  /** PromQL for the value; `range` is a Prometheus duration such as `5m`. */
  promql(range: string): string;
}

const BY = 'by (job, instance)';

function sumOf(ctx: EvalContext, name: string, where?: Where): number | undefined {
  const sel = ctx.snap.select(name, where);
  return sel.length === 0
    ? undefined
    : aggregate(
        sel.map((s) => s.value),
        'sum',
      );
}

/** Increase of a histogram's count over the range, remembered in `slot`. */
function countIncrease(ctx: EvalContext, slot: string, name: string, where?: Where): number | undefined {
  const sel = ctx.snap.select(name, where);
  const inc = increase(ctx.memory.baseline(slot, ctx.nowMs), sel);
  ctx.memory.record(slot, ctx.nowMs, sel);
  return inc?.increase;
}

/** Friendly names from the original module, mapped onto the instruments the SDK exports. */
export const FRIENDLY_METRICS: Readonly<Record<FriendlyMetric, FriendlyDefinition>> = Object.freeze({
  cpu_percent: {
    description: '100 × (1 − average idle utilisation over all CPUs)',
    unit: '%',
    evaluate: (ctx) => {
      const idle = ctx.snap.select('system.cpu.utilization', { 'system.cpu.state': 'idle' });
      const avg = aggregate(
        idle.map((s) => s.value),
        'avg',
      );
      return avg === undefined ? undefined : 100 * (1 - avg);
    },
    promql: () => `100 * (1 - avg ${BY} (system_cpu_utilization{system_cpu_state="idle"}))`,
  },
  memory_percent: {
    description: '100 × (1 − MemAvailable / total)',
    unit: '%',
    evaluate: (ctx) => {
      const limit = sumOf(ctx, 'system.memory.limit');
      const available = sumOf(ctx, 'system.memory.linux.available');
      if (limit === undefined || available === undefined) return undefined;
      return 100 * (1 - available / limit);
    },
    promql: () => `100 * (1 - sum ${BY} (system_memory_linux_available) / sum ${BY} (system_memory_limit))`,
  },
  memory_used_mb: {
    description: '(total − MemAvailable) in MiB',
    unit: 'MiB',
    evaluate: (ctx) => {
      const limit = sumOf(ctx, 'system.memory.limit');
      const available = sumOf(ctx, 'system.memory.linux.available');
      if (limit === undefined || available === undefined) return undefined;
      return (limit - available) / MIB;
    },
    promql: () => `(sum ${BY} (system_memory_limit) - sum ${BY} (system_memory_linux_available)) / 1048576`,
  },
  swap_percent: {
    description: 'swap used / (used + free) × 100; 0 without swap',
    unit: '%',
    evaluate: (ctx) => {
      const used = sumOf(ctx, 'system.paging.usage', { 'system.paging.state': 'used' });
      const total = sumOf(ctx, 'system.paging.usage');
      if (total === undefined) return undefined;
      return total > 0 ? (100 * (used ?? 0)) / total : 0;
    },
    promql: () =>
      `100 * sum ${BY} (system_paging_usage{system_paging_state="used"}) / clamp_min(sum ${BY} (system_paging_usage), 1)`,
  },
  load_average_1m: {
    description: '1-minute load average',
    unit: '1',
    evaluate: (ctx) => {
      const sel = ctx.snap.select('system.cpu.load_average.1m');
      return aggregate(
        sel.map((s) => s.value),
        'max',
      );
    },
    promql: () => `max ${BY} (system_cpu_load_average_1m)`,
  },
  queue_size: {
    description: 'items waiting, summed over all registered queues',
    unit: '{item}',
    evaluate: (ctx) => sumOf(ctx, 'aiva.task.queue.size'),
    promql: () => `sum ${BY} (aiva_task_queue_size)`,
  },
  response_time: {
    description: 'p95 of aiva.task.duration over the range, seconds',
    unit: 's',
    evaluate: (ctx) => {
      const sel = ctx.snap.select('aiva.task.duration');
      if (sel.length === 0) return undefined;
      const w = windowedHistogram(ctx.memory.baseline('h', ctx.nowMs), sel);
      ctx.memory.record('h', ctx.nowMs, sel);
      return histogramQuantile(0.95, w);
    },
    promql: (range) =>
      `histogram_quantile(0.95, sum by (job, instance, le) (rate(aiva_task_duration_bucket[${range}])))`,
  },
  error_rate: {
    description: 'failed / all tasks over the range (0..1)',
    unit: '1',
    evaluate: (ctx) => {
      const failed = countIncrease(ctx, 'num', 'aiva.task.duration', { 'aiva.task.outcome': 'error' });
      const all = countIncrease(ctx, 'den', 'aiva.task.duration');
      if (all === undefined) return undefined;
      return (failed ?? 0) / all;
    },
    promql: (range) =>
      `sum ${BY} (rate(aiva_task_duration_count{aiva_task_outcome="error"}[${range}])) / sum ${BY} (rate(aiva_task_duration_count[${range}]))`,
  },
});

export function isFriendlyMetric(metric: string): metric is FriendlyMetric {
  return Object.hasOwn(FRIENDLY_METRICS, metric);
}
