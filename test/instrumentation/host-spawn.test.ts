import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, providerWith } from './host-helpers.js';

/**
 * A host reading on Linux must start no child process. systeminformation
 * (behind host-metrics' network group) captures `require('child_process')`'s
 * functions when its modules load, so they are wrapped here *before* host.ts
 * (and with it host-metrics and systeminformation) is imported; vitest runs
 * each test file in its own fork, so nothing has loaded them yet. A positive
 * control proves the wrapping sees the spawns: with the platform forced to
 * 'darwin', host-metrics keeps its network group and its reading runs
 * `ip route`, which must be seen.
 */
const linux = process.platform === 'linux';
const childProcess = createRequire(import.meta.url)('node:child_process') as Record<string, unknown>;
const spawned: string[] = [];
const originals = new Map<string, unknown>();
for (const name of ['exec', 'execSync', 'execFile', 'execFileSync', 'spawn', 'spawnSync', 'fork']) {
  const original = childProcess[name] as (...args: unknown[]) => unknown;
  originals.set(name, original);
  childProcess[name] = function (this: unknown, ...args: unknown[]) {
    spawned.push(`${name} ${String(args[0])}`);
    return original.apply(this, args);
  };
}
afterAll(() => {
  for (const [name, original] of originals) childProcess[name] = original;
});

const { startHostMetricsWith } = await import('../../src/instrumentation/host.js');

describe.skipIf(!linux)('no child process per host reading', () => {
  it('collects every host metric on Linux without spawning (no ip route)', async () => {
    const { meterProvider, readers } = providerWith(2);
    let clock = 0;
    const host = startHostMetricsWith(
      { meterProvider, intervalMillis: 1_000, perCpu: false, semconvStability: 'new' },
      { now: () => clock },
    );
    try {
      spawned.length = 0;
      for (let round = 0; round < 3; round++) {
        clock += 1_000; // a fresh reading every round
        for (const r of readers) {
          const points = await collect(r);
          expect(points.some((p) => p.name === 'system.network.io')).toBe(true);
        }
      }
      expect(host.hostReads).toBe(3);
      expect(host.libraryReads).toBe(3);
      expect(spawned).toEqual([]);
    } finally {
      host.shutdown();
    }
  });

  it('control: host-metrics network group (platform forced to darwin) is seen spawning ip route', async () => {
    const { meterProvider, readers } = providerWith(1);
    const host = startHostMetricsWith(
      { meterProvider, intervalMillis: 1_000, perCpu: false, semconvStability: 'new' },
      { platform: 'darwin' },
    );
    try {
      spawned.length = 0;
      await collect(readers[0] as never);
      expect(spawned.some((s) => s.includes('ip route'))).toBe(true);
    } finally {
      host.shutdown();
    }
  });
});
