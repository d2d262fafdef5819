import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEngine } from '../../src/alerts/engine.js';
import { flattenMetrics } from '../../src/core/query.js';
import { fakeLogger, testProvider } from '../alerts/helpers.js';
import { requireBinary } from '../helpers/binaries.js';

const alertmanager = requireBinary('prometheus-alertmanager', 'prometheus-alertmanager');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Polls `check` every 100 ms, at most `attempts` times; returns its first truthy result. */
async function until<T>(check: () => Promise<T | undefined>, attempts = 100): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const v = await check().catch(() => undefined);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met after ${attempts} attempts`);
}

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
  status: { state: string };
}

describe.skipIf(alertmanager.skip)('a real Alertmanager 0.25 receives alerts from the engine', () => {
  let child: ChildProcess | undefined;
  let dir: string;
  let base: string;
  let stderr = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aiva-am-'));
    const config = join(dir, 'alertmanager.yml');
    writeFileSync(config, "route:\n  receiver: 'null'\n  group_wait: 1s\nreceivers:\n  - name: 'null'\n");
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(
      alertmanager.path!,
      [
        `--config.file=${config}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (d) => {
      stderr = (stderr + String(d)).slice(-4000);
    });
    await until(async () => (await fetch(`${base}/-/ready`)).ok || undefined).catch((error) => {
      throw new Error(`alertmanager did not become ready: ${error}\n${stderr}`);
    });
  }, 30_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const alertsNamed = async (name: string): Promise<GettableAlert[]> => {
    const res = await fetch(`${base}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${name}"`)}`);
    if (!res.ok) throw new Error(`GET alerts ${res.status}`);
    return (await res.json()) as GettableAlert[];
  };

  it('sees the alert firing with our labels and annotations, then resolved', async () => {
    const { provider, reader } = testProvider();
    let queue = 5000;
    provider
      .getMeter('tasks')
      .createObservableGauge('aiva.task.queue.size')
      .addCallback((r) => r.observe(queue, { 'aiva.queue.name': 'scan' }));
    const engine = new AlertEngine({
      source: reader,
      meterProvider: provider,
      defaults: false,
      log: false,
      logger: fakeLogger(),
      serviceName: 'scanner',
      rules: [
        {
          name: 'AivaIntegrationBacklog',
          metric: 'queue_size',
          threshold: 1000,
          severity: 'critical',
          labels: { team: 'scan' },
          annotations: { summary: '{{value}} queued (threshold {{threshold}})' },
        },
      ],
      alertmanager: { url: base, generatorUrl: 'http://127.0.0.1:9464/alerts' },
      delivery: { maxRetries: 5, backoffMillis: 100, timeoutMillis: 5000 },
    });

    await engine.evaluate();
    expect(engine.list()[0]?.state).toBe('firing');
    const [firing] = await until(async () => {
      const list = await alertsNamed('AivaIntegrationBacklog');
      return list.length > 0 ? list : undefined;
    });
    expect(firing?.labels).toEqual({
      alertname: 'AivaIntegrationBacklog',
      severity: 'critical',
      service: 'scanner',
      team: 'scan',
    });
    expect(firing?.annotations).toEqual({ summary: '5000.00 queued (threshold 1000)' });
    expect(firing?.status.state).toBe('active');
    expect(firing?.generatorURL).toBe('http://127.0.0.1:9464/alerts?alertname=AivaIntegrationBacklog');
    expect(Date.parse(firing!.endsAt)).toBeGreaterThan(Date.now());

    queue = 0;
    await engine.evaluate();
    const resolvedAt = engine.list()[0]?.resolvedAt;
    expect(resolvedAt).not.toBeNull();
    // Alertmanager 0.25 stops listing an alert once its endsAt is in the past (the resolve we posted)
    await until(async () => ((await alertsNamed('AivaIntegrationBacklog')).length === 0 ? true : undefined));

    await engine.shutdown();
    const sent = flattenMetrics(await reader.collect()).select('aiva.alerts.notifications', {
      notifier: 'alertmanager',
      outcome: 'success',
    });
    expect(sent[0]?.value).toBe(2);
    await provider.shutdown();
  }, 30_000);
});
