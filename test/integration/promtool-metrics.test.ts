import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PerformanceSdk, startPerformanceSdk } from '../../src/sdk/start.js';
import { requireBinary } from '../helpers/binaries.js';

const promtool = requireBinary('promtool', 'prometheus');

describe.skipIf(promtool.skip)('promtool check metrics', () => {
  let sdk: PerformanceSdk;
  beforeAll(async () => {
    sdk = await startPerformanceSdk({ serviceName: 'promtool-test', prometheus: { port: 0 } });
    await sdk.trackTask('lint_task', async () => {});
    await sdk.trackTask('lint_task', async () => Promise.reject(new Error('x'))).catch(() => {});
  });
  afterAll(() => sdk.shutdown());

  it('reports nothing on the /metrics body', async () => {
    const body = await (await fetch(`${sdk.url}/metrics`)).text();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(promtool.path as string, ['check', 'metrics'], (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
      );
      child.stdin?.end(body);
    });
    expect(output).toBe('');
    expect(code).toBe(0);
  });
});
