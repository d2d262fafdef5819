import { DEFAULT_ALERT_RULES } from '../../alerts/defaults.js';
import { normalizeRule } from '../../alerts/rules.js';
import { DERIVED_METRICS } from '../../core/derived-metrics.js';
import { ATTR, METRIC, promName } from '../../core/metric-names.js';
import { ReportError } from '../errors.js';
import type { AlertRecord } from '../history/alert-log.js';
import { SERIES } from '../history/series.js';
import { REPORT_SERIES } from './index.js';
import type { ColumnsLike, Num, ReportInput } from './model.js';

/** A range to report on, ms since the epoch. */
export interface SourceRange {
  from: number;
  to: number;
  stepMillis: number;
  label: string;
  /** Called after each request, for a progress bar. */
  onProgress?: (done: number, total: number) => void;
}

async function getJson(url: string, what: string, headers: Record<string, string> = {}): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const c = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message ?? (error as Error).message;
    throw new ReportError(`cannot reach ${what} at ${new URL(url).origin}: ${cause}`, { cause: error });
  }
  if (response.status === 401)
    throw new ReportError(`${what} at ${new URL(url).origin} answered 401 Unauthorized: pass --token`);
  if (!response.ok) {
    const body = (await response.text()).slice(0, 200).replace(/\s+/g, ' ');
    throw new ReportError(`${what} answered HTTP ${response.status} for ${new URL(url).pathname}: ${body}`);
  }
  return response.json();
}

// ---- a running service's dashboard API ----------------------------------------------------------

/** Reads the history and alert history of a running service (`/api/history`, `/api/alerts`). */
export async function serviceSource(base: string, range: SourceRange, token?: string): Promise<ReportInput> {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const origin = base.replace(/\/+$/, '');
  const what = 'the service';
  const q = new URLSearchParams({
    from: String(range.from),
    to: String(range.to),
    step: String(range.stepMillis),
    series: REPORT_SERIES.join(','),
  });
  const current = (await getJson(`${origin}/api/current`, what, headers)) as { service?: string };
  range.onProgress?.(1, 3);
  const columns = (await getJson(`${origin}/api/history?${q}`, what, headers)) as ColumnsLike;
  range.onProgress?.(2, 3);
  const alerts = (await getJson(`${origin}/api/alerts?from=${range.from}`, what, headers)) as {
    history: AlertRecord[];
    rules: { metric: string; severity: string; threshold: number }[];
  };
  range.onProgress?.(3, 3);
  return {
    service: current.service ?? origin,
    source: 'service',
    period: range,
    columns,
    alerts: alerts.history.filter((a) => a.firedAt <= range.to),
    thresholds: alerts.rules,
  };
}

// ---- Prometheus query_range ---------------------------------------------------------------------

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

/** The default rules, expanded per severity: the thresholds a Prometheus-backed report draws. */
function defaultThresholds() {
  return DEFAULT_ALERT_RULES.flatMap((r) => normalizeRule(r)).map((r) => ({
    metric: r.metric,
    severity: r.severity,
    threshold: r.threshold,
    name: r.name,
    op: r.op,
  }));
}

/**
 * Builds the report's input from a Prometheus server: every derived metric's PromQL (the same table
 * the monitor computes from), the task, memory and alert counters, over `query_range`.
 */
