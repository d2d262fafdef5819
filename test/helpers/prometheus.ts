import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningPrometheus {
  url: string;
  /** Instant query; returns the `data.result` vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Polls `query` until `accept` holds or `timeoutMillis` passes (then throws with the last result). */
  waitFor(
    promql: string,
    accept: (result: { metric: Record<string, string>; value: [number, string] }[]) => boolean,
    timeoutMillis?: number,
  ): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

/** Starts a real Prometheus on 127.0.0.1 scraping `targets` every second, with its own temporary storage. */
export async function startPrometheus(
  binary: string,
  targets: string[],
  metricsPath = '/metrics',
  /** e.g. `['--enable-feature=native-histograms']` */
  extraArgs: readonly string[] = [],
): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'aiva-prom-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: aiva',
    `    metrics_path: ${metricsPath}`,
    '    static_configs:',
    `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = `http://127.0.0.1:${port}`;

  const query: RunningPrometheus['query'] = async (promql) => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data?: { result: [] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
    return body.data?.result ?? [];
  };

  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const waitFor: RunningPrometheus['waitFor'] = async (promql, accept, timeoutMillis = 30_000) => {
    const deadline = Date.now() + timeoutMillis;
    let last: Awaited<ReturnType<RunningPrometheus['query']>> = [];
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${stderr}`);
      try {
        last = await query(promql);
        if (accept(last)) return last;
      } catch (error) {
        lastError = error; // not ready yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(
      `timed out waiting for ${promql}; last result ${JSON.stringify(last)} ${String(lastError ?? '')} ${stderr}`,
    );
  };

  try {
    await waitFor('vector(1)', (result) => result.length === 1, 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, query, waitFor, stop };
}
