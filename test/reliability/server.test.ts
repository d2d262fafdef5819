import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { resolveConfig } from '../../src/sdk/config.js';
import { type PerformanceSdk, startPerformanceSdk } from '../../src/sdk/start.js';

const quiet = { hostMetrics: false, runtimeMetrics: false, memory: false } as const;
let sdk: PerformanceSdk | undefined;

afterEach(async () => {
  await sdk?.shutdown();
  sdk = undefined;
});

function get(path: string, token?: string): Promise<Response> {
  return fetch(`${sdk?.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
}

describe('one auth rule for every route (issue 13: the token protected /metrics only)', () => {
  it('answers 401 on every route without the token, including /healthz, /alerts and unknown paths', async () => {
    sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0, token: 't0ken' } });
    for (const path of ['/metrics', '/healthz', '/alerts', '/nope', '/metrics?x=1']) {
      const response = await get(path);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate'), path).toMatch(/^Bearer/);
      expect(await response.text(), path).not.toMatch(/service|threshold|uptime/);
      expect((await get(path, 'wrong')).status, path).toBe(401);
    }
    expect((await get('/metrics', 't0ken')).status).toBe(200);
    expect((await get('/healthz', 't0ken')).status).toBe(200);
    expect((await get('/alerts', 't0ken')).status).toBe(200);
    expect((await get('/nope', 't0ken')).status).toBe(404);
  });

  it('leaves /healthz open only with prometheus.openHealthz: true', async () => {
    sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0, token: 't0ken', openHealthz: true } });
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/alerts')).status).toBe(401);
  });
});

describe('metrics endpoint validation (issue 13: /healthz or /alerts replaced a route, /metrics?x 404ed everything)', () => {
  it.each([
    ['/healthz', /must not be a path the server serves itself/],
    ['/alerts', /must not be a path the server serves itself/],
    ['/alerts/', /must not be a path the server serves itself/],
    ['/dashboard', /must not be a path the server serves itself/],
    ['/api/metrics', /must not be a path the server serves itself/],
    ['/metrics?x', /must be a plain path/],
    ['/metrics#top', /must be a plain path/],
    ['/a/../healthz', /must be a plain path/],
    ['/a//b', /must be a plain path/],
    ['/met rics', /must be a plain path/],
  ])('rejects %s with a ConfigError naming options.prometheus.endpoint', (endpoint, message) => {
    let error: unknown;
    try {
      resolveConfig({ prometheus: { endpoint } }, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('options.prometheus.endpoint');
    expect((error as ConfigError).message).toMatch(message);
  });

  it('accepts plain paths such as /internal/metrics and /apis', () => {
    for (const endpoint of ['/internal/metrics', '/apis', '/metrics/', '/v1.0/prom_metrics'])
      expect(resolveConfig({ prometheus: { endpoint } }, {}).prometheus).toMatchObject({ endpoint });
  });

  it('rejects a headers timeout longer than the request timeout, and limits out of range', () => {
    expect(() =>
      resolveConfig({ prometheus: { headersTimeoutMillis: 5000, requestTimeoutMillis: 1000 } }, {}),
    ).toThrow(
      /options.prometheus.headersTimeoutMillis must not exceed options.prometheus.requestTimeoutMillis/,
    );
    expect(() => resolveConfig({ prometheus: { maxConnections: 0 } }, {})).toThrow(
      /options.prometheus.maxConnections/,
    );
    expect(() => resolveConfig({ prometheus: { maxHeaderSizeBytes: 10 } }, {})).toThrow(
      /options.prometheus.maxHeaderSizeBytes/,
    );
  });
});

/** Resolves once `count` of `sockets` have been closed (by the server: the test never ends them). */
function closes(sockets: Socket[], count: number): Promise<void> {
  return new Promise((resolve) => {
    let closed = 0;
    for (const socket of sockets) {
      socket.on('error', () => {});
      socket.once('close', () => {
        closed++;
        if (closed === count) resolve();
      });
    }
  });
}

describe('hardened server (issue 13: 500 slowloris connections stayed open as long as they liked)', () => {
  it('closes 500 slowloris connections within the headers timeout while scrapes still succeed', async () => {
    const headersTimeoutMillis = 1000;
    sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0, headersTimeoutMillis } });
    const { hostname, port } = new URL(sdk.url ?? '');
    const sockets: Socket[] = [];
    for (let i = 0; i < 500; i++) {
      const socket = connect(Number(port), hostname);
      socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
      sockets.push(socket);
    }
    const allClosed = closes(sockets, sockets.length);
    const openedAt = performance.now();
    // one header byte a socket every 200 ms: a slowloris never finishes its head
    const drip = setInterval(() => {
      for (const socket of sockets) if (!socket.destroyed) socket.write('X');
    }, 200);
    try {
      const scrapes = await Promise.all(
        Array.from({ length: 5 }, () => get('/metrics').then((r) => r.status)),
      );
      expect(scrapes).toEqual([200, 200, 200, 200, 200]);
      await allClosed;
      const closedAfterMillis = performance.now() - openedAt;
      // Node's defaults kept them 60 s (headers) / 300 s (request); the bound here is the timeout plus
      // the server's checking interval and a margin for a loaded 2-core machine, far below either.
      expect(closedAfterMillis).toBeLessThan(headersTimeoutMillis * 6);
      expect(sockets.every((s) => s.destroyed)).toBe(true);
      expect((await get('/metrics')).status).toBe(200);
    } finally {
      clearInterval(drip);
      for (const socket of sockets) socket.destroy();
    }
  }, 30_000);

  it('closes connections past maxConnections at once', async () => {
    sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0, maxConnections: 3 } });
    const { hostname, port } = new URL(sdk.url ?? '');
    const sockets = Array.from({ length: 8 }, () => connect(Number(port), hostname));
    try {
      await closes(sockets, 5); // the 5 over the cap; the 3 within stay until their timeouts
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it('answers 431 to a request head over maxHeaderSizeBytes', async () => {
    sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0, maxHeaderSizeBytes: 2048 } });
    const response = await fetch(`${sdk.url}/metrics`, { headers: { 'x-big': 'a'.repeat(4096) } });
    expect(response.status).toBe(431);
  });
});