export async function prometheusSource(base: string, job: string, range: SourceRange): Promise<ReportInput> {
  const origin = base.replace(/\/+$/, '');
  const stepSeconds = range.stepMillis / 1000;
  const start = Math.floor(range.from / range.stepMillis) * range.stepMillis;
  const timestamps: number[] = [];
  for (let t = start; t < range.to; t += range.stepMillis) timestamps.push(t);
  // The history keeps per step what happened within it (for a counter, its value at the step's end),
  // so Prometheus is asked at each step's end: the same instants, whatever the scrape phase.
  const evalStart = start + range.stepMillis;
  const evalEnd = (timestamps.at(-1) ?? start) + range.stepMillis;
  const matchers = `job=${JSON.stringify(job)}`;
  const rateRange = `${Math.max(60, 2 * stepSeconds)}s`;
  const count = `${promName(METRIC.taskDuration)}_count`;
  const sel = (name: string, extra = '') => `${name}{${matchers}${extra ? `,${extra}` : ''}}`;
  const taskLabel = promName(ATTR.taskName);

  const queries: { expr: string; key: (m: Record<string, string>) => string | undefined }[] = [
    ...Object.values(DERIVED_METRICS).map((m) => {
      const reduce = ['%', '1', 's', '{thread}'].includes(m.unit) ? 'avg' : 'sum';
      return { expr: `${reduce}(${m.promql({ matchers, range: rateRange })})`, key: () => m.field };
    }),
    { expr: `sum(${sel(count)})`, key: () => SERIES.tasks },
    {
      expr: `sum(${sel(count, `${promName(ATTR.taskOutcome)}="error"`)}) or 0 * sum(${sel(count)})`,
      key: () => SERIES.taskErrors,
    },
    { expr: `sum(${sel(`${promName(METRIC.taskDuration)}_sum`)})`, key: () => SERIES.taskSeconds },
    {
      expr: `sum(${sel(`${promName(METRIC.memoryManagerAllocations)}_total`, `${promName(ATTR.memoryManagerOutcome)}="ok"`)})`,
      key: () => SERIES.allocations,
    },
    { expr: `sum(${sel(`${promName(METRIC.memoryManagerEvictions)}_total`)})`, key: () => SERIES.evictions },
    { expr: `sum by (${taskLabel}) (${sel(count)})`, key: (m) => `${SERIES.taskCountPrefix}${m[taskLabel]}` },
    {
      expr: `sum by (${taskLabel}) (${sel(`${promName(METRIC.taskDuration)}_sum`)})`,
      key: (m) => `${SERIES.taskSecondsPrefix}${m[taskLabel]}`,
    },
  ];
  const alertExpr = `max by (${ATTR.alertName}, ${ATTR.alertSeverity}) (${sel(promName(METRIC.alertsActive), `${ATTR.alertState}="firing"`)})`;
  const total = queries.length + 1;
  let done = 0;
  const run = async (expr: string): Promise<Matrix> => {
    const q = new URLSearchParams({
      query: expr,
      start: String(evalStart / 1000),
      end: String(evalEnd / 1000),
      step: String(stepSeconds),
    });
    const body = (await getJson(`${origin}/api/v1/query_range?${q}`, 'Prometheus')) as {
      data?: { result?: Matrix };
    };
    range.onProgress?.(++done, total);
    return body.data?.result ?? [];
  };

  const series: ColumnsLike['series'] = {};
  for (const { expr, key } of queries) {
    for (const s of await run(expr)) {
      const name = key(s.metric);
      if (!name) continue;
      const values: Num[] = timestamps.map(() => null);
      for (const [t, v] of s.values) {
        const i = Math.round((t * 1000 - evalStart) / range.stepMillis);
        if (i >= 0 && i < values.length) values[i] = Number(v);
      }
      series[name] = { min: values, avg: values, max: values };
    }
  }
  const rules = defaultThresholds();
  const alerts: AlertRecord[] = [];
  for (const s of await run(alertExpr)) {
    const name = s.metric[ATTR.alertName] ?? 'unknown';
    const severity = s.metric[ATTR.alertSeverity] ?? 'warning';
    const rule = rules.find((r) => r.name === name && r.severity === severity);
    let open: AlertRecord | undefined;
    let last = Number.NaN;
    for (const [t, v] of s.values) {
      const ms = t * 1000 - range.stepMillis; // the step it closes
      // A gap of more than one step between firing points is a resolve followed by a new firing.
      if (open && ms - last > range.stepMillis * 1.5) {
        open.resolvedAt = last + range.stepMillis;
        open = undefined;
      }
      if (Number(v) >= 1 && !open) {
        open = {
          id: `${name}/${severity}`,
          name,
          severity,
          metric: rule?.metric ?? null,
          op: rule?.op ?? '>',
          threshold: rule?.threshold ?? Number.NaN,
          value: null,
          firedAt: ms,
          resolvedAt: null,
        };
        alerts.push(open);
      }
      last = ms;
    }
    if (open && range.to - last > range.stepMillis * 1.5) open.resolvedAt = last + range.stepMillis;
  }
  return {
    service: job,
    source: 'prometheus',
    period: range,
    columns: { timestamps, stepMillis: range.stepMillis, series },
    alerts,
    thresholds: rules,
  };
}
