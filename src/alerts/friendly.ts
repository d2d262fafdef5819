import {
  DERIVED_METRICS,
  type DerivedMetric,
  isDerivedMetric,
  selectionKey,
} from '../core/derived-metrics.js';
import type { FriendlyMetric } from './types.js';
import type { EvalContext } from './window.js';

/**
 * The friendly metrics alert rules accept (`cpu_percent`, `queue_size`, `response_time`, …): the
 * derived-metric table of src/core, so a rule, the monitor and the exported PromQL read the same
 * definition (docs/derived-metrics.md).
 */
export const FRIENDLY_METRICS = DERIVED_METRICS;

/** One entry of {@link FRIENDLY_METRICS}. */
export type FriendlyDefinition = DerivedMetric;

/** True when `metric` is a friendly name rather than an instrument name. */
export function isFriendlyMetric(metric: string): metric is FriendlyMetric {
  return isDerivedMetric(metric);
}

/**
 * A friendly metric's value for one rule: the table's computation, whose windows (rates, p95)
 * start at the rule's range memory, so they cover `rangeMillis` like PromQL's `[5m]`.
 */
export function evaluateFriendly(metric: FriendlyMetric, ctx: EvalContext): number | undefined {
  const definition = DERIVED_METRICS[metric];
  const value = definition.compute({
    snapshot: ctx.snap,
    baseline: (selection) => ctx.memory.baseline(selectionKey(selection), ctx.nowMs),
  });
  for (const s of definition.windows) {
    ctx.memory.record(selectionKey(s), ctx.nowMs, ctx.snap.select(s.name, s.where));
  }
  return value;
}

/** A friendly metric's PromQL over a Prometheus range such as `5m`. */
export function friendlyPromql(metric: FriendlyMetric, range: string): string {
  return DERIVED_METRICS[metric].promql({ range });
}
