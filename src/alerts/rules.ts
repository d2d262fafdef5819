import type { AttributeValue } from '@opentelemetry/api';
import {
  type Assert,
  finite,
  fn,
  isPlainObject,
  type MatchesSchema,
  nonEmptyString,
  oneOf,
  options,
  parseOptions,
  positive,
  type Schema,
  satisfies,
  stringRecord,
  v,
} from '../core/options-schema.js';
import { aggregate, increase, type Where } from '../core/query.js';
import { histogramQuantile, windowedHistogram } from '../core/query-histogram.js';
import { parseDuration } from './duration.js';
import { AlertConfigError } from './errors.js';
import { evaluateFriendly, FRIENDLY_METRICS, isFriendlyMetric } from './friendly.js';
import type {
  ActionFunction,
  AlertAction,
  AlertRule,
  AlertRuleInput,
  ComparisonOp,
  Duration,
  Severity,
} from './types.js';
import type { EvalContext } from './window.js';

export const SEVERITIES: readonly Severity[] = Object.freeze(['critical', 'warning', 'normal']);
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Default window of `rate`, `pNN` and `ratio` (5 min), as the exported `[5m]`. */
export const DEFAULT_RANGE_MILLIS = 300_000;

const optional = v.optional;
const BUILTIN_ACTIONS = ['clean', 'scale', 'throttle', 'warn', 'critical', 'none'] as const;
const ACTION_MESSAGE = `must be one of ${BUILTIN_ACTIONS.join(', ')} or a function`;
const action = () =>
  v.union([v.picklist(BUILTIN_ACTIONS), fn<ActionFunction>()], ACTION_MESSAGE) as Schema<AlertAction>;
const actions = () => v.union([action(), v.array(action(), ACTION_MESSAGE)], ACTION_MESSAGE);
const where = () =>
  satisfies<Record<string, AttributeValue | AttributeValue[]>>(isPlainObject, 'must be an object');
const duration = () =>
  satisfies<Duration>((value) => {
    try {
      parseDuration(value as Duration, '');
      return true;
    } catch {
      return false;
    }
  }, "must be a non-negative number of milliseconds or a duration like '30s'");
const perSeverity = <T>(schema: Schema<T>) =>
  options({ critical: optional(schema), warning: optional(schema), normal: optional(schema) });

/** The one declaration of {@link AlertRuleInput}: strict, so `thresold: 80` is an error, not a no-op. */
export const RULE_INPUT_SCHEMA = options({
  name: v.pipe(v.string(`must match ${NAME.source}`), v.regex(NAME, `must match ${NAME.source}`)),
  metric: v.pipe(
    v.string(),
    v.minLength(1, `must be an instrument name or one of ${Object.keys(FRIENDLY_METRICS).join(', ')}`),
  ),
  where: optional(where()),
  aggregate: optional(
    oneOf(['sum', 'avg', 'min', 'max', 'count', 'rate', 'p50', 'p90', 'p95', 'p99', 'ratio']),
  ),
  denominator: optional(options({ metric: optional(nonEmptyString()), where: optional(where()) })),
  ratioOf: optional(oneOf(['rate', 'sum', 'avg', 'min', 'max', 'count'])),
  transform: optional(fn<(value: number) => number>()),
  op: optional(oneOf(['>', '>=', '<', '<=', '==', '!='])),
  threshold: v.union(
    [
      finite(),
      v.pipe(
        perSeverity(finite()),
        v.check((t) => Object.keys(t).length > 0, 'must have keys among critical, warning, normal'),
      ),
    ],
    'must be a finite number or { warning, critical, normal }',
  ),
  for: optional(duration()),
  keepFiringFor: optional(duration()),
  severity: optional(oneOf(['critical', 'warning', 'normal'])),
  action: optional(v.union([actions(), perSeverity(actions())], ACTION_MESSAGE)),
  labels: optional(stringRecord(LABEL, 'is not a valid label name')),
  annotations: optional(stringRecord(LABEL, 'is not a valid label name')),
  noData: optional(oneOf(['nodata', 'alerting'])),
  rangeMillis: optional(positive('milliseconds')),
  promql: optional(nonEmptyString()),
});

/** Compile-time only: {@link AlertRuleInput} and its schema accept the same objects. */
export type AlertRuleInputMatchesSchema = Assert<
  MatchesSchema<AlertRuleInput, v.InferInput<typeof RULE_INPUT_SCHEMA>>
>;

/**
 * Validates a rule and expands per-severity thresholds into one rule per
 * severity. Throws {@link AlertConfigError} naming the field (`field` is the
 * prefix, e.g. `options.rules[2]`).
 */
export function normalizeRule(raw: AlertRuleInput, field = 'rule'): AlertRule[] {
  const input = parseOptions(RULE_INPUT_SCHEMA, raw, field, AlertConfigError);
  const thresholds: [Severity, number][] =
    typeof input.threshold === 'number'
      ? [[input.severity ?? 'warning', input.threshold]]
      : // the user's key order (the schema's output is in declaration order)
        Object.entries(raw.threshold).filter((entry): entry is [Severity, number] => entry[1] !== undefined);
  const perSeverityActions = isPlainObject(input.action);
  const actionsOf = (severity: Severity): AlertAction[] => {
    const value = perSeverityActions
      ? (input.action as Partial<Record<Severity, AlertAction | AlertAction[]>>)[severity]
      : (input.action as AlertAction | AlertAction[] | undefined);
    return value === undefined ? [] : Array.isArray(value) ? [...value] : [value];
  };
  const forMillis = parseDuration(input.for, `${field}.for`);
  const keepFiringForMillis = parseDuration(input.keepFiringFor, `${field}.keepFiringFor`);

  return thresholds.map(([severity, threshold]) => ({
    id: `${input.name}/${severity}`,
    name: input.name,
    metric: input.metric,
    where: input.where ? { ...input.where } : undefined,
    aggregate: input.aggregate ?? 'avg',
    denominator: input.denominator,
    ratioOf: input.ratioOf ?? 'rate',
    transform: input.transform,
    op: input.op ?? '>',
    threshold,
    forMillis,
    keepFiringForMillis,
    severity,
    actions: actionsOf(severity),
    labels: { ...input.labels },
    annotations: { ...input.annotations },
    noData: input.noData ?? 'nodata',
    rangeMillis: input.rangeMillis ?? DEFAULT_RANGE_MILLIS,
    promql: input.promql,
  }));
}

/** Computes a rule's value from one snapshot; `undefined` = no data. NaN passes through. */
export function evaluateRuleValue(rule: AlertRule, ctx: EvalContext): number | undefined {
  let value: number | undefined;
  if (isFriendlyMetric(rule.metric)) {
    value = evaluateFriendly(rule.metric, ctx);
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
