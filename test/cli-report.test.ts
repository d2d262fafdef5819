import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { parsePeriod } from '../src/cli-report.js';
import { type PerformanceSdk, startPerformanceSdk } from '../src/sdk/start.js';
import { runCli } from './helpers/cli.js';
import { tempDirsRemovedAfterAll } from './helpers/temp-dirs.js';

const TOKEN = 'cli-token';
let sdk: PerformanceSdk;
let empty: Server;
let emptyUrl: string;
let closedUrl: string;

const run = (...args: string[]) => runCli('report', ...args);
const tempDir = tempDirsRemovedAfterAll('aiva-cli-');

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

beforeAll(async () => {
  sdk = await startPerformanceSdk({
    serviceName: 'cli-report-test',
    prometheus: { port: 0, token: TOKEN },
    dashboard: true,
    monitor: { intervalMillis: 1000, verbose: false },
    parallel: false,
  });
  for (let i = 0; i < 20; i++) sdk.startTimer('cli_task')(i % 4 ? 'ok' : 'error');
  // Two samples: the report's rates need a window.
  await new Promise<void>((resolve) => {
    let n = 0;
    sdk.monitor.on('sample', () => ++n === 2 && resolve());
  });
  // A service whose history is empty: the "empty period" case.
  empty = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body =
      path === '/api/current'
        ? { service: 'idle' }
        : path === '/api/alerts'
          ? { history: [], rules: [] }
          : { timestamps: [0], stepMillis: 1000, series: {} };
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(body));
  });
  emptyUrl = await listen(empty);
  const gone = createServer();
  closedUrl = await listen(gone);
  await new Promise((resolve) => gone.close(resolve));
}, 30_000);

afterAll(async () => {
  await sdk.shutdown();
  await new Promise((resolve) => empty.close(resolve));
});

describe('aiva-perf report --url (a running service)', () => {
  it('writes a PDF, a CSV and JSON with the task totals', async () => {
    const dir = tempDir();
    for (const ext of ['pdf', 'csv', 'json']) {
      const r = await run(
        '--url',
        sdk.url as string,
        '--token',
        TOKEN,
        '--period',
        '5m',
        '-o',
        join(dir, `r.${ext}`),
      );
      expect(r.err).toContain(`wrote ${join(dir, `r.${ext}`)}`);
      expect(r.code).toBe(0);
    }
    expect(readFileSync(join(dir, 'r.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(json.source).toBe('service');
    expect(json.service).toBe('cli-report-test');
    expect(json.totals.tasks).toBe(20);
    expect(json.totals.errors).toBe(5);
    expect(readdirSync(dir).sort()).toEqual(['r.csv', 'r.json', 'r.pdf']);
  });

  it('prints JSON on stdout without -o, and draws no progress bar when not on a terminal', async () => {
    const r = await run('--url', sdk.url as string, '--token', TOKEN, '--period', '5m');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).schemaVersion).toBe(1);
    expect(r.err).toBe('');
  });
});

describe('aiva-perf report progress', () => {
  it('draws a progress bar on stderr when it is a terminal', async () => {
    let err = '';
    const code = await main(
      ['report', '--url', sdk.url as string, '--token', TOKEN, '--period', '5m'],
      () => {},
      (s) => {
        err += s;
      },
      { tty: true },
    );
    expect(code).toBe(0);
    expect(err).toContain('\r[########----------------] 1/3 queries');
    expect(err).toContain('\r[########################] 3/3 queries');
  });
});

describe('aiva-perf report errors: one line, exit 2, no file', () => {
  const cases: [string, () => string[], RegExp][] = [
    [
      'unreachable server',
      () => ['--url', closedUrl],
      /^aiva-perf report: cannot reach the service at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/,
    ],
    ['missing token', () => ['--url', sdk.url as string], /answered 401 Unauthorized: pass --token\n$/],
    ['empty period', () => ['--url', emptyUrl], /^aiva-perf report: no data for idle between \S+ and \S+\n$/],
    [
      'unknown format',
      () => ['--url', emptyUrl, '--format', 'docx'],
      /^aiva-perf report: unknown format 'docx': use json, csv, pdf\n$/,
    ],
    [
      'unknown extension',
      () => ['--url', emptyUrl, '-o', 'report.docx'],
      /cannot tell the format of 'report.docx': name it .json, .csv or .pdf, or pass --format/,
    ],
    [
      'bad period',
      () => ['--url', emptyUrl, '--period', 'yesterday'],
      /--period must look like 30m, 1h, 24h or 7d, got 'yesterday'/,
    ],
    ['no source', () => [], /give either --prometheus URL --job NAME or --url URL/],
    ['prometheus without job', () => ['--prometheus', 'http://127.0.0.1:9'], /--prometheus needs --job NAME/],
    ['unknown flag', () => ['--url', emptyUrl, '--colour'], /Unknown option '--colour'/],
  ];
  it.each(cases)('%s', async (_label, args, message) => {
    const dir = tempDir();
    const r = await run(...args(), ...(args().includes('-o') ? [] : ['-o', join(dir, 'r.pdf')]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a path that cannot be written', async () => {
    const dir = tempDir();
    const target = join(dir, 'no-such-dir', 'r.pdf');
    const r = await run('--url', sdk.url as string, '--token', TOKEN, '--period', '5m', '-o', target);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`aiva-perf report: cannot write ${target}: ENOENT\n`);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('parsePeriod', () => {
  it('reads m, h and d', () => {
    expect([parsePeriod('30m'), parsePeriod('24h'), parsePeriod('7d'), parsePeriod('24 hours')]).toEqual([
      1_800_000,
      86_400_000,
      604_800_000,
      undefined,
    ]);
  });
});
