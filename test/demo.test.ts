import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_FOUNDATION_METRICS, metricNames } from './helpers/expected-metrics.js';

// dist/ is fresh: test/global-setup.ts builds it when it is missing or older than src/.
const demo = fileURLToPath(new URL('../dist/src/demo/main.js', import.meta.url));

describe('npm start (the demo service)', () => {
  it('serves every foundation metric on /metrics and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [demo], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    try {
      const url = await waitFor(() => /metrics:\s+(http:\/\/\S+\/metrics)/.exec(output)?.[1], 15_000);
      // The demo's jobs, batches and GC take a few seconds to produce every series.
      const missing = await waitFor(async () => {
        const names = metricNames(await (await fetch(url)).text());
        const absent = ALL_FOUNDATION_METRICS.filter((name) => !names.has(name));
        return absent.length === 0 ? absent : undefined;
      }, 20_000).catch(() => ALL_FOUNDATION_METRICS);
      expect(missing).toEqual([]);
      const body = await (await fetch(url)).text();
      expect(body).toContain('aiva_task_duration_count{aiva_task_name="demo_job"');
      expect(body).toContain('aiva_memory_used{');
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('stopped cleanly');
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  }, 60_000);
});

async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMillis: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${timeoutMillis} ms`);
}
