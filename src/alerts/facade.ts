import { AlertConfigError } from './errors.js';
import type { Alert, AlertAction, AlertRuleInput, ComparisonOp, Duration, Severity } from './types.js';

/** `monitor.setAlert(...)`: one threshold on one metric, with a callback run once per transition to firing. */
export interface SetAlertOptions {
  /** Friendly name (`cpu_percent`) or instrument name. */
  metric: string;
  threshold: number;
  /** Called with the alert when it starts firing. */
  callback?: (alert: Alert) => unknown;
  /** Default `'>'`. */
  op?: ComparisonOp;
  /** Default 0. */
  for?: Duration;
  /** Default `'warning'`. */
  severity?: Severity;
}

/** One entry of `monitor.configureAlerts({...})`. */
export interface ConfiguredAlert {
  threshold: number;
  /** Built-in action or function. `'critical'` also makes the rule critical. Default `'warn'`. */
  action?: AlertAction | AlertAction[];
  severity?: Severity;
  for?: Duration;
  op?: ComparisonOp;
}

const toName = (metric: string, prefix = ''): string => {
  const name = `${prefix}${metric.replace(/[^a-zA-Z0-9_:]/g, '_')}`;
  return /^[0-9]/.test(name) ? `_${name}` : name;
};

/** Rule for `setAlert`, named `alert_<metric>` (so a second call on the same metric replaces it). */
export function ruleFromSetAlert(options: SetAlertOptions): AlertRuleInput {
  if (typeof options !== 'object' || options === null)
    throw new AlertConfigError('setAlert options', 'must be an object');
  if (typeof options.metric !== 'string' || options.metric === '') {
    throw new AlertConfigError('setAlert options.metric', 'must be a non-empty string');
  }
  if (options.callback !== undefined && typeof options.callback !== 'function') {
    throw new AlertConfigError('setAlert options.callback', 'must be a function');
  }
  return {
    name: toName(options.metric, 'alert_'),
    metric: options.metric,
    threshold: options.threshold,
    severity: options.severity ?? 'warning',
    op: options.op ?? '>',
    for: options.for ?? 0,
    action: options.callback ?? 'none',
  };
}

/** Rules for `configureAlerts`, one per metric, named after the metric. */
export function rulesFromConfigure(config: Record<string, ConfiguredAlert>): AlertRuleInput[] {
  if (typeof config !== 'object' || config === null)
    throw new AlertConfigError('configureAlerts config', 'must be an object');
  return Object.entries(config).map(([metric, c]) => {
    if (typeof c !== 'object' || c === null)
      throw new AlertConfigError(`configureAlerts config.${metric}`, 'must be an object');
    const actions = Array.isArray(c.action) ? c.action : [c.action ?? 'warn'];
    return {
      name: toName(metric),
      metric,
      threshold: c.threshold,
      severity: c.severity ?? (actions.includes('critical') ? 'critical' : 'warning'),
      op: c.op ?? '>',
      for: c.for ?? 0,
      action: actions,
    };
  });
}
