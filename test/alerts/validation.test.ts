import { describe, expect, it } from 'vitest';
import { AlertEngine } from '../../src/alerts/engine.js';
import {
  AlertConfigError,
  AlertEngineClosedError,
  DuplicateAlertRuleError,
} from '../../src/alerts/errors.js';
import { normalizeRule } from '../../src/alerts/rules.js';
import type { AlertRuleInput } from '../../src/alerts/types.js';
import { ConfigError } from '../../src/core/errors.js';
import { harness, TestReader } from './helpers.js';

const base: AlertRuleInput = { name: 'R', metric: 'queue_size', threshold: 1 };
const bad = (extra: Record<string, unknown>) => ({ ...base, ...extra }) as unknown as AlertRuleInput;

describe('rule validation names the field', () => {
  it.each([
    [null, 'rule must be an object, got null'],
    [bad({ name: '1x' }), 'rule.name must match'],
    [bad({ metric: '' }), 'rule.metric must be an instrument name or one of cpu_percent'],
    [bad({ aggregate: 'median' }), `rule.aggregate must be one of 'sum', 'avg'`],
    [bad({ op: '=>' }), `rule.op must be one of '>', '>=', '<', '<=', '==', '!=', got "=>"`],
    [bad({ where: 'x' }), 'rule.where must be an object'],
    [bad({ transform: 3 }), 'rule.transform must be a function'],
    [bad({ noData: 'ok' }), "rule.noData must be one of 'nodata', 'alerting', got \"ok\""],
    [bad({ ratioOf: 'p95' }), `rule.ratioOf must be one of 'rate'`],
    [bad({ rangeMillis: 0 }), 'rule.rangeMillis must be a positive number of milliseconds, got 0'],
    [bad({ promql: ' ' }), 'rule.promql must be a non-empty string'],
    [
      bad({ for: '5 minutes' }),
      "rule.for must be a non-negative number of milliseconds or a duration like '30s'",
    ],
    [bad({ keepFiringFor: -1 }), 'rule.keepFiringFor must be a non-negative number'],
    [bad({ labels: [] }), 'rule.labels must be an object of strings'],
    [bad({ labels: { team: 1 } }), 'rule.labels.team must be a string'],
    [bad({ labels: { 'a-b': 'x' } }), 'rule.labels.a-b is not a valid label name'],
    [bad({ severity: 'page' }), `rule.severity must be one of 'critical', 'warning', 'normal', got "page"`],
    [bad({ thresold: 80 }), "rule.thresold is not a known option (did you mean 'threshold'?)"],
    [bad({ threshold: {} }), 'rule.threshold must have keys among critical, warning, normal'],
    [bad({ threshold: '80' }), 'rule.threshold must be a finite number or { warning, critical, normal }'],
    [bad({ threshold: Number.NaN }), 'rule.threshold must be a finite number'],
    [
      bad({ threshold: { critical: Number.POSITIVE_INFINITY } }),
      'rule.threshold.critical must be a finite number',
    ],
    [
      bad({ action: 'reboot' }),
      'rule.action must be one of clean, scale, throttle, warn, critical, none or a function',
    ],
    [bad({ threshold: { warning: 1 }, action: { warning: 'x' } }), 'rule.action.warning must be one of'],
  ])('%#: %s', (input, message) => {
    expect(() => normalizeRule(input as AlertRuleInput)).toThrow(AlertConfigError);
    expect(() => normalizeRule(input as AlertRuleInput)).toThrow(message);
  });

  it('expands per-severity thresholds into one rule each with per-severity actions', () => {
    const rules = normalizeRule({
      ...base,
      threshold: { warning: 5, critical: 9 },
      action: { critical: 'scale' },
    });
    expect(rules.map((r) => [r.id, r.threshold, r.actions])).toEqual([
      ['R/warning', 5, []],
      ['R/critical', 9, ['scale']],
    ]);
  });
});

