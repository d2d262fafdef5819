import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startPerformanceSdk } from '../../src/sdk/start.js';

interface Received {
  path: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

let collector: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (collector ? collector.close(() => resolve()) : resolve())));

/** A stand-in OpenTelemetry Collector on 127.0.0.1 that records each OTLP/HTTP request. */
async function startCollector(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  collector = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => collector?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/metrics`, received };
}

describe('OTLP push', () => {
  it('flushes on shutdown, to the configured URL with the configured headers', async () => {
    const { url, received } = await startCollector();
    const perf = await startPerformanceSdk({
      serviceName: 'otlp-test',
      prometheus: false,
      hostMetrics: false,
      runtimeMetrics: false,
      alerts: false,
      otlp: { url, intervalMillis: 600_000, headers: { 'x-api-key': 'k1' } },
    });
    await perf.trackTask('pushed_task', async () => {});
    expect(received).toHaveLength(0); // the interval is 10 minutes: only shutdown can have sent it
    await perf.shutdown();
    expect(received.length).toBeGreaterThanOrEqual(1);
    const last = received.at(-1) as Received;
    expect(last.path).toBe('/v1/metrics');
    expect(last.headers['x-api-key']).toBe('k1');
    expect(last.body).toContain('aiva.task.duration');
    expect(last.body).toContain('pushed_task');
    expect(last.body).toContain('otlp-test');
  });

  it('pushes periodically at intervalMillis', async () => {
    const { url, received } = await startCollector();
    const perf = await startPerformanceSdk({
      prometheus: false,
      hostMetrics: false,
      runtimeMetrics: false,
      alerts: false,
      otlp: { url, intervalMillis: 100 },
    });
    try {
      const deadline = Date.now() + 10_000;
      while (received.length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received.length).toBeGreaterThanOrEqual(2);
    } finally {
      await perf.shutdown();
    }
  });
});
