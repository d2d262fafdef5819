import { describe, expect, it } from 'vitest';
import { MISSING_AFTER_EVALUATIONS } from '../../src/alerts/missing-metric.js';
import { harness } from './helpers.js';

describe('a rule on a metric nothing reports (issue 13: it sat in "no data" forever)', () => {
  it('is reported once, in the log and in /alerts, after a few evaluations; cleared when it appears', async () => {
    const { engine, logger, meter } = harness({
      rules: [{ name: 'Typo', metric: 'aiva.task.queue.sise', threshold: 1, severity: 'critical' }],
    });
    for (let i = 0; i < MISSING_AFTER_EVALUATIONS - 1; i++) await engine.evaluate();
    expect(engine.status().missingMetrics).toEqual([]);
    for (let i = 0; i < 3; i++) await engine.evaluate();
    expect(engine.status().missingMetrics).toEqual([
      { rule: 'Typo/critical', metric: 'aiva.task.queue.sise' },
    ]);
    const warnings = logger.warn.mock.calls.filter(([message]) =>
      String(message).includes('no instrument named'),
    );
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.[0])).toContain('"aiva.task.queue.sise"');
    // The metric appears (it was only created late): no longer missing.
    meter.createObservableGauge('aiva.task.queue.sise').addCallback((r) => r.observe(0));
    await engine.evaluate();
    expect(engine.status().missingMetrics).toEqual([]);
    await engine.shutdown();
  });

  it('does not report a real metric that merely has no series matching `where`, nor friendly metrics', async () => {
    const { engine, host } = harness({
      rules: [
        {
          name: 'Filtered',
          metric: 'aiva.task.queue.size',
          where: { 'aiva.queue.name': 'other' },
          threshold: 1,
        },
        { name: 'Friendly', metric: 'response_time', threshold: 1 },
      ],
    });
    host.queue = 3;
    for (let i = 0; i < MISSING_AFTER_EVALUATIONS + 2; i++) await engine.evaluate();
    expect(engine.status().missingMetrics).toEqual([]);
    await engine.shutdown();
  });
});
