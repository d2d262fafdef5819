import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { metrics } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParallelProcessor } from '../../src/parallel/index.js';
import {
  attachPerformanceSdk,
  createPerformanceMetricsComponents,
  startPerformanceSdk,
} from '../../src/sdk/start.js';
import { type OtlpReceiver, startOtlpReceiver } from '../helpers/otlp-receiver.js';

const fixture = fileURLToPath(new URL('../fixtures/disabled-sdk.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/src/index.js', import.meta.url)));

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await receiver?.close();
  receiver = undefined;
});

function runFixture(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [fixture], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  // Bounded: anything left listening or pushing would keep the child alive until this kill.
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('OTEL_SDK_DISABLED=true', () => {
  it.skipIf(!built)(
    'every method works, nothing listens or pushes, and the process exits by itself',
    async () => {
      receiver = await startOtlpReceiver();
      const { code, stdout, stderr } = await runFixture({
        OTEL_SDK_DISABLED: 'true',
        OTEL_METRICS_EXPORTER: 'prometheus,otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_METRIC_EXPORT_INTERVAL: '50',
      });
      expect(stderr).toBe('');
      expect(code).toBe(0); // exited on its own: never killed, never shut down
      const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
      expect(report).toEqual({
        url: null,
        tracked: 42,
        memoryUsedMb: 1,
        cpuPercent: null, // NaN: nothing is measured
        disabled: true,
        prometheus: false,
        otlp: false,
        globalIsOurs: false,
        left: [],
      });
      expect(receiver.received).toEqual([]);
    },
  );

  it('returns a handle of the same shape whose shutdown works, and can start again', async () => {
    vi.stubEnv('OTEL_SDK_DISABLED', 'true');
    const before = metrics.getMeterProvider();
    const perf = await startPerformanceSdk({ prometheus: { port: 0 }, alerts: {} });
    expect(perf.url).toBeUndefined();
    expect(perf.alerts).toBeUndefined();
    expect(perf.config).toMatchObject({
      disabled: true,
      prometheus: false,
      otlp: false,
      registerGlobal: false,
    });
    expect(metrics.getMeterProvider()).toBe(before);
    expect(perf.processor).toBeInstanceOf(ParallelProcessor);
    expect(perf.processor.options.bridgeWorkerMetrics).toBe(false);
    expect(perf.trackTask('sync', () => 'value')).toBe('value');
    perf.monitor.start({ intervalMillis: 1000 });
    expect(Number.isNaN((await perf.monitor.getCurrentMetrics()).memoryUsedMb)).toBe(true);
    await Promise.all([perf.shutdown(), perf.shutdown()]);
    const again = await startPerformanceSdk();
    await again.shutdown();
  });

  it('gives NodeSDK no reader, and attach returns the no-op handle', async () => {
    vi.stubEnv('OTEL_SDK_DISABLED', 'true');
    const components = createPerformanceMetricsComponents({ serviceName: 'api', prometheus: { port: 0 } });
    expect(components.metricReaders).toEqual([]);
    expect(components.views).toEqual([]);
    const perf = await attachPerformanceSdk(components);
    expect(perf.url).toBeUndefined();
    await perf.shutdown();
  });
});
