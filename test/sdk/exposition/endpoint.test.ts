import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { CollectionResult } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsEndpoint, type MetricsEndpoint } from '../../../src/sdk/exposition/endpoint.js';
import { collectEveryInstrument } from '../../helpers/every-instrument.js';

let collected: Awaited<ReturnType<typeof collectEveryInstrument>>;
let endpoint: MetricsEndpoint;
let server: Server;
let base: string;
/** Collections the endpoint asked for; a test may hold the next one open with `gate`. */
let gate: Promise<void> | undefined;
let failNext = false;
/** Requests the server has received. */
let received = 0;

beforeAll(async () => {
  collected = await collectEveryInstrument();
  endpoint = createMetricsEndpoint(
    async (): Promise<CollectionResult> => {
      await gate;
      if (failNext) {
        failNext = false;
        throw new Error('collector broke');
      }
      return collected.exporter.collect();
    },
    { coalesceMillis: 0 },
  );
  server = createServer((req, res) => {
    received++;
    void endpoint.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await collected.provider.shutdown();
});

/** A raw request (fetch would decompress and hide Content-Encoding). */
function get(
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the metrics endpoint', () => {
  it('serves text 0.0.4 by default, equal to the exporter serializer without # UNIT', async () => {
    const response = await get();
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.headers['content-encoding']).toBeUndefined();
    const expected = new PrometheusSerializer().serialize(
      (await collected.exporter.collect()).resourceMetrics,
    );
    expect(response.body.toString('utf8')).toBe(expected.replace(/^# UNIT .*\n/gm, ''));
  });

  it('serves OpenMetrics 1.0 when Prometheus asks for it first', async () => {
    const response = await get({
      accept:
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
    });
    expect(response.headers['content-type']).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    const body = response.body.toString('utf8');
    expect(body.endsWith('\n# EOF\n')).toBe(true);
    expect(body).toContain('# TYPE target info\n');
    expect(body).toContain('# TYPE golden_requests counter\n');
    expect(body).toContain('# UNIT golden_latency_seconds seconds\n');
    expect(response.headers.vary).toBe('Accept, Accept-Encoding');
  });

  it('gzips when asked, and the body decompresses to the plain one', async () => {
    const plain = await get({ accept: 'application/openmetrics-text' });
    const zipped = await get({ accept: 'application/openmetrics-text', 'accept-encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plain.body.length);
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(plain.body.toString('utf8'));
  });

  it('answers HEAD with the negotiated headers and no body, without collecting', async () => {
    const before = endpoint.collections;
    const response = await get({ accept: 'application/openmetrics-text' }, 'HEAD');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toContain('application/openmetrics-text');
    expect(response.body.length).toBe(0);
    expect(endpoint.collections).toBe(before);
  });

  it('coalesces concurrent scrapes: one collection and one body per format for all of them', async () => {
    let open!: () => void;
    gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const before = endpoint.collections;
    const receivedBefore = received;
    const om = { accept: 'application/openmetrics-text' };
    const pending = [
      ...Array.from({ length: 10 }, () => get()),
      ...Array.from({ length: 10 }, () => get(om)),
      ...Array.from({ length: 5 }, () => get({ ...om, 'accept-encoding': 'gzip' })),
    ];
    // Every request is in the handler, waiting on the held collection, before it completes.
    while (received - receivedBefore < pending.length) await new Promise((resolve) => setImmediate(resolve));
    open();
    gate = undefined;
    const responses = await Promise.all(pending);
    expect(endpoint.collections - before).toBe(1);
    const texts = new Set(responses.slice(0, 10).map((r) => r.body.toString('utf8')));
    const oms = new Set(responses.slice(10, 20).map((r) => r.body.toString('utf8')));
    const gz = new Set(responses.slice(20).map((r) => gunzipSync(r.body).toString('utf8')));
    expect(texts.size).toBe(1);
    expect(oms.size).toBe(1);
    expect([...gz]).toEqual([...oms]);
  });

  it('a body under 64 KiB goes out in one piece with its Content-Length, gzipped or not', async () => {
    const plain = await get();
    expect(plain.headers['content-length']).toBe(String(plain.body.length));
    expect(plain.headers['transfer-encoding']).toBeUndefined();
    // zlib compresses off the loop, so the response starts waiting before the gzip is done
    const gzipped = await get({ 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-length']).toBe(String(gzipped.body.length));
    expect(gzipped.headers['transfer-encoding']).toBeUndefined();
    expect(gunzipSync(gzipped.body).toString('utf8')).toBe(plain.body.toString('utf8'));
  });

  it('remembers a negotiation per header pair: the same answer on the next scrape, and a new pair negotiates afresh', async () => {
    const openMetrics = { accept: 'application/openmetrics-text;version=1.0.0' };
    const first = await get(openMetrics);
    const again = await get(openMetrics);
    expect(again.headers['content-type']).toBe(first.headers['content-type']);
    expect(String(first.headers['content-type'])).toMatch(/^application\/openmetrics-text/);
    expect(String((await get()).headers['content-type'])).toMatch(/^text\/plain/);
    // more distinct pairs than are remembered: each still negotiated on its own headers
    for (let i = 0; i < 40; i++) {
      const answer = await get({
        accept: `text/plain;q=0.${(i % 9) + 1}, application/openmetrics-text;q=0.05`,
      });
      expect(String(answer.headers['content-type'])).toMatch(/^text\/plain/);
    }
    expect(String((await get(openMetrics)).headers['content-type'])).toMatch(
      /^application\/openmetrics-text/,
    );
  });

  it('collects again for a scrape that arrives after the previous round finished', async () => {
    const before = endpoint.collections;
    await get();
    await get();
    expect(endpoint.collections - before).toBe(2);
  });

  it('serves a scrape within the coalescing window from the previous collection', async () => {
    const windowed = createMetricsEndpoint(() => collected.exporter.collect(), { coalesceMillis: 60_000 });
    // a response that takes any body (the endpoint waits for a response to finish before reusing its chunks)
    const sink = () =>
      Object.assign(new Writable({ write: (_chunk, _encoding, done) => done() }), {
        writeHead() {},
      }) as unknown as Parameters<MetricsEndpoint['handle']>[1];
    const request = { method: 'GET', headers: {} } as Parameters<MetricsEndpoint['handle']>[0];
    await windowed.handle(request, sink());
    await windowed.handle(request, sink());
    expect(windowed.collections).toBe(1);
  });

  it('answers 500 when the collection fails, and recovers on the next scrape', async () => {
    failNext = true;
    const failed = await get();
    expect(failed.status).toBe(500);
    expect(failed.body.toString('utf8')).toContain('collector broke');
    expect((await get()).status).toBe(200);
  });
});
