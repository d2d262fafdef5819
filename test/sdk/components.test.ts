import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { ProcessorClosedError } from '../../src/parallel/index.js';
import { type PerformanceSdk, startPerformanceSdk } from '../../src/sdk/start.js';
import { freePort } from '../helpers/prometheus.js';
import { listening, QUIET_SDK } from '../helpers/sdk.js';

const base = QUIET_SDK;
let sdk: PerformanceSdk | undefined;

afterEach(async () => {
  await sdk?.shutdown();
  sdk = undefined;
});

describe('components wired into startPerformanceSdk', () => {
  it('exposes perf.memory configured from the preset, with user overrides', async () => {
    sdk = await startPerformanceSdk({ ...base, preset: 'development', prometheus: { port: 0 } });
    expect(sdk.memory?.getMemoryStats().maxMb).toBe(1024);
    await sdk.shutdown();
    sdk = await startPerformanceSdk({ ...base, prometheus: { port: 0 }, memory: { maxMemoryMb: 64 } });
    expect(sdk.memory?.getMemoryStats().maxMb).toBe(64);
  });

  it('fails a start with a bad memory option as a ConfigError naming options.memory.*, closing the server it had opened', async () => {
    const port = await freePort();
    const error = await startPerformanceSdk({
      ...base,
      prometheus: { port },
      memory: { maxMemoryMb: -1 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('options.memory.maxMemoryMb');
    expect(await listening(port)).toBe(false);
    sdk = await startPerformanceSdk({ ...base, prometheus: { port: 0 } }); // nothing left "running"
  });

  it('validates parallel options at start, not at first use', async () => {
    const error = await startPerformanceSdk({
      ...base,
      prometheus: false,
      parallel: { maxWorkers: 0 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('options.parallel.maxWorkers');
  });

  it('creates perf.processor on first access, once, and closes it on shutdown', async () => {
    sdk = await startPerformanceSdk({ ...base, prometheus: false, parallel: { maxWorkers: 2 } });
    const processor = sdk.processor;
    expect(sdk.processor).toBe(processor);
    expect(processor.stats().workers).toBeLessThanOrEqual(2);
    await sdk.shutdown();
    await expect(processor.close()).resolves.toBeUndefined();
  });

  it('refuses to create perf.processor after shutdown (it would never be closed)', async () => {
    sdk = await startPerformanceSdk({ ...base, prometheus: false });
    await sdk.shutdown();
    expect(() => sdk?.processor).toThrow(ProcessorClosedError);
  });

  it('throws a ConfigError for perf.processor with parallel: false', async () => {
    sdk = await startPerformanceSdk({ ...base, prometheus: false, parallel: false });
    expect(() => sdk?.processor).toThrow(/options.parallel is false/);
  });

  it('serves GET /alerts with the default rules and wires monitor.setAlert to the engine', async () => {
    sdk = await startPerformanceSdk({ ...base, prometheus: { port: 0 } });
    const response = await fetch(`${sdk.url}/alerts`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { service: string; alerts: unknown[] };
    expect(body.service).toBe(sdk.config.serviceName);
    expect(Array.isArray(body.alerts)).toBe(true);
    const ruleNames = new Set(sdk.alerts?.rules().map((rule) => rule.name));
    expect([...ruleNames].sort()).toEqual([
      'HighCpuUsage',
      'HighMemoryUsage',
      'SlowTasks',
      'TaskQueueBacklog',
    ]);
    const before = sdk.alerts?.rules().length ?? 0;
    sdk.monitor.setAlert({ metric: 'queue_size', threshold: 10, callback: () => {} });
    expect(sdk.alerts?.rules().length).toBeGreaterThan(before);
  });

  it('has no /alerts route and no engine with alerts: false', async () => {
    sdk = await startPerformanceSdk({ ...base, prometheus: { port: 0 }, alerts: false });
    expect(sdk.alerts).toBeUndefined();
    expect((await fetch(`${sdk.url}/alerts`)).status).toBe(404);
  });
});
