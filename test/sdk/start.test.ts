import { createServer, type Server } from 'node:net';
import { metrics } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { PortInUseError } from '../../src/sdk/errors.js';
import { type PerformanceSdk, startPerformanceSdk } from '../../src/sdk/start.js';

const quiet = {
  hostMetrics: false,
  runtimeMetrics: false,
  memory: false,
  parallel: false,
  alerts: false,
} as const;
let sdk: PerformanceSdk | undefined;

afterEach(async () => {
  await sdk?.shutdown();
  sdk = undefined;
});

async function occupiedPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return { server, port: address.port };
}

async function isListening(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`);
    return true;
  } catch {
    return false;
  }
}

describe('startPerformanceSdk', () => {
  it('serves /healthz as JSON, 404 for unknown paths and 405 for other methods', async () => {
    sdk = await startPerformanceSdk({ ...quiet, serviceName: 'health-test', prometheus: { port: 0 } });
    expect(sdk.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${sdk.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toContain('application/json');
    expect(await health.json()).toMatchObject({ status: 'ok', service: 'health-test' });
    expect((await fetch(`${sdk.url}/nope`)).status).toBe(404);
    const post = await fetch(`${sdk.url}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('protects /metrics with a bearer token when one is configured', async () => {
    sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0, token: 's3cret' } });
    expect((await fetch(`${sdk.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${sdk.url}/metrics`, { headers: { authorization: 'Bearer wrong!' } })).status).toBe(
      401,
    );
    const ok = await fetch(`${sdk.url}/metrics`, { headers: { authorization: 'Bearer s3cret' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('target_info');
    // one rule for every route (issue 13): /healthz too, unless prometheus.openHealthz
    expect((await fetch(`${sdk.url}/healthz`)).status).toBe(401);
  });

  it('serves the metrics endpoint at a custom path', async () => {
    sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0, endpoint: '/prom' } });
    expect((await fetch(`${sdk.url}/prom`)).status).toBe(200);
    expect((await fetch(`${sdk.url}/metrics`)).status).toBe(404);
  });

  it('rejects a second start while running, and starts again after shutdown', async () => {
    sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0 } });
    await expect(startPerformanceSdk({ ...quiet, prometheus: { port: 0 } })).rejects.toThrow(ConfigError);
    await expect(startPerformanceSdk({ ...quiet, prometheus: { port: 0 } })).rejects.toThrow(
      /already called/,
    );
    await sdk.shutdown();
    sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0 } });
    expect(sdk.url).toBeDefined();
  });

  it('rejects concurrent starts: only one wins', async () => {
    const results = await Promise.allSettled([
      startPerformanceSdk({ ...quiet, prometheus: { port: 0 } }),
      startPerformanceSdk({ ...quiet, prometheus: { port: 0 } }),
    ]);
    const started = results.filter((r) => r.status === 'fulfilled');
    expect(started).toHaveLength(1);
    sdk = (started[0] as PromiseFulfilledResult<PerformanceSdk>).value;
  });

  it('rejects with PortInUseError naming the port, and leaves nothing started', async () => {
    const { server, port } = await occupiedPort();
    try {
      const error = await startPerformanceSdk({ ...quiet, prometheus: { port } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as PortInUseError).port).toBe(port);
      expect((error as Error).message).toContain(`127.0.0.1:${port} is already in use`);
      // The failed start did not register a provider, and a new start succeeds at once.
      expect(metrics.getMeterProvider().constructor.name).not.toBe('MeterProvider');
      sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0 } });
    } finally {
      server.close();
    }
  });

  it('rejects an invalid option with a ConfigError before listening on anything', async () => {
    const { server, port } = await occupiedPort();
    server.close();
    await new Promise((resolve) => server.once('close', resolve));
    const error = await startPerformanceSdk({
      prometheus: { port },
      hostMetrics: { intervalMillis: -1 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('options.hostMetrics.intervalMillis');
    expect(await isListening(port)).toBe(false);
  });

  it('registers globally so @opentelemetry/api users record into it, and unregisters on shutdown', async () => {
    sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0 } });
    metrics.getMeter('app').createCounter('app.requests').add(3, { route: '/x' });
    const body = await (await fetch(`${sdk.url}/metrics`)).text();
    expect(body).toMatch(/^app_requests_total\{route="\/x",otel_scope_name="app"\} 3$/m);
    await sdk.shutdown();
    expect(metrics.getMeterProvider()).not.toBe(sdk.meterProvider);
  });

  it('does not register globally with registerGlobal: false, but perf.trackTask still records', async () => {
    sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0 }, registerGlobal: false });
    expect(metrics.getMeterProvider()).not.toBe(sdk.meterProvider);
    await sdk.trackTask('local_only', async () => 1);
    const body = await (await fetch(`${sdk.url}/metrics`)).text();
    expect(body).toMatch(/aiva_task_duration_count\{aiva_task_name="local_only",aiva_task_outcome="ok"/);
  });

  it('sets the resource: service name/version, instance id, host name, pid', async () => {
    sdk = await startPerformanceSdk({
      ...quiet,
      serviceName: 'res-test',
      serviceVersion: '1.2.3',
      prometheus: { port: 0 },
    });
    const body = await (await fetch(`${sdk.url}/metrics`)).text();
    const target = body.split('\n').find((line) => line.startsWith('target_info{')) ?? '';
    expect(target).toContain('service_name="res-test"');
    expect(target).toContain('service_version="1.2.3"');
    expect(target).toMatch(/service_instance_id="[0-9a-f-]{36}"/);
    expect(target).toContain(`process_pid="${process.pid}"`);
    expect(target).toContain('host_name=');
  });

  it('shutdown is idempotent and closes the server', async () => {
    sdk = await startPerformanceSdk({ ...quiet, prometheus: { port: 0 } });
    const port = Number(new URL(sdk.url ?? '').port);
    await Promise.all([sdk.shutdown(), sdk.shutdown()]);
    await sdk.shutdown();
    expect(await isListening(port)).toBe(false);
  });

  it('runs without a metrics server when prometheus is false', async () => {
    sdk = await startPerformanceSdk({ ...quiet, prometheus: false });
    expect(sdk.url).toBeUndefined();
    sdk.startTimer('no-server')('error');
    const m = await sdk.monitor.getCurrentMetrics();
    // the monitor reads the in-process reader: the task is there; no queue registered is no data
    expect(m.taskErrorRate).toBe(1);
    expect(m.queueSize).toBeNaN();
  });
});
