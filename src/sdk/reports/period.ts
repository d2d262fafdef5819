import { ConfigError } from '../../core/errors.js';
import { oneOf, options, parseOptions, satisfies, v } from '../../core/options-schema.js';
import { DAY_MILLIS, HOUR_MILLIS } from '../history/store.js';

export const REPORT_FORMATS = Object.freeze(['json', 'csv', 'pdf'] as const);
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const NAMED_PERIODS = Object.freeze({
  last_1h: HOUR_MILLIS,
  last_24h: DAY_MILLIS,
  last_7d: 7 * DAY_MILLIS,
});
export type NamedPeriod = keyof typeof NAMED_PERIODS;

/** A named period ending now, or an explicit range (ms since the epoch or Dates). */
export type ReportPeriod = NamedPeriod | { from: number | Date; to: number | Date };

/** Options of `monitor.generateReport()`. */
export interface ReportOptions {
  /** Default `'last_24h'`. @example { period: { from: Date.parse('2026-11-30T00:00Z'), to: Date.now() } } */
  period?: ReportPeriod;
  /** `'json'` (the report object), `'csv'` (a string) or `'pdf'` (a Buffer). Default `'json'`. */
  format?: ReportFormat;
}

const time = () =>
  satisfies<number | Date>(
    (x) => (typeof x === 'number' && Number.isFinite(x)) || (x instanceof Date && !Number.isNaN(x.getTime())),
    'must be a time in ms since the epoch or a Date',
  );

export const REPORT_OPTIONS_SCHEMA = options({
  period: v.optional(
    v.union(
      [
        oneOf(Object.keys(NAMED_PERIODS) as [NamedPeriod, ...NamedPeriod[]]),
        options({ from: time(), to: time() }),
      ],
      `must be one of ${Object.keys(NAMED_PERIODS).join(', ')} or { from, to }`,
    ),
  ),
  format: v.optional(oneOf(REPORT_FORMATS)),
});

/** Validated report options: the period as a range plus its label. */
export function resolveReportOptions(input: unknown, field = 'options', now = Date.now()) {
  const o = parseOptions(REPORT_OPTIONS_SCHEMA, input ?? {}, field);
  const period = o.period ?? 'last_24h';
  const format: ReportFormat = o.format ?? 'json';
  if (typeof period === 'string') {
    return { from: now - NAMED_PERIODS[period], to: now, label: period, format };
  }
  const from = +period.from;
  const to = +period.to;
  if (!(to > from))
    throw new ConfigError(`${field}.period.to`, `must be after ${field}.period.from, got ${to}`);
  return { from, to, label: `${new Date(from).toISOString()}/${new Date(to).toISOString()}`, format };
}

/** The format a path's extension names, or undefined. */
export function formatOfPath(path: string): ReportFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  return REPORT_FORMATS.find((f) => f === ext);
}
