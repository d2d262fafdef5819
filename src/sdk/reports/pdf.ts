import PDFDocument from 'pdfkit';
import type { Num, Report } from './model.js';

/** The PDF's charts: a metric field each, in this order, with its title. */
export const PDF_CHARTS = Object.freeze([
  { field: 'cpuPercent', title: 'CPU busy (%)' },
  { field: 'memoryPercent', title: 'Memory used (%)' },
  { field: 'tasksPerSecond', title: 'Task throughput (tasks/s)' },
  { field: 'taskDurationP95Seconds', title: 'Response time p95 (s)' },
  { field: 'taskErrorRate', title: 'Error rate (0..1)' },
  { field: 'queueSize', title: 'Queue size (items)' },
] as const);

const MARGIN = 40;
const INK = '#1f2933';
const MUTED = '#6b7785';
const LINE = '#2f6fdf';
const SEVERITY_COLOR: Record<string, string> = { critical: '#d0312d', warning: '#e08a00' };

/** Shortest readable form: 3 significant digits, thousands grouped; `-` for no data. */
export function formatNumber(value: Num): string {
  if (value === null || !Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs !== 0 && abs < 0.01) return value.toExponential(1);
  return value.toLocaleString('en-US', { maximumSignificantDigits: abs >= 1000 ? 6 : 3 });
}

/** Renders the report as a PDF: summary table, totals and top tasks; vector charts; alert history. */
export function toPdf(report: Report): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: `Performance report: ${report.service}`, Producer: 'aiva-performance' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  header(doc, report);
  summaryTable(doc, report);
  totalsAndTasks(doc, report);
  doc.addPage();
  charts(doc, report);
  alertHistory(doc, report);
  doc.end();
  return done;
}

type Doc = PDFKit.PDFDocument;
const width = (doc: Doc) => doc.page.width - 2 * MARGIN;

function header(doc: Doc, r: Report): void {
  doc.fillColor(INK).font('Helvetica-Bold').fontSize(18).text(`Performance report: ${r.service}`);
  doc.font('Helvetica').fontSize(9).fillColor(MUTED);
  doc.text(`Period ${r.period.label}: ${r.period.from} to ${r.period.to} (step ${r.period.stepSeconds} s)`);
  doc.text(`Generated ${r.generatedAt} from ${r.source} data; report schema v${r.schemaVersion}`);
  doc.moveDown(0.8);
}

