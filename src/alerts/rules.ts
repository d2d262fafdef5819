import { aggregate, increase, type Where } from '../core/query.js';
import { histogramQuantile, windowedHistogram } from '../core/query-histogram.js';
import { parseDuration } from './duration.js';
import { AlertConfigError } from './errors.js';
import { FRIENDLY_METRICS, isFriendlyMetric } from './friendly.js';
import type { AlertAction, AlertRule, AlertRuleInput, ComparisonOp, Severity } from './types.js';
import type { EvalContext } from './window.js';

export const SEVERITIES: readonly Severity[] = Object.freeze(['critical', 'warning', 'normal']);
const OPS: readonly ComparisonOp[] = Object.freeze(['>', '>=', '<', '<=', '==', '!=']);
const AGGREGATES = Object.freeze([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'rate',
  'p50',
  'p90',
  'p95',
  'p99',
  'ratio',
]);
const BUILTIN_ACTIONS = Object.freeze(['clean', 'scale', 'throttle', 'warn', 'critical', 'none']);
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Default window of `rate`, `pNN` and `ratio` (5 min), as the exported `[5m]`. */
export const DEFAULT_RANGE_MILLIS = 300_000;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkStrings(value: unknown, field: string, keyPattern?: RegExp): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new AlertConfigError(`${field} must be an object of strings`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new AlertConfigError(`${field}.${k} must be a string`);
    if (keyPattern && !keyPattern.test(k))
      throw new AlertConfigError(`${field}.${k} is not a valid label name`);
  }
  return { ...(value as Record<string, string>) };
}

function checkActions(value: unknown, field: string): AlertAction[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  for (const a of list) {
    if (typeof a !== 'function' && !BUILTIN_ACTIONS.includes(a as string)) {
      throw new AlertConfigError(`${field} must be one of ${BUILTIN_ACTIONS.join(', ')} or a function`);
    }
  }
  return list as AlertAction[];
}

/**
 * Validates a rule and expands per-severity thresholds into one rule per
 * severity. Throws {@link AlertConfigError} naming the field (`field` is the
 * prefix, e.g. `rules[2]`).
 */
export function normalizeRule(input: AlertRuleInput, field = 'rule'): AlertRule[] {
  if (!isRecord(input)) throw new AlertConfigError(`${field} must be an object`);
  if (typeof input.name !== 'string' || !NAME.test(input.name)) {
    throw new AlertConfigError(`${field}.name must match ${NAME.source}`);
  }
  if (typeof input.metric !== 'string' || input.metric.length === 0) {
    throw new AlertConfigError(
      `${field}.metric must be an instrument name or one of ${Object.keys(FRIENDLY_METRICS).join(', ')}`,
    );
  }
  const aggregateName = input.aggregate ?? 'avg';
  if (!AGGREGATES.includes(aggregateName))
    throw new AlertConfigError(`${field}.aggregate must be one of ${AGGREGATES.join(', ')}`);
  const op = input.op ?? '>';
  if (!OPS.includes(op)) throw new AlertConfigError(`${field}.op must be one of ${OPS.join(' ')}`);
  if (input.where !== undefined && !isRecord(input.where))
    throw new AlertConfigError(`${field}.where must be an object`);
  if (input.transform !== undefined && typeof input.transform !== 'function') {
    throw new AlertConfigError(`${field}.transform must be a function`);
  }
  if (input.noData !== undefined && input.noData !== 'nodata' && input.noData !== 'alerting') {
    throw new AlertConfigError(`${field}.noData must be 'nodata' or 'alerting'`);
  }
  const ratioOf = input.ratioOf ?? 'rate';
  if (!['rate', 'sum', 'avg', 'min', 'max', 'count'].includes(ratioOf)) {
    throw new AlertConfigError(`${field}.ratioOf must be one of rate, sum, avg, min, max, count`);
  }
  const rangeMillis = input.rangeMillis ?? DEFAULT_RANGE_MILLIS;
  if (!Number.isFinite(rangeMillis) || rangeMillis <= 0)
    throw new AlertConfigError(`${field}.rangeMillis must be a positive number`);
  if (input.promql !== undefined && (typeof input.promql !== 'string' || input.promql.trim() === '')) {
    throw new AlertConfigError(`${field}.promql must be a non-empty string`);
  }
  const forMillis = parseDuration(input.for, `${field}.for`);
  const keepFiringForMillis = parseDuration(input.keepFiringFor, `${field}.keepFiringFor`);
  const labels = checkStrings(input.labels, `${field}.labels`, LABEL);
  const annotations = checkStrings(input.annotations, `${field}.annotations`, LABEL);

  let thresholds: [Severity, number][];
  if (typeof input.threshold === 'number') {
    const severity = input.severity ?? 'warning';
    if (!SEVERITIES.includes(severity))
      throw new AlertConfigError(`${field}.severity must be one of ${SEVERITIES.join(', ')}`);
    thresholds = [[severity, input.threshold]];
  } else if (isRecord(input.threshold)) {
    thresholds = Object.entries(input.threshold) as [Severity, number][];
    if (thresholds.length === 0 || thresholds.some(([s]) => !SEVERITIES.includes(s))) {
      throw new AlertConfigError(`${field}.threshold must have keys among ${SEVERITIES.join(', ')}`);
    }
  } else {
    throw new AlertConfigError(`${field}.threshold must be a finite number or { warning, critical, normal }`);
  }
  for (const [severity, t] of thresholds) {
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      throw new AlertConfigError(
        `${field}.threshold${typeof input.threshold === 'number' ? '' : `.${severity}`} must be a finite number`,
      );
    }
  }
  const perSeverityActions =
    isRecord(input.action) && typeof input.action !== 'function' && !Array.isArray(input.action);

  return thresholds.map(([severity, threshold]) => ({
    id: `${input.name}/${severity}`,
    name: input.name,
    metric: input.metric,
    where: input.where ? { ...input.where } : undefined,
    aggregate: aggregateName,
    denominator: input.denominator,
    ratioOf,
    transform: input.transform,
    op,
    threshold,
    forMillis,
    keepFiringForMillis,
    severity,
    actions: perSeverityActions
      ? checkActions((input.action as Record<string, unknown>)[severity], `${field}.action.${severity}`)
      : checkActions(input.action, `${field}.action`),
    labels,
    annotations,
    noData: input.noData ?? 'nodata',
    rangeMillis,
    promql: input.promql,
  }));
}

