import { DERIVED_METRICS, type DerivedMetricName } from '../../core/derived-metrics.js';
import type { AlertRecord } from '../history/alert-log.js';
import { SERIES } from '../history/series.js';

/** Version of the report's JSON shape (docs/report.schema.json); bumped on any incompatible change. */
export const REPORT_SCHEMA_VERSION = 1;
export const REPORT_SCHEMA_ID = 'https://aiva-performance.dev/schemas/report-v1.json';

/** A number, or `null` where there was no data (JSON has no NaN). */
export type Num = number | null;

/** Per-metric summary over the period (docs/reports.md). */
export interface ReportMetric {
  /** Friendly name (`cpu_percent`), as in alert rules. */
  name: string;
  /** `CurrentMetrics` field (`cpuPercent`), the CSV's `metric` column. */
  field: string;
  unit: string;
  description: string;
  min: Num;
  avg: Num;
  p95: Num;
  max: Num;
  /** Steps with data. */
  samples: number;
}

export interface ReportTask {
  name: string;
  count: number;
  totalSeconds: number;
  avgSeconds: Num;
}

export interface ReportAlert {
  name: string;
  severity: string;
  metric: string | null;
  threshold: number | null;
  firedAt: string;
  resolvedAt: string | null;
  /** Firing time within the period; still firing counts up to the period's end. */
  durationSeconds: number;
}

/** The report, `format: 'json'`. Its JSON Schema is docs/report.schema.json. */
export interface Report {
  $schema: typeof REPORT_SCHEMA_ID;
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  service: string;
  /** Where the data came from. */
  source: 'in-process' | 'prometheus' | 'service';
  generatedAt: string;
  period: { label: string; from: string; to: string; stepSeconds: number };
  metrics: ReportMetric[];
  totals: { tasks: Num; errors: Num; taskSeconds: Num; allocations: Num; evictions: Num };
  topTasks: ReportTask[];
  alerts: ReportAlert[];
  /** Alert thresholds per metric field, for the charts' threshold lines. */
  thresholds: { field: string; severity: string; value: number }[];
  /** One value per step (min / avg / max) of each metric, by field. */
  series: { timestamps: string[]; columns: Record<string, { min: Num[]; avg: Num[]; max: Num[] }> };
}

/** Columns as `monitor.history()` returns them, or as read back from JSON (NaN as null). */
export interface ColumnsLike {
  timestamps: number[];
  stepMillis: number;
  series: Record<string, { min: Num[] | number[]; avg: Num[] | number[]; max: Num[] | number[] }>;
}

/** What every source (monitor, Prometheus, a running service) hands the report builder. */
export interface ReportInput {
  service: string;
  source: Report['source'];
  period: { label: string; from: number; to: number };
  columns: ColumnsLike;
  alerts: readonly AlertRecord[];
  thresholds: readonly { metric: string; severity: string; threshold: number }[];
  now?: number;
}

const TOP_TASKS = 10;
const toNum = (x: number | null | undefined): Num =>
  x === null || x === undefined || Number.isNaN(x) ? null : x;
const iso = (ms: number) => new Date(ms).toISOString();

/** Builds the report every format renders. */
export function buildReport(input: ReportInput): Report {
  const { columns, period } = input;
  const metrics: ReportMetric[] = [];
  const out: Report['series']['columns'] = {};
  for (const [name, m] of Object.entries(DERIVED_METRICS)) {
    const column = columns.series[m.field];
    const avg = (column?.avg ?? []).map(toNum);
    out[m.field] = { min: (column?.min ?? []).map(toNum), avg, max: (column?.max ?? []).map(toNum) };
    const values = avg.filter((x): x is number => x !== null);
    const sorted = [...values].sort((a, b) => a - b);
    metrics.push({
      name,
      field: m.field,
      unit: m.unit,
      description: m.description,
      min: extreme(Math.min, column?.min),
      avg: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
      p95: sorted.length ? (sorted[Math.ceil(0.95 * sorted.length) - 1] as number) : null,
      max: extreme(Math.max, column?.max),
      samples: values.length,
    });
  }
  const inc = (key: string) => increaseOf(columns.series[key]?.max);
  return {
    $schema: REPORT_SCHEMA_ID,
    schemaVersion: REPORT_SCHEMA_VERSION,
    service: input.service,
    source: input.source,
    generatedAt: iso(input.now ?? Date.now()),
    period: {
      label: period.label,
      from: iso(period.from),
      to: iso(period.to),
      stepSeconds: columns.stepMillis / 1000,
    },
    metrics,
    totals: {
      tasks: inc(SERIES.tasks),
      errors: inc(SERIES.taskErrors),
      taskSeconds: inc(SERIES.taskSeconds),
      allocations: inc(SERIES.allocations),
      evictions: inc(SERIES.evictions),
    },
    topTasks: topTasks(columns),
    alerts: input.alerts.map((a) => ({
      name: a.name,
      severity: a.severity,
      metric: a.metric,
      threshold: toNum(a.threshold),
      firedAt: iso(a.firedAt),
      resolvedAt: a.resolvedAt === null ? null : iso(a.resolvedAt),
      durationSeconds:
        Math.max(0, Math.min(a.resolvedAt ?? period.to, period.to) - Math.max(a.firedAt, period.from)) / 1000,
    })),
    thresholds: input.thresholds.flatMap((t) => {
      const m = DERIVED_METRICS[t.metric as DerivedMetricName];
      return m ? [{ field: m.field, severity: t.severity, value: t.threshold }] : [];
    }),
    series: { timestamps: columns.timestamps.map(iso), columns: out },
  };
}

function extreme(fn: (...xs: number[]) => number, values: readonly (number | null)[] | undefined): Num {
  const present = (values ?? []).map(toNum).filter((x): x is number => x !== null);
  return present.length ? present.reduce((a, b) => fn(a, b)) : null;
}

/**
 * Increase of a cumulative series over the period, reset-safe (a drop means the counter restarted).
 * A series that first appears after the period's first step started within it, from 0.
 */
export function increaseOf(values: readonly (number | null)[] | undefined): Num {
  if (!values) return null;
  let previous: number | undefined;
  let total = 0;
  let seen = false;
  values.forEach((raw, i) => {
    const value = toNum(raw);
    if (value === null) return;
    if (previous === undefined) previous = i === 0 ? value : 0;
    total += value >= previous ? value - previous : value;
    previous = value;
    seen = true;
  });
  return seen ? total : null;
}

function topTasks(columns: ColumnsLike): ReportTask[] {
  const tasks: ReportTask[] = [];
  for (const key of Object.keys(columns.series)) {
    if (!key.startsWith(SERIES.taskCountPrefix)) continue;
    const name = key.slice(SERIES.taskCountPrefix.length);
    const count = increaseOf(columns.series[key]?.max) ?? 0;
    const totalSeconds = increaseOf(columns.series[`${SERIES.taskSecondsPrefix}${name}`]?.max) ?? 0;
    if (count > 0) tasks.push({ name, count, totalSeconds, avgSeconds: count ? totalSeconds / count : null });
  }
  return tasks.sort((a, b) => b.totalSeconds - a.totalSeconds).slice(0, TOP_TASKS);
}
