import type { Report } from './model.js';

/** The CSV's columns, in order: one row per metric per step. */
export const CSV_COLUMNS = Object.freeze([
  'timestamp',
  'metric',
  'name',
  'unit',
  'min',
  'avg',
  'max',
] as const);

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading =+-@ is neutralised for spreadsheets. */
function field(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The report as CSV: a header, then per step (ISO timestamp) one row per metric; empty cells = no data. */
export function toCsv(report: Report): string {
  const lines = [CSV_COLUMNS.join(',')];
  const { timestamps, columns } = report.series;
  timestamps.forEach((t, i) => {
    for (const m of report.metrics) {
      const c = columns[m.field];
      const row = [t, m.field, m.name, m.unit, c?.min[i] ?? null, c?.avg[i] ?? null, c?.max[i] ?? null];
      lines.push(row.map(field).join(','));
    }
  });
  return `${lines.join('\r\n')}\r\n`;
}
