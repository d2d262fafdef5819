import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/binaries.js';
import { type RunningDemo, startDemo } from '../helpers/demo.js';

const chromiumBinary = requireBinary('chromium', 'chromium');
const TOKEN = 'browser-test-token';
const XSS = '<img src=x onerror=alert(1)>';
const artifacts = fileURLToPath(new URL('../artifacts/', import.meta.url));

interface DashboardState {
  ready?: boolean;
  samples: number;
  t: number[];
  charts: Map<string, { data: (number | null)[][] }>;
  historyRequests: { range: number; step: number }[];
}
declare const window: { aivaDashboard: DashboardState };
// Page functions run in the browser; the test is type-checked without the DOM library.
declare const document: { querySelectorAll(selector: string): Iterable<{ textContent: string | null }> };

describe.skipIf(chromiumBinary.skip)('the built-in dashboard in headless Chromium, against the demo', () => {
  let demo: RunningDemo;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const dialogs: string[] = [];
  const historyUrls: URL[] = [];

  beforeAll(async () => {
    demo = await startDemo({
      AIVA_DEMO_TOKEN: TOKEN,
      AIVA_DEMO_INTERVAL_MS: '1000',
      AIVA_DEMO_EXTRA_TASK: XSS,
    });
    browser = await chromium.launch({
      executablePath: chromiumBinary.path,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => r.url().includes('/api/history') && historyUrls.push(new URL(r.url())));
    await page.goto(`${demo.base}/dashboard?access_token=${TOKEN}`);
    await page.waitForFunction(() => window.aivaDashboard?.ready === true, null, { timeout: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  it('answers 401 without the token, on the page and on the API', async () => {
    expect((await fetch(`${demo.base}/dashboard`)).status).toBe(401);
    expect((await fetch(`${demo.base}/api/history`)).status).toBe(401);
    const anonymous = await browser.newPage();
    const response = await anonymous.goto(`${demo.base}/dashboard`);
    expect(response?.status()).toBe(401);
    await anonymous.close();
  });

  it('removes the token from the address bar once read', () => {
    expect(page.url()).toBe(`${demo.base}/dashboard`);
  });

  it('draws data points in every chart', async () => {
    await page.waitForFunction(
      () => {
        const charts = [...window.aivaDashboard.charts.values()];
        return (
          charts.length === 10 && charts.every((c) => c.data.slice(1).some((s) => s.some((v) => v !== null)))
        );
      },
      null,
      { timeout: 20_000 },
    );
    const points = await page.evaluate(() =>
      [...window.aivaDashboard.charts.entries()].map(([id, c]) => [
        id,
        c.data
          .slice(1)
          .flat()
          .filter((v) => v !== null).length,
      ]),
    );
    for (const [id, n] of points) expect(n, String(id)).toBeGreaterThan(0);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}dashboard.png`, fullPage: true });
  });

  it('updates live from the stream within a few seconds', async () => {
    const before = await page.evaluate(() => ({
      samples: window.aivaDashboard.samples,
      last: window.aivaDashboard.t.at(-1) ?? 0,
    }));
    await page.waitForFunction((n) => window.aivaDashboard.samples >= n + 2, before.samples, {
      timeout: 5000,
    });
    const last = await page.evaluate(() => window.aivaDashboard.t.at(-1) ?? 0);
    expect(last).toBeGreaterThan(before.last);
  });

  it('renders a task named like markup as text', async () => {
    await page.waitForFunction(
      (name) => [...document.querySelectorAll('#tasks td.task-name')].some((td) => td.textContent === name),
      XSS,
      { timeout: 15_000 },
    );
    expect(await page.locator('#tasks img, #panels img, .u-legend img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('asks for a coarser step when the range switches to 24 h', async () => {
    const fine = historyUrls.at(-1);
    const request = page.waitForRequest((r) => r.url().includes('/api/history'));
    await page.click('button[data-range="24h"]');
    const coarse = new URL((await request).url());
    const step = (u: URL | undefined) => Number(u?.searchParams.get('step'));
    expect(step(fine)).toBe(1000);
    expect(step(coarse)).toBeGreaterThanOrEqual(60_000);
    expect(Number(coarse.searchParams.get('to')) - Number(coarse.searchParams.get('from'))).toBe(86_400_000);
    await page.waitForFunction(() => window.aivaDashboard.historyRequests.at(-1)?.range === 86_400);
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
