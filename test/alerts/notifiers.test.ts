import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlertmanagerNotifier, LogNotifier, WebhookNotifier } from '../../src/alerts/notifiers.js';
import type { Alert, AlertNotification } from '../../src/alerts/types.js';
import { fakeLogger } from './helpers.js';

const alert: Alert = {
  id: 'HighCpuUsage/critical',
  name: 'HighCpuUsage',
  severity: 'critical',
  state: 'firing',
  value: 95,
  threshold: 90,
  op: '>',
  labels: { service: 'svc', alertname: 'HighCpuUsage', severity: 'critical' },
  annotations: { summary: 'CPU 95.00%' },
  activeAt: '2026-01-01T00:00:00.000Z',
  firedAt: '2026-01-01T00:01:00.000Z',
  resolvedAt: null,
  lastEvaluatedAt: '2026-01-01T00:01:00.000Z',
};

describe('AlertmanagerNotifier payload (v2 PostableAlerts)', () => {
  const am = new AlertmanagerNotifier({
    url: 'http://127.0.0.1:9093',
    resendDelayMillis: 60_000,
    generatorUrl: 'http://app:9464/alerts',
  });
  it('sends labels, annotations, startsAt, a future endsAt while firing, and generatorURL', () => {
    const now = Date.parse('2026-01-01T00:01:00.000Z');
    const [body] = am.toPostableAlerts([{ status: 'firing', alert }], now);
    expect(body).toEqual({
      labels: { service: 'svc', alertname: 'HighCpuUsage', severity: 'critical' },
      annotations: { summary: 'CPU 95.00%' },
      startsAt: '2026-01-01T00:01:00.000Z',
      endsAt: '2026-01-01T00:05:00.000Z',
      generatorURL: 'http://app:9464/alerts?alertname=HighCpuUsage',
    });
  });
  it('sends endsAt = resolvedAt on resolve', () => {
    const resolved = { ...alert, state: 'inactive' as const, resolvedAt: '2026-01-01T00:02:00.000Z' };
    expect(am.toPostableAlerts([{ status: 'resolved', alert: resolved }])[0]?.endsAt).toBe(
      '2026-01-01T00:02:00.000Z',
    );
  });
});

describe('HTTP notifiers against a local server', () => {
  let server: Server;
  let base: string;
  let status = 200;
  const bodies: { url: string; body: unknown }[] = [];
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let data = '';
      req.on('data', (c) => {
        data += c;
      });
      req.on('end', () => {
        bodies.push({ url: req.url ?? '', body: JSON.parse(data) });
        res.statusCode = status;
        res.end(status === 200 ? '' : 'bad labels');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const batch: AlertNotification[] = [{ status: 'firing', alert }];

  it('Alertmanager POSTs to /api/v2/alerts', async () => {
    status = 200;
    await new AlertmanagerNotifier({ url: `${base}/` }).send(batch, new AbortController().signal);
    expect(bodies.at(-1)?.url).toBe('/api/v2/alerts');
    expect(bodies.at(-1)?.body).toEqual([expect.objectContaining({ labels: alert.labels })]);
  });

  it('webhook POSTs an Alertmanager-webhook-like body', async () => {
    status = 200;
    await new WebhookNotifier({ url: `${base}/hook` }).send(batch, new AbortController().signal);
    expect(bodies.at(-1)).toEqual({
      url: '/hook',
      body: {
        version: '1',
        status: 'firing',
        alerts: [expect.objectContaining({ status: 'firing', name: 'HighCpuUsage' })],
      },
    });
  });

  it('a 4xx/5xx answer rejects with the status and body', async () => {
    status = 400;
    await expect(
      new WebhookNotifier({ url: `${base}/hook` }).send(batch, new AbortController().signal),
    ).rejects.toThrow(/answered 400: bad labels/);
  });
});

describe('LogNotifier', () => {
  it('logs critical firing as error, warning as warn, resolved as info', async () => {
    const logger = fakeLogger();
    const n = new LogNotifier(logger);
    await n.send([
      { status: 'firing', alert },
      { status: 'firing', alert: { ...alert, severity: 'warning' } },
      { status: 'resolved', alert },
    ]);
    expect(logger.error).toHaveBeenCalledWith(
      'alert HighCpuUsage firing',
      expect.objectContaining({ value: 95 }),
    );
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith('alert HighCpuUsage resolved', expect.anything());
    vi.restoreAllMocks();
  });
});
