import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DERIVED_METRICS } from '../../../src/core/derived-metrics.js';
import { ConfigError } from '../../../src/core/errors.js';
import { ReportError } from '../../../src/sdk/errors.js';
import { CSV_COLUMNS } from '../../../src/sdk/reports/csv.js';
import type { Report } from '../../../src/sdk/reports/model.js';
import { PDF_CHARTS } from '../../../src/sdk/reports/pdf.js';
import { requireBinary } from '../../helpers/binaries.js';
import { tempDirsRemovedAfterAll } from '../../helpers/temp-dirs.js';
import { runMonitor, XSS_TASK } from './fixture.js';

const tempDir = tempDirsRemovedAfterAll('aiva-report-');

let run: Awaited<ReturnType<typeof runMonitor>>;
let report: Report;
// Ranges are [from, to): one ms past the last sample includes it.
const period = () => ({ from: run.start, to: run.end + 1 });

beforeAll(async () => {
  run = await runMonitor(10);
  report = await run.monitor.generateReport({ period: period(), format: 'json' });
});
afterAll(async () => {
  run.monitor.stop();
  vi.useRealTimers();
  await run.provider.shutdown();
});

describe('generateReport json', () => {
  it('validates against docs/report.schema.json', () => {
    const schema = JSON.parse(
      readFileSync(new URL('../../../docs/report.schema.json', import.meta.url), 'utf8'),
    );
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const validate = ajv.compile(schema);
    const ok = validate(JSON.parse(JSON.stringify(report)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The schema is strict: an unknown key fails it.
    expect(validate({ ...JSON.parse(JSON.stringify(report)), extra: 1 })).toBe(false);
  });

  it('has every friendly metric with min <= avg <= p95 <= max, and exact totals', () => {
    expect(report.metrics.map((m) => m.name)).toEqual(Object.keys(DERIVED_METRICS));
    const cpu = report.metrics.find((m) => m.name === 'cpu_percent');
    expect(cpu?.samples).toBeGreaterThan(0);
    expect(cpu?.min).toBeLessThanOrEqual(cpu?.avg as number);
    expect(cpu?.avg).toBeLessThanOrEqual(cpu?.p95 as number);
    expect(cpu?.p95).toBeLessThanOrEqual(cpu?.max as number);
    expect(report.totals.tasks).toBe(run.recorded);
    expect(report.totals.errors).toBe(run.errors);
    expect(report.topTasks.map((t) => t.name).sort()).toEqual(['fetch', 'parse', XSS_TASK].sort());
    expect(report.topTasks.find((t) => t.name === 'fetch')?.count).toBe(run.recorded / 3);
  });

  it('lists the alert history with its duration', () => {
    expect(report.alerts).toHaveLength(1);
    expect(report.alerts[0]).toMatchObject({
      name: 'HighCpu',
      severity: 'warning',
      metric: 'cpu_percent',
      threshold: 70,
    });
    expect(report.alerts[0]?.durationSeconds).toBe(120);
    expect(report.thresholds).toEqual([{ field: 'cpuPercent', severity: 'warning', value: 70 }]);
  });

  it('rejects an empty period with ReportError, and bad options with ConfigError naming the field', async () => {
    await expect(
      run.monitor.generateReport({ period: { from: run.start - 7_200_000, to: run.start - 3_600_000 } }),
    ).rejects.toThrow(ReportError);
    await expect(run.monitor.generateReport({ period: 'last_2h' as never })).rejects.toThrow(
      /options.period must be one of last_1h, last_24h, last_7d/,
    );
    await expect(run.monitor.generateReport({ format: 'xlsx' as never })).rejects.toThrow(ConfigError);
    await expect(run.monitor.generateReport({ format: 'xlsx' as never })).rejects.toThrow(/options.format/);
  });
});

describe('generateReport csv', () => {
  it('parses with the documented columns: one row per metric per step', async () => {
    const csv = await run.monitor.generateReport({ period: period(), format: 'csv' });
    const rows = csv
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const metrics = Object.keys(DERIVED_METRICS).length;
    expect(rows.length - 1).toBe(report.series.timestamps.length * metrics);
    for (const row of rows.slice(1)) {
      expect(row).toHaveLength(CSV_COLUMNS.length);
      expect(Number.isNaN(Date.parse(row[0] as string))).toBe(false);
    }
    const cpu = rows.filter((r) => r[1] === 'cpuPercent' && r[5] !== '');
    expect(cpu.length).toBe(report.metrics.find((m) => m.field === 'cpuPercent')?.samples);
  });
});

const pdftotext = requireBinary('pdftotext', 'poppler-utils');

describe.skipIf(pdftotext.skip)('generateReport pdf (checked with pdftotext)', () => {
  it('holds the summary table, every chart title and the alert history', async () => {
    const pdf = await run.monitor.generateReport({ period: period(), format: 'pdf' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const dir = tempDir();
    writeFileSync(join(dir, 'r.pdf'), pdf);
    const text = execFileSync(pdftotext.path as string, ['-layout', join(dir, 'r.pdf'), '-'], {
      encoding: 'utf8',
    });
    expect(text).toContain('Performance report: report-test');
    expect(text).toMatch(/Summary\s+metric\s+unit\s+min\s+avg\s+p95\s+max/);
    for (const name of Object.keys(DERIVED_METRICS)) expect(text).toContain(name);
    for (const chart of PDF_CHARTS) expect(text).toContain(chart.title);
    expect(text).toContain('Alert history');
    expect(text).toMatch(/HighCpu\s+warning\s+70/);
    expect(text).toContain(XSS_TASK);
  });
});

describe('exportReport', () => {
  it('takes the format from the extension and writes the whole file', async () => {
    const dir = tempDir();
    for (const ext of ['json', 'csv', 'pdf']) {
      const path = join(dir, `performance_report.${ext}`);
      await expect(run.monitor.exportReport(path, { period: period() })).resolves.toBe(path);
    }
    expect(JSON.parse(readFileSync(join(dir, 'performance_report.json'), 'utf8')).schemaVersion).toBe(1);
    expect(readFileSync(join(dir, 'performance_report.csv'), 'utf8').startsWith(CSV_COLUMNS.join(','))).toBe(
      true,
    );
    expect(readFileSync(join(dir, 'performance_report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('an unknown extension is a ConfigError; a path that cannot be written is a ReportError and leaves nothing', async () => {
    const dir = tempDir();
    await expect(run.monitor.exportReport(join(dir, 'r.docx'), { period: period() })).rejects.toThrow(
      /path must end in .json, .csv or .pdf/,
    );
    mkdirSync(join(dir, 'taken.pdf')); // a directory where the file should go: the rename fails
    await expect(run.monitor.exportReport(join(dir, 'taken.pdf'), { period: period() })).rejects.toThrow(
      /cannot write .*taken\.pdf/,
    );
    await expect(
      run.monitor.exportReport(join(dir, 'missing', 'r.pdf'), { period: period() }),
    ).rejects.toThrow(ReportError);
    expect(readdirSync(dir)).toEqual(['taken.pdf']);
  });
});
