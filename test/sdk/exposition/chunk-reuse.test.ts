import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHUNK_BYTES } from '../../../src/sdk/exposition/chunk-pool.js';
import { createMetricsEndpoint, type MetricsEndpoint } from '../../../src/sdk/exposition/endpoint.js';

// The endpoint writes each body into chunks that earlier bodies used, once their readers are done.
// Served over a Unix socket: its buffer (~200 KiB) is far below the ~1 MB body, so a client that stops
// reading really keeps the server's writes pending (loopback TCP buffers would take the whole body).
const GAUGES = 6;
/** Series per gauge: sdk-metrics' default cardinality limit. */
const SERIES_PER_GAUGE = 2_000;
const SERIES = GAUGES * SERIES_PER_GAUGE;
let provider: MeterProvider;
let endpoint: MetricsEndpoint;
let server: Server;
let dir: string;
let socketPath: string;
let round = 0;

beforeAll(async () => {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  provider = new MeterProvider({ readers: [exporter] });
  const meter = provider.getMeter('chunk-reuse');
  const labels = Array.from({ length: SERIES_PER_GAUGE }, (_, i) => ({
    series: `s${i}`,
    pad: 'p'.repeat(24),
  }));
  for (let g = 0; g < GAUGES; g++) {
    meter.createObservableGauge(`reuse.round.${g}`).addCallback((result) => {
      for (const attributes of labels) result.observe(round, attributes);
    });
  }
  endpoint = createMetricsEndpoint(() => exporter.collect(), { coalesceMillis: 0 });
  server = createServer((req, res) => void endpoint.handle(req, res));
  dir = mkdtempSync(join(tmpdir(), 'aiva-chunks-'));
  socketPath = join(dir, 'metrics.sock');
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await provider.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

function open(headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path: '/metrics', headers }, resolve).on('error', reject).end();
  });
}

function readAll(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  return new Promise((resolve, reject) => {
    response.on('end', () => resolve(Buffer.concat(chunks)));
    response.on('error', reject);
  });
}

/** The gauge's values in a body: one entry per distinct value, with how many series carry it. */
function valuesIn(body: Buffer): Map<string, number> {
  const values = new Map<string, number>();
  for (const match of body.toString('utf8').matchAll(/^reuse_round_\d+\{[^}]*\} (\S+)$/gm)) {
    values.set(match[1]!, (values.get(match[1]!) ?? 0) + 1);
  }
  return values;
}

async function scrape(headers: Record<string, string> = {}): Promise<Buffer> {
  const response = await open(headers);
  const body = await readAll(response);
  return response.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * Waits until every chunk is back in the pool: the responses' `finish`/`close` can come a while after
 * the client read the body's end on a loaded machine (a fixed 20 ms failed once in CI).
 */
const chunksBack = () =>
  vi.waitFor(() => expect(endpoint.chunksIdle).toBe(endpoint.chunksMade), { timeout: 3_000, interval: 20 });

/** Waits until the endpoint stops taking new chunks: the body being written is finished. */
async function bodyWritten(): Promise<void> {
  let last = -1;
  for (let still = 0; still < 3; ) {
    await settle();
    still = endpoint.chunksMade === last ? still + 1 : 0;
    last = endpoint.chunksMade;
  }
}

describe('body chunks', () => {
  it('a steady scraper reuses the same chunks: no new chunk after the first body', async () => {
    round = 1;
    const first = await scrape();
    expect(first.length).toBeGreaterThan(8 * CHUNK_BYTES);
    expect(valuesIn(first)).toEqual(new Map([['1', SERIES]]));
    await chunksBack();
    const made = endpoint.chunksMade;
    for (let i = 0; i < 5; i++) {
      round = 2 + i;
      expect(valuesIn(await scrape())).toEqual(new Map([[String(round), SERIES]]));
      await chunksBack();
    }
    expect(endpoint.chunksMade).toBe(made);
  });

  it('a reader that stops keeps its chunks: later bodies go to new ones, and it reads its own body intact', async () => {
    round = 100;
    const slow = await open(); // headers arrived; the body is not read yet
    slow.pause();
    await bodyWritten();
    const before = endpoint.chunksMade;
    // later rounds, plain and gzipped, while the slow reader holds its body's chunks
    for (let i = 1; i <= 4; i++) {
      round = 100 + i;
      const headers: Record<string, string> = i % 2 === 0 ? { 'Accept-Encoding': 'gzip' } : {};
      expect(valuesIn(await scrape(headers))).toEqual(new Map([[String(round), SERIES]]));
      await settle();
    }
    // its chunks were not handed out again: the other rounds needed chunks of their own
    expect(endpoint.chunksMade).toBeGreaterThan(before);
    const held = readAll(slow);
    slow.resume();
    expect(valuesIn(await held)).toEqual(new Map([['100', SERIES]]));
    await chunksBack();
    const after = endpoint.chunksMade;
    round = 200;
    expect(valuesIn(await scrape())).toEqual(new Map([['200', SERIES]]));
    expect(endpoint.chunksMade).toBe(after);
  });

  it('a reader that goes away returns its chunks once its socket has closed', async () => {
    round = 300;
    const gone = await open();
    gone.pause();
    await bodyWritten();
    gone.destroy();
    await chunksBack();
    const made = endpoint.chunksMade;
    for (let i = 1; i <= 3; i++) {
      round = 300 + i;
      expect(valuesIn(await scrape())).toEqual(new Map([[String(round), SERIES]]));
      await chunksBack();
    }
    expect(endpoint.chunksMade).toBe(made);
  });
});