describe('engine option validation names the field', () => {
  const source = new TestReader();
  it.each([
    [null, 'options must be an object'],
    [{}, 'options.source is required'],
    [{ source: {} }, 'options.source must have a collect() method (a MetricReader), got an object'],
    [{ source, rulez: [] }, "options.rulez is not a known option (did you mean 'rules'?)"],
    [{ source, serviceName: '' }, 'options.serviceName must be a non-empty string'],
    [{ source, rules: {} }, 'options.rules must be an array, got an object'],
    [{ source, rules: [{ name: 'x' }] }, 'options.rules[0].metric'],
    [
      {
        source,
        rules: [base, { ...base, name: 'S' }, { ...base, name: 'T', threshold: { critical: 'high' } }],
      },
      'options.rules[2].threshold.critical must be a finite number, got "high"',
    ],
    [{ source, delivery: { maxQueue: 0 } }, 'options.delivery.maxQueue must be a positive integer, got 0'],
    [{ source, delivery: { maxRetries: 1.5 } }, 'options.delivery.maxRetries must be a non-negative integer'],
    [
      { source, shutdownTimeoutMillis: -1 },
      'options.shutdownTimeoutMillis must be a positive number of milliseconds, got -1',
    ],
    [{ source, intervals: 5 }, 'options.intervals must be an object, got 5'],
    [
      { source, intervals: { urgent: 5 } },
      'options.intervals.urgent is not a known option (known: critical, warning, normal)',
    ],
    [
      { source, intervals: { critical: 0 } },
      'options.intervals.critical must be a positive number of milliseconds',
    ],
    [{ source, notifiers: [{}] }, 'options.notifiers[0] must have a name and a send() method, got an object'],
    [{ source, alertmanager: { url: 'ftp://x' } }, 'options.alertmanager.url must be an http(s) URL'],
    [
      { source, alertmanager: { url: 'http://a', resendDelayMillis: 0 } },
      'options.alertmanager.resendDelayMillis',
    ],
    [
      { source, alertmanager: { url: 'http://a', generatorUrl: 'nope' } },
      'options.alertmanager.generatorUrl must be',
    ],
    [{ source, webhook: { url: 'not a url' } }, 'options.webhook.url must be an http(s) URL'],
  ])('%#: %s', (options, message) => {
    expect(() => new AlertEngine(options as never)).toThrow(AlertConfigError);
    expect(() => new AlertEngine(options as never)).toThrow(ConfigError);
    expect(() => new AlertEngine(options as never)).toThrow(message);
  });

  it('rejects a duplicate rule with DuplicateAlertRuleError', () => {
    const { engine } = harness();
    engine.addRule(base);
    expect(() => engine.addRule(base)).toThrow(DuplicateAlertRuleError);
    expect(() => engine.addRule(base)).toThrow('an alert rule R/warning already exists');
  });

  it('names the field for the monitor façade', () => {
    const { engine } = harness();
    expect(() => engine.setAlert({ metric: '', threshold: 1 })).toThrow(
      'setAlert options.metric must be a non-empty string',
    );
    expect(() => engine.setAlert({ metric: 'x', threshold: 1, callback: 1 as never })).toThrow(
      'setAlert options.callback must be a function',
    );
    expect(() => engine.setAlert({ metric: 'x', threshold: Number.NaN })).toThrow(
      'setAlert options.threshold must be a finite number',
    );
    expect(() => engine.configureAlerts(null as never)).toThrow('configureAlerts config must be an object');
    expect(() => engine.configureAlerts({ cpu_percent: 3 as never })).toThrow(
      'configureAlerts config.cpu_percent must be an object',
    );
    expect(() => engine.setIntervals({ warning: -5 })).toThrow(
      'intervals.warning must be a positive number of milliseconds',
    );
  });

  it('start() after shutdown throws AlertEngineClosedError', async () => {
    const { engine } = harness();
    await engine.shutdown();
    expect(() => engine.start()).toThrow(AlertEngineClosedError);
    expect(() => engine.start()).toThrow('AlertEngine was shut down');
  });
});

describe('duplicate rules in options (issue 13: a ConfigError naming only options.alerts)', () => {
  it('throws DuplicateAlertRuleError naming the repeating entry, options.alerts.rules[i], from startPerformanceSdk', async () => {
    const { startPerformanceSdk } = await import('../../src/sdk/start.js');
    const rule = { name: 'Twice', metric: 'cpu_percent', threshold: 50 } as const;
    const error = await startPerformanceSdk({
      prometheus: false,
      alerts: { rules: [rule, { name: 'Other', metric: 'cpu_percent', threshold: 1 }, rule] },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateAlertRuleError);
    expect((error as DuplicateAlertRuleError).field).toBe('options.alerts.rules[2]');
    expect((error as Error).message).toBe(
      'options.alerts.rules[2] repeats the alert rule Twice/warning of options.alerts.rules[0] (name and severity must be unique)',
    );
  });
});