function table(doc: Doc, title: string, headers: string[], rows: string[][], widths: number[]): void {
  doc.fillColor(INK).font('Helvetica-Bold').fontSize(12).text(title, MARGIN);
  doc.moveDown(0.3);
  const rowHeight = 12;
  const draw = (cells: string[], bold: boolean) => {
    if (doc.y + rowHeight > doc.page.height - MARGIN) doc.addPage();
    const y = doc.y;
    let x = MARGIN;
    doc
      .font(bold ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(8)
      .fillColor(INK);
    cells.forEach((cell, i) => {
      const w = widths[i] as number;
      doc.text(cell, x + 2, y + 2, {
        width: w - 4,
        height: rowHeight,
        lineBreak: false,
        ellipsis: true,
        align: i === 0 ? 'left' : 'right',
      });
      x += w;
    });
    doc
      .moveTo(MARGIN, y + rowHeight)
      .lineTo(x, y + rowHeight)
      .lineWidth(0.3)
      .strokeColor('#c9d1da')
      .stroke();
    doc.x = MARGIN;
    doc.y = y + rowHeight;
  };
  draw(headers, true);
  for (const row of rows) draw(row, false);
  doc.moveDown(0.8);
}

function summaryTable(doc: Doc, r: Report): void {
  const w = width(doc);
  const rows = r.metrics.map((m) => [m.name, m.unit, ...[m.min, m.avg, m.p95, m.max].map(formatNumber)]);
  table(doc, 'Summary', ['metric', 'unit', 'min', 'avg', 'p95', 'max'], rows, [
    w * 0.34,
    w * 0.12,
    ...Array(4).fill(w * 0.135),
  ]);
}

function totalsAndTasks(doc: Doc, r: Report): void {
  const w = width(doc);
  const t = r.totals;
  table(
    doc,
    'Totals',
    ['tasks', 'errors', 'task time (s)', 'allocations', 'evictions'],
    [[t.tasks, t.errors, t.taskSeconds, t.allocations, t.evictions].map(formatNumber)],
    Array(5).fill(w / 5),
  );
  const rows = r.topTasks.map((k) => [
    k.name,
    formatNumber(k.count),
    formatNumber(k.totalSeconds),
    formatNumber(k.avgSeconds),
  ]);
  table(
    doc,
    'Top tasks by time',
    ['task', 'count', 'total (s)', 'avg (s)'],
    rows.length ? rows : [['(no tasks)', '', '', '']],
    [w * 0.52, w * 0.16, w * 0.16, w * 0.16],
  );
}

function charts(doc: Doc, r: Report): void {
  doc.fillColor(INK).font('Helvetica-Bold').fontSize(12).text('Charts', MARGIN);
  const top = doc.y + 6;
  const gap = 16;
  const w = (width(doc) - gap) / 2;
  const h = 150;
  PDF_CHARTS.forEach((c, i) => {
    const x = MARGIN + (i % 2) * (w + gap);
    const y = top + Math.floor(i / 2) * (h + gap);
    const thresholds = r.thresholds.filter((t) => t.field === c.field);
    chart(doc, c.title, r.series.columns[c.field]?.avg ?? [], thresholds, x, y, w, h);
    const times = [r.series.timestamps[0], r.series.timestamps.at(-1)].map((t) =>
      (t ?? '').slice(5, 16).replace('T', ' '),
    );
    doc.font('Helvetica').fontSize(7).fillColor(MUTED);
    doc.text(times[0] as string, x + 34, y + h - 10, { lineBreak: false });
    doc.text(times[1] as string, x + w - 84, y + h - 10, { width: 80, align: 'right', lineBreak: false });
  });
  doc.x = MARGIN;
  doc.y = top + 3 * (h + gap);
}

/** One line chart: title, frame, y range labels, the series as a polyline, dashed threshold lines. */
function chart(
  doc: Doc,
  title: string,
  values: Num[],
  thresholds: Report['thresholds'],
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  doc.font('Helvetica-Bold').fontSize(9).fillColor(INK).text(title, x, y, { width: w, lineBreak: false });
  const px = x + 34;
  const py = y + 14;
  const pw = w - 38;
  const ph = h - 28;
  const present = values.filter((v): v is number => v !== null);
  const lines = thresholds.map((t) => t.value);
  let lo = Math.min(0, ...present);
  let hi = Math.max(...present, ...lines, lo + 1e-9);
  if (hi === lo) hi = lo + 1;
  hi += (hi - lo) * 0.05;
  lo = Math.min(lo, 0);
  doc.rect(px, py, pw, ph).lineWidth(0.5).strokeColor('#c9d1da').stroke();
  doc.font('Helvetica').fontSize(7).fillColor(MUTED);
  doc.text(formatNumber(hi), x, py - 3, { width: 32, align: 'right', lineBreak: false });
  doc.text(formatNumber(lo), x, py + ph - 6, { width: 32, align: 'right', lineBreak: false });
  const xOf = (i: number) => px + (values.length > 1 ? (i / (values.length - 1)) * pw : pw / 2);
  const yOf = (v: number) => py + ph - ((v - lo) / (hi - lo)) * ph;
  for (const t of thresholds) {
    if (t.value > hi || t.value < lo) continue;
    doc
      .save()
      .moveTo(px, yOf(t.value))
      .lineTo(px + pw, yOf(t.value))
      .dash(3, { space: 2 })
      .lineWidth(0.8)
      .strokeColor(SEVERITY_COLOR[t.severity] ?? MUTED)
      .stroke()
      .restore();
  }
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    if (pen) doc.lineTo(xOf(i), yOf(v));
    else doc.moveTo(xOf(i), yOf(v));
    pen = true;
  });
  if (present.length) doc.lineWidth(1).strokeColor(LINE).stroke();
  else
    doc
      .fillColor(MUTED)
      .fontSize(8)
      .text('no data', px, py + ph / 2 - 4, { width: pw, align: 'center' });
}

function alertHistory(doc: Doc, r: Report): void {
  const w = width(doc);
  const rows = r.alerts.map((a) => [
    a.name,
    a.severity,
    formatNumber(a.threshold),
    a.firedAt.replace('T', ' ').slice(0, 19),
    a.resolvedAt ? a.resolvedAt.replace('T', ' ').slice(0, 19) : 'firing',
    formatNumber(a.durationSeconds),
  ]);
  table(
    doc,
    'Alert history',
    ['alert', 'severity', 'threshold', 'fired (UTC)', 'resolved (UTC)', 'duration (s)'],
    rows.length ? rows : [['(no alert fired in the period)', '', '', '', '', '']],
    [w * 0.26, w * 0.12, w * 0.12, w * 0.19, w * 0.19, w * 0.12],
  );
}