/** Computes a rule's value from one snapshot; `undefined` = no data. NaN passes through. */
export function evaluateRuleValue(rule: AlertRule, ctx: EvalContext): number | undefined {
  let value: number | undefined;
  if (isFriendlyMetric(rule.metric)) {
    value = FRIENDLY_METRICS[rule.metric].evaluate(ctx);
  } else {
    value = selectionValue(
      ctx,
      'v',
      rule.metric,
      rule.where,
      rule.aggregate === 'ratio' ? rule.ratioOf : rule.aggregate,
    );
    if (rule.aggregate === 'ratio' && value !== undefined) {
      const den = selectionValue(
        ctx,
        'd',
        rule.denominator?.metric ?? rule.metric,
        rule.denominator?.where,
        rule.ratioOf,
      );
      value = den === undefined ? undefined : value / den;
    }
  }
  if (value !== undefined && rule.transform) value = rule.transform(value);
  return value;
}

function selectionValue(
  ctx: EvalContext,
  slot: string,
  metric: string,
  where: Where | undefined,
  agg: AlertRule['aggregate'],
): number | undefined {
  const sel = ctx.snap.select(metric, where);
  switch (agg) {
    case 'rate': {
      const inc = increase(ctx.memory.baseline(slot, ctx.nowMs), sel);
      ctx.memory.record(slot, ctx.nowMs, sel);
      if (!inc) return undefined;
      return inc.seconds > 0 ? inc.increase / inc.seconds : Number.NaN;
    }
    case 'p50':
    case 'p90':
    case 'p95':
    case 'p99': {
      if (sel.length === 0) return undefined;
      const w = windowedHistogram(ctx.memory.baseline(slot, ctx.nowMs), sel);
      ctx.memory.record(slot, ctx.nowMs, sel);
      return histogramQuantile(Number(agg.slice(1)) / 100, w);
    }
    case 'ratio':
      return undefined;
    default:
      if (sel.length === 0 && (agg !== 'count' || !ctx.snap.has(metric))) return undefined;
      return aggregate(
        sel.map((s) => s.value),
        agg,
      );
  }
}

/** The comparison; NaN (and ±Inf vs NaN thresholds) never holds. */
export function compare(value: number, op: ComparisonOp, threshold: number): boolean {
  if (Number.isNaN(value)) return false;
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}
