/**
 * `aiva-perf report`: the same report as `perf.monitor.generateReport()`, from a Prometheus server's
 * `query_range` API (`--prometheus URL --job NAME`) or from a running service's dashboard API
 * (`--url URL`). Every failure is one line on stderr and exit code 2, with no file left behind.
 */
import { parseArgs } from 'node:util';
import { ReportError } from './sdk/errors.js';
import { renderReport, reportStepMillis, serializeReport, writeReportFile } from './sdk/reports/index.js';
import { buildReport } from './sdk/reports/model.js';
import { formatOfPath, REPORT_FORMATS, type ReportFormat } from './sdk/reports/period.js';
import { prometheusSource, type SourceRange, serviceSource } from './sdk/reports/sources.js';

export const REPORT_USAGE = `Usage: aiva-perf report (--prometheus URL --job NAME | --url URL) [options]

  --prometheus URL   Prometheus server to read with query_range (e.g. http://127.0.0.1:9090)
  --job NAME         the scrape job of the service (with --prometheus)
  --url URL          a running service's server (its /api/history; dashboard: true)
  --token TOKEN      bearer token of that service (or AIVA_PERF_TOKEN)
  --period P         1h, 24h, 7d, 30m, ... (default 24h)
  --to TIME          end of the period, ISO 8601 or ms since the epoch (default now)
  --format F         json, csv or pdf (default: from -o's extension, else json)
  -o, --output FILE  write here (atomically) instead of stdout

Example: aiva-perf report --prometheus http://127.0.0.1:9090 --job my-service --period 24h --format pdf -o report.pdf
`;

export interface CliIo {
  out: (s: string | Buffer) => void;
  err: (s: string) => void;
  /** stderr is a terminal: draw a progress bar. */
  tty?: boolean;
  now?: number;
}

/** `30m`, `1h`, `24h`, `7d` → ms. */
export function parsePeriod(text: string): number | undefined {
  const m = /^(\d+)(m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

class UsageError extends Error {}

export async function reportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        prometheus: { type: 'string' },
        job: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        period: { type: 'string', default: '24h' },
        to: { type: 'string' },
        format: { type: 'string' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.out(REPORT_USAGE);
      return 0;
    }
    const spanMillis = parsePeriod(values.period);
    if (spanMillis === undefined || spanMillis <= 0)
      throw new UsageError(`--period must look like 30m, 1h, 24h or 7d, got '${values.period}'`);
    if (values.output && !values.format && !formatOfPath(values.output)) {
      throw new UsageError(
        `cannot tell the format of '${values.output}': name it .json, .csv or .pdf, or pass --format`,
      );
    }
    const format = (values.format ?? (values.output ? formatOfPath(values.output) : 'json')) as ReportFormat;
    if (!REPORT_FORMATS.includes(format))
      throw new UsageError(`unknown format '${values.format}': use ${REPORT_FORMATS.join(', ')}`);
    if (Boolean(values.prometheus) === Boolean(values.url))
      throw new UsageError('give either --prometheus URL --job NAME or --url URL');
    if (values.prometheus && !values.job) throw new UsageError('--prometheus needs --job NAME');
    for (const u of [values.prometheus, values.url]) {
      if (u !== undefined && !/^https?:\/\/[^/\s]/.test(u))
        throw new UsageError(`not an http(s) URL: '${u}'`);
    }
    const to = values.to === undefined ? (io.now ?? Date.now()) : parseTime(values.to);
    const range: SourceRange = {
      from: to - spanMillis,
      to,
      stepMillis: reportStepMillis(to - spanMillis, to),
      label: `last_${values.period}`,
      onProgress: io.tty ? progressBar(io.err) : undefined,
    };
    const input = values.prometheus
      ? await prometheusSource(values.prometheus, values.job as string, range)
      : await serviceSource(values.url as string, range, values.token ?? process.env.AIVA_PERF_TOKEN);
    if (io.tty) io.err('\n');
    const data = serializeReport(await renderReport(buildReport({ ...input, now: to }), format));
    if (values.output) {
      await writeReportFile(values.output, data);
      io.err(`wrote ${values.output}\n`);
    } else io.out(data);
    return 0;
  } catch (error) {
    if (io.tty) io.err('\n');
    if (error instanceof ReportError || error instanceof UsageError) {
      io.err(`aiva-perf report: ${error.message}\n`);
      return 2;
    }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`aiva-perf report: ${(error as Error).message}\n\n${REPORT_USAGE}`);
      return 2;
    }
    throw error;
  }
}

function parseTime(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(value))
    throw new UsageError(`--to must be an ISO 8601 time or ms since the epoch, got '${text}'`);
  return value;
}

/** `[########------------] 12/31` redrawn in place on a terminal. */
function progressBar(write: (s: string) => void): (done: number, total: number) => void {
  return (done, total) => {
    const width = 24;
    const full = Math.round((done / total) * width);
    write(`\r[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${done}/${total} queries`);
  };
}
