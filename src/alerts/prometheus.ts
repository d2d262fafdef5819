import { stringify } from 'yaml';
import { promName } from '../core/metric-names.js';
import { DEFAULT_ALERT_INTERVALS } from './defaults.js';
import { formatDuration } from './duration.js';
import { PromqlExportError } from './errors.js';
import { friendlyPromql, isFriendlyMetric } from './friendly.js';
import { normalizeRule, SEVERITIES } from './rules.js';
import type { AlertIntervals, AlertRule, AlertRuleInput, Severity } from './types.js';

/** Options of {@link toPrometheusRules}. */
export interface PrometheusRulesOptions {
  /** Group `interval` per severity, ms. Default {@link DEFAULT_ALERT_INTERVALS}. */
  intervals?: Partial<AlertIntervals>;
  /** Group name prefix; groups are `<prefix>.<severity>`. Default `'aiva-performance'`. */
  groupPrefix?: string;
  /** Skip rules that cannot be written as PromQL (listed in a comment) instead of throwing. Default false. */
  skipUnsupported?: boolean;
}

const BY = 'by (job, instance)';

const quote = (v: string): string => JSON.stringify(v);
const escapeRegex = (v: string): string => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function matchers(where: AlertRule['where']): string {
  if (!where || Object.keys(where).length === 0) return '';
  const parts = Object.entries(where).map(([k, v]) =>
    Array.isArray(v)
      ? `${promName(k)}=~${quote(v.map((x) => escapeRegex(String(x))).join('|'))}`
      : `${promName(k)}=${quote(String(v))}`,
  );
  return `{${parts.join(', ')}}`;
}

function selection(metric: string, where: AlertRule['where'], agg: string, range: string): string {
  const name = promName(metric);
  const m = matchers(where);
  switch (agg) {
    case 'rate':
      return `sum ${BY} (rate(${name}_total${m}[${range}]))`;
    case 'p50':
    case 'p90':
    case 'p95':
    case 'p99':
      return `histogram_quantile(${Number(agg.slice(1)) / 100}, sum by (job, instance, le) (rate(${name}_bucket${m}[${range}])))`;
    default:
      return `${agg} ${BY} (${name}${m})`;
  }
}

/** The PromQL of a rule's value (without the comparison). Throws PromqlExportError when impossible. */
export function ruleValuePromql(rule: AlertRule): string {
  if (rule.promql) return rule.promql;
  if (rule.transform) {
    throw new PromqlExportError(
      `rule ${rule.id} has a transform function; give it a promql string to export it`,
    );
  }
  const range = formatDuration(rule.rangeMillis);
  if (isFriendlyMetric(rule.metric)) return friendlyPromql(rule.metric, range);
  if (rule.aggregate === 'ratio') {
    const num = selection(rule.metric, rule.where, rule.ratioOf, range);
    const den = selection(
      rule.denominator?.metric ?? rule.metric,
      rule.denominator?.where,
      rule.ratioOf,
      range,
    );
    return `(${num}) / (${den})`;
  }
  return selection(rule.metric, rule.where, rule.aggregate, range);
}

function annotation(template: string, threshold: number): string {
  return template.replace(
    /\{\{\s*(value|threshold|labels\.([a-zA-Z_][a-zA-Z0-9_]*))\s*\}\}/g,
    (_, what, label) => {
      if (what === 'value') return '{{ printf "%.2f" $value }}';
      if (what === 'threshold') return String(threshold);
      return `{{ $labels.${label} }}`;
    },
  );
}

/**
 * The rules as a Prometheus rule-group file (YAML), in PromQL over the
 * metric names exporter-prometheus 0.223 produces, one group per severity
 * with that severity's evaluation interval. Accepted by Prometheus 2.42
 * (`keep_firing_for` included; no group labels).
 */
export function toPrometheusRules(
  rules: readonly (AlertRuleInput | AlertRule)[],
  options: PrometheusRulesOptions = {},
): string {
  const intervals = { ...DEFAULT_ALERT_INTERVALS, ...(options.intervals ?? {}) };
  const prefix = options.groupPrefix ?? 'aiva-performance';
  const normalized = rules.flatMap((r, i) =>
    'id' in r ? [r as AlertRule] : normalizeRule(r, `rules[${i}]`),
  );
  const skipped: string[] = [];
  const bySeverity = new Map<Severity, Record<string, unknown>[]>();
  for (const rule of normalized) {
    let value: string;
    try {
      value = ruleValuePromql(rule);
    } catch (error) {
      if (!options.skipUnsupported) throw error;
      skipped.push(rule.id);
      continue;
    }
    const out: Record<string, unknown> = {
      alert: rule.name,
      expr: `(${value}) ${rule.op} ${rule.threshold}`,
    };
    if (rule.forMillis > 0) out.for = formatDuration(rule.forMillis);
    if (rule.keepFiringForMillis > 0) out.keep_firing_for = formatDuration(rule.keepFiringForMillis);
    out.labels = { ...rule.labels, severity: rule.severity };
    const annotations = Object.entries(rule.annotations);
    if (annotations.length > 0) {
      out.annotations = Object.fromEntries(annotations.map(([k, v]) => [k, annotation(v, rule.threshold)]));
    }
    const list = bySeverity.get(rule.severity) ?? [];
    list.push(out);
    bySeverity.set(rule.severity, list);
  }
  const groups = SEVERITIES.filter((s) => bySeverity.has(s)).map((s) => ({
    name: `${prefix}.${s}`,
    interval: formatDuration(intervals[s]),
    rules: bySeverity.get(s),
  }));
  const header = [
    '# Generated by `aiva-perf rules export` from aiva-performance alert rules. Do not edit by hand.',
    ...(skipped.length > 0 ? [`# Skipped (not expressible in PromQL): ${skipped.join(', ')}`] : []),
  ].join('\n');
  return `${header}\n${stringify({ groups }, { lineWidth: 0 })}`;
}
