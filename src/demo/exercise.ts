/**
 * What the demo does besides its steady jobs, so every panel of the Grafana dashboards has data
 * within a minute of `npm start`: every task outcome, a small cache that evicts and compresses, a
 * refused allocation, pool maps in both modes, and a demo alert rule that goes pending → firing →
 * resolved in a loop. The SDK's default rules stay untouched.
 */
import { metrics } from '@opentelemetry/api';
import type { AlertRuleInput, PerformanceSdk, TaskDefinition } from '../index.js';
import { UnifiedMemoryManager } from '../index.js';

/** Half of each period the demo "burst" gauge is 1; the rule fires after `for`, resolves after. */
const BURST_PERIOD_MILLIS = 24_000;

/** The demo's own alert rule, passed with the SDK options. Critical: evaluated every few seconds. */
export const DEMO_ALERT_RULE: AlertRuleInput = {
  name: 'DemoBurst',
  metric: 'aiva.demo.burst',
  threshold: { critical: 0.5 },
  for: '4s',
  action: 'warn',
  annotations: { summary: 'Demo burst active (a demo rule; it resolves by itself)' },
};

export interface Exercise {
  stop(): void;
}

export function startExercise(perf: PerformanceSdk, checksum: TaskDefinition<number, number>): Exercise {
  const burstGauge = metrics.getMeter('aiva-performance/demo').createObservableGauge('aiva.demo.burst', {
    description: 'Demo only: 1 while the demo burst is on (drives the DemoBurst alert rule).',
    unit: '1',
  });
  const startedAt = Date.now();
  burstGauge.addCallback((result) => {
    result.observe((Date.now() - startedAt) % BURST_PERIOD_MILLIS < BURST_PERIOD_MILLIS / 2 ? 1 : 0);
  });

  // A small second manager so eviction, compression and a refusal happen within seconds.
  const cache = new UnifiedMemoryManager({
    name: 'demo-cache',
    maxMemoryMb: 8,
    cacheSizeMb: 2,
    enableCompression: true,
    compressIdleMillis: 1_000,
    cleanupIntervalMillis: 1_000,
    kindLimitsMb: { model: 1 },
  });
  let key = 0;
  const fillCache = setInterval(() => {
    // Compressible 256 KiB entries: the 2 MiB bound evicts the oldest every few ticks.
    for (let i = 0; i < 2; i++) cache.cache.set(`entry:${key++}`, 'aiva '.repeat(52_429));
    try {
      using refused = cache.allocate({ sizeMb: 2, label: 'too_big', kind: 'model' });
      void refused;
    } catch {
      // expected: 2 MiB of model memory exceeds its 1 MiB kind limit; recorded as outcome="rejected"
    }
  }, 500);

  const outcomes = setInterval(() => {
    perf.startTimer('demo_timeout')('timeout');
    perf.startTimer('demo_cancelled')('cancelled');
  }, 1_000);

  const processMaps = setInterval(() => {
    const seeds = [1, 2, 3, 4];
    void perf.processor.map(checksum, seeds, { mode: 'process' }).catch(() => {});
  }, 5_000);

  return {
    stop() {
      clearInterval(fillCache);
      clearInterval(outcomes);
      clearInterval(processMaps);
      cache.close();
    },
  };
}
