import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DERIVED_METRICS } from '../../core/derived-metrics.js';
import { ConfigError } from '../../core/errors.js';
import { ReportError } from '../errors.js';
import type { AlertRecord, AlertSource } from '../history/alert-log.js';
import { SERIES } from '../history/series.js';
import type { HistoryColumns, HistoryQuery } from '../history/store.js';
import { toCsv } from './csv.js';
import { buildReport, type Report } from './model.js';
import { toPdf } from './pdf.js';
import { formatOfPath, type ReportFormat, type ReportOptions, resolveReportOptions } from './period.js';

export type { ReportOptions } from './period.js';

/** `json` → the {@link Report} object, `csv` → string, `pdf` → Buffer. */
export type ReportOutput<F extends ReportFormat | undefined> = F extends 'pdf'
  ? Buffer
  : F extends 'csv'
    ? string
    : Report;

/** Most steps a report holds: enough for a chart, small enough for a CSV one reads. */
export const REPORT_POINTS = 300;

/** The series a report reads, as history query patterns. */
export const REPORT_SERIES: readonly string[] = Object.freeze([
  ...Object.values(DERIVED_METRICS).map((m) => m.field),
  SERIES.tasks,
  SERIES.taskErrors,
  SERIES.taskSeconds,
  SERIES.allocations,
  SERIES.evictions,
  `${SERIES.taskCountPrefix}*`,
  `${SERIES.taskSecondsPrefix}*`,
]);

/** What a report needs of the monitor. */
export interface ReportableMonitor {
  readonly serviceName: string;
  history(query: HistoryQuery): HistoryColumns;
  alertHistory(from?: number, to?: number): AlertRecord[];
  readonly alertSource: AlertSource | undefined;
}

/** The step a report over `[from, to)` uses: at most {@link REPORT_POINTS} steps, whole seconds. */
export function reportStepMillis(from: number, to: number): number {
  return Math.max(1000, Math.ceil((to - from) / REPORT_POINTS / 1000) * 1000);
}

/** Renders a built report in `format`. Rejects with {@link ReportError} when the period has no data. */
export async function renderReport(report: Report, format: ReportFormat): Promise<Report | string | Buffer> {
  if (report.metrics.every((m) => m.samples === 0)) {
    throw new ReportError(
      `no data for ${report.service} between ${report.period.from} and ${report.period.to}`,
    );
  }
  if (format === 'csv') return toCsv(report);
  if (format === 'pdf') return toPdf(report);
  return report;
}

/** `monitor.generateReport()`: the in-process history as a report. */
export async function generateReport<F extends ReportFormat | undefined>(
  monitor: ReportableMonitor,
  options: ReportOptions & { format?: F },
): Promise<ReportOutput<F>> {
  const o = resolveReportOptions(options);
  const columns = monitor.history({
    from: o.from,
    to: o.to,
    step: reportStepMillis(o.from, o.to),
    series: [...REPORT_SERIES],
  });
  const report = buildReport({
    service: monitor.serviceName,
    source: 'in-process',
    period: o,
    columns,
    alerts: monitor.alertHistory(o.from, o.to),
    thresholds: monitor.alertSource?.rules() ?? [],
  });
  return (await renderReport(report, o.format)) as ReportOutput<F>;
}

/** `monitor.exportReport(path)`: format from the extension, written atomically. */
export async function exportReportFile(
  monitor: ReportableMonitor,
  path: string,
  options: Omit<ReportOptions, 'format'>,
): Promise<string> {
  const format = formatOfPath(path);
  if (!format) throw new ConfigError('path', `must end in .json, .csv or .pdf, got '${path}'`);
  const output = await generateReport(monitor, { ...options, format });
  await writeReportFile(path, serializeReport(output));
  return path;
}

/** Bytes of a rendered report (JSON pretty-printed). */
export function serializeReport(output: Report | string | Buffer): string | Buffer {
  return typeof output === 'string' || Buffer.isBuffer(output)
    ? output
    : `${JSON.stringify(output, null, 2)}\n`;
}

/**
 * Writes next to `path` and renames into place, so a reader never sees half a report and a failure
 * leaves nothing behind. Rejects with {@link ReportError} naming the path.
 */
export async function writeReportFile(path: string, data: string | Buffer): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, data, { flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ReportError(`cannot write ${path}: ${code}`, { cause: error });
  }
}
