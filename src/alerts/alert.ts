import type { RuleState } from './state.js';
import type { Alert, AlertIntervals, AlertRule } from './types.js';

/** What `GET /alerts` serves. */
export interface AlertsStatus {
  service: string | null;
  /** ISO time of the last evaluation round, null before the first. */
  evaluatedAt: string | null;
  intervals: AlertIntervals;
  alerts: Alert[];
  /** Rules on an instrument name nothing reports (after a few evaluations): likely a typo. */
  missingMetrics: { rule: string; metric: string }[];
}

/** `{ service?, ...rule.labels, alertname, severity }` — alertname and severity cannot be overridden. */
export function renderLabels(
  rule: AlertRule,
  serviceName: string | undefined,
): Readonly<Record<string, string>> {
  return Object.freeze({
    ...(serviceName ? { service: serviceName } : {}),
    ...rule.labels,
    alertname: rule.name,
    severity: rule.severity,
  });
}

/** Formats a value for annotations: two decimals, `NaN`, or `no data`. */
export function formatValue(value: number | null): string {
  if (value === null) return 'no data';
  if (Number.isNaN(value)) return 'NaN';
  return value.toFixed(2);
}

/** Substitutes `{{value}}`, `{{threshold}}` and `{{labels.NAME}}` in each annotation. */
export function renderAnnotations(
  annotations: Readonly<Record<string, string>>,
  value: number | null,
  threshold: number,
  labels: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, template] of Object.entries(annotations)) {
    out[k] = template.replace(
      /\{\{\s*(value|threshold|labels\.([a-zA-Z_][a-zA-Z0-9_]*))\s*\}\}/g,
      (_, what, label) => {
        if (what === 'value') return formatValue(value);
        if (what === 'threshold') return String(threshold);
        return labels[label as string] ?? '';
      },
    );
  }
  return out;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** A plain, JSON-serialisable snapshot of one rule's alert. */
export function buildAlert(rule: AlertRule, st: RuleState, labels: Readonly<Record<string, string>>): Alert {
  return {
    id: rule.id,
    name: rule.name,
    severity: rule.severity,
    state: st.state,
    value: st.value === null || Number.isFinite(st.value) ? st.value : null,
    threshold: rule.threshold,
    op: rule.op,
    labels,
    annotations: renderAnnotations(rule.annotations, st.value, rule.threshold, labels),
    activeAt: iso(st.activeAtMs),
    firedAt: st.state === 'firing' || st.resolvedAtMs !== undefined ? iso(st.firedAtMs) : null,
    resolvedAt: iso(st.resolvedAtMs),
    lastEvaluatedAt: iso(st.lastEvaluatedAtMs),
  };
}
