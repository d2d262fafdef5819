import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PerformanceDashboard } from '../../src/sdk/dashboard/dashboard.js';
import { type PerformanceSdk, startPerformanceSdk } from '../../src/sdk/start.js';

const TOKEN = 's3cret';
const auth = { Authorization: `Bearer ${TOKEN}` };
let sdk: PerformanceSdk;
let base: string;

beforeAll(async () => {
  sdk = await startPerformanceSdk({
    serviceName: 'dashboard-test',
    prometheus: { port: 0, token: TOKEN },
    dashboard: true,
    monitor: { intervalMillis: 1000, verbose: false },
    memory: false,
    parallel: false,
  });
  base = sdk.url as string;
});
afterAll(() => sdk.shutdown());

/** Reads server-sent events until `count` `sample` events arrived; returns their data. */
async function samples(
  response: Response,
  count: number,
): Promise<{ timestamp: number; series: Record<string, number> }[]> {
  const reader = (response.body as ReadableStream<Uint8Array>)
    .pipeThrough(new TextDecoderStream())
    .getReader();
  const out: { timestamp: number; series: Record<string, number> }[] = [];
  let buffer = '';
  while (out.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (/^event: sample$/m.test(frame) && data) out.push(JSON.parse(data));
    }
  }
  await reader.cancel();
  return out;
}

describe('dashboard on the SDK server', () => {
  it('gives every route the same bearer check, /healthz included (open only with openHealthz)', async () => {
    for (const path of [
      '/metrics',
      '/alerts',
      '/dashboard',
      '/api/current',
      '/api/history',
      '/api/alerts',
      '/api/stream',
    ]) {
      expect((await fetch(base + path)).status, path).toBe(401);
      expect((await fetch(base + path, { headers: { Authorization: 'Bearer wrong!' } })).status, path).toBe(
        401,
      );
      expect((await fetch(`${base}${path}?access_token=nope`)).status, path).toBe(401);
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(401);
    expect((await fetch(`${base}/healthz`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${base}/api/current`, { headers: auth })).status).toBe(200);
  });

  it('serves one self-contained page: uPlot inline, nothing remote, a strict CSP', async () => {
    const response = await fetch(`${base}/dashboard?access_token=${TOKEN}`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'$|script-src 'nonce-[A-Za-z0-9+/=]+';/);
    const html = await response.text();
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
    expect(html).toContain('"service":"dashboard-test"');
  });

  it('streams samples by SSE, and /api/history then holds them at the sampling step', async () => {
    const stream = await fetch(`${base}/api/stream`, { headers: auth });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const got = await samples(stream, 2);
    expect(got[1]?.timestamp).toBeGreaterThan(got[0]?.timestamp as number);
    expect(got[1]?.series).toHaveProperty('cpuPercent');
    const from = (got[0]?.timestamp as number) - 1;
    const history = (await (
      await fetch(`${base}/api/history?from=${from}&step=1000&series=cpuPercent`, { headers: auth })
    ).json()) as { resolutionMillis: number; series: Record<string, { avg: (number | null)[] }> };
    expect(history.resolutionMillis).toBe(1000);
    expect(Object.keys(history.series)).toEqual(['cpuPercent']);
    expect(history.series.cpuPercent?.avg.filter((x) => x !== null).length).toBeGreaterThanOrEqual(2);
  });

  it('answers 400 naming the parameter for a bad query', async () => {
    const bad = await fetch(`${base}/api/history?from=yesterday`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'query.from' });
    const backwards = await fetch(`${base}/api/history?from=10&to=5`, { headers: auth });
    expect(await backwards.json()).toMatchObject({ field: 'query.to' });
  });

  it('/api/alerts lists rules with their monitor field for threshold lines', async () => {
    const body = (await (await fetch(`${base}/api/alerts`, { headers: auth })).json()) as {
      enabled: boolean;
      rules: unknown[];
      history: unknown;
    };
    expect(body.enabled).toBe(true);
    expect(body.rules).toContainEqual(
      expect.objectContaining({ metric: 'cpu_percent', field: 'cpuPercent', severity: 'warning' }),
    );
    expect(Array.isArray(body.history)).toBe(true);
  });
});

describe('the history behind it', () => {
  it('keeps what the production preset says: monitoring.retentionDays 30 at 5-minute steps', () => {
    expect(sdk.monitor.historyStats().resolutions).toEqual([
      { stepMillis: 1000, spanMillis: 3_600_000 },
      { stepMillis: 60_000, spanMillis: 86_400_000 },
      { stepMillis: 300_000, spanMillis: 30 * 86_400_000 },
    ]);
    // Allocated up front: 64 series, 1 s sampling, 30 days.
    expect(sdk.monitor.historyStats().bytes).toBeLessThan(10.2 * 1024 * 1024);
  });
});

describe('PerformanceDashboard standalone', () => {
  it('serves on its own port and bounds the live streams', async () => {
    const dashboard = new PerformanceDashboard(sdk.monitor, { maxClients: 2 });
    const served = await dashboard.serve({ port: 0 });
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dashboard$/);
      expect((await fetch(served.url)).status).toBe(200);
      const origin = new URL(served.url).origin;
      const open = [await fetch(`${origin}/api/stream`), await fetch(`${origin}/api/stream`)];
      expect(open.map((r) => r.status)).toEqual([200, 200]);
      const third = await fetch(`${origin}/api/stream`);
      expect(third.status).toBe(503);
      expect(third.headers.get('retry-after')).toBe('10');
      await Promise.all(open.map((r) => r.body?.cancel()));
    } finally {
      await dashboard.close();
    }
  });

  it('rejects bad options naming the field', async () => {
    expect(() => new PerformanceDashboard(sdk.monitor, { path: 'x' })).toThrow(/options.path must be a path/);
    await expect(new PerformanceDashboard(sdk.monitor).serve({ port: -1 })).rejects.toThrow(/options.port/);
  });
});
