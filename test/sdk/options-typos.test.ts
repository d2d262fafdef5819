import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import type { PerformanceSdkOptions } from '../../src/sdk/options.js';
import { type PerformanceSdk, startPerformanceSdk } from '../../src/sdk/start.js';
import { freePort } from '../helpers/prometheus.js';
import { listening, QUIET_SDK } from '../helpers/sdk.js';

/*
 * A typo in a component option is a compile error (`npm run lint` type-checks this file with
 * tsconfig.check.json: each @ts-expect-error below fails the build if the line ever type-checks) and a
 * ConfigError naming the full path at run time, with nothing left running.
 */

// @ts-expect-error maxMemoryMB is not a MemoryOptions key (maxMemoryMb is)
const memoryTypo: PerformanceSdkOptions = { memory: { maxMemoryMB: 10 } };
// @ts-expect-error maxWorker is not a ProcessorOptions key (maxWorkers is)
const parallelTypo: PerformanceSdkOptions = { parallel: { maxWorker: 2 } };
// @ts-expect-error rulez is not an AlertsOptions key (rules is)
const alertsTypo: PerformanceSdkOptions = { alerts: { rulez: [] } };
// @ts-expect-error a rule's threshold is a number or one per severity
const ruleTypo: PerformanceSdkOptions = { alerts: { rules: [{ name: 'A', metric: 'x', thresold: 1 }] } };
// The correct spellings type-check, and `false` switches a component off.
const correct: PerformanceSdkOptions = {
  memory: { maxMemoryMb: 10 },
  parallel: { maxWorkers: 2 },
  alerts: { rules: [{ name: 'Busy', metric: 'queue_size', threshold: 50 }] },
};
const off: PerformanceSdkOptions = { memory: false, parallel: false, alerts: false };

const base = QUIET_SDK;
let sdk: PerformanceSdk | undefined;

afterEach(async () => {
  await sdk?.shutdown();
  sdk = undefined;
});

describe('a typo in a component option', () => {
  it.each([
    ['options.memory.maxMemoryMB', memoryTypo, "did you mean 'maxMemoryMb'?"],
    ['options.parallel.maxWorker', parallelTypo, "did you mean 'maxWorkers'?"],
    ['options.alerts.rulez', alertsTypo, "did you mean 'rules'?"],
    ['options.alerts.rules[0].thresold', ruleTypo, "did you mean 'threshold'?"],
  ])(
    '%s rejects the start with a ConfigError and leaves no server listening',
    async (field, options, hint) => {
      const port = await freePort();
      const error = await startPerformanceSdk({ ...base, ...options, prometheus: { port } }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(field);
      expect((error as ConfigError).message).toBe(`${field} is not a known option (${hint})`);
      expect(await listening(port)).toBe(false);
    },
  );

  it('the correct spellings start, and false switches the components off', async () => {
    sdk = await startPerformanceSdk({ ...base, ...correct, prometheus: false });
    expect(sdk.memory?.getMemoryStats().maxMb).toBe(10);
    expect(sdk.alerts?.rules().map((rule) => rule.name)).toContain('Busy');
    await sdk.shutdown();
    sdk = await startPerformanceSdk({ ...base, ...off, prometheus: false });
    expect([sdk.memory, sdk.alerts]).toEqual([undefined, undefined]);
  });
});
