import { type MeterProvider, metrics } from '@opentelemetry/api';
import { flattenMetrics, type MetricSnapshot } from '../core/query.js';
import { runActions } from './actions.js';
import { type AlertsStatus, buildAlert, renderLabels } from './alert.js';
import { DEFAULT_ALERT_RULES } from './defaults.js';
import { Dispatcher } from './dispatch.js';
import { AlertEngineClosedError, DuplicateAlertRuleError } from './errors.js';
import {
  type ConfiguredAlert,
  ruleFromSetAlert,
  rulesFromConfigure,
  type SetAlertOptions,
} from './facade.js';
import { AlertMetrics } from './metrics.js';
import { MissingMetricWatch } from './missing-metric.js';
import { AlertmanagerNotifier, LogNotifier, WebhookNotifier } from './notifiers.js';
import {
  ALERT_ENGINE_OPTIONS_SCHEMA,
  type AlertEngineOptions,
  checkIntervals,
  type ResolvedAlertsOptions,
  resolveAlertsOptions,
} from './options.js';
import { evaluateRuleValue, normalizeRule, SEVERITIES } from './rules.js';
import { SeverityScheduler } from './scheduler.js';
import { initialState, type RuleState, step } from './state.js';
import type {
  Alert,
  AlertActionTargets,
  AlertEventName,
  AlertIntervals,
  AlertLogger,
  AlertNotification,
  AlertRule,
  AlertRuleInput,
  MetricSource,
  Severity,
} from './types.js';
import { RangeMemory } from './window.js';

interface Entry {
  rule: AlertRule;
  state: RuleState;
  memory: RangeMemory;
  labels: Readonly<Record<string, string>>;
}

type Listener = (alert: Alert) => void;

/**
 * Evaluates alert rules in-process against the SDK's in-process reader.
 * Rules due at the same tick share one `collect()`; each severity has its own
 * interval. Transitions follow Prometheus (pending → firing → resolved, `for`,
 * `keepFiringFor`) plus `nodata`; actions run once per transition to firing;
 * notifications go through bounded, retrying queues that never block evaluation.
 *
 * @example
 * ```ts
 * const engine = new AlertEngine({ source: reader, serviceName: 'scanner', alertmanager: { url } });
 * engine.on('firing', (a) => console.log(a.name, a.value));
 * engine.start();
 * await engine.shutdown();
 * ```
 */
export class AlertEngine {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Map<AlertEventName, Set<Listener>>();
  private readonly options: ResolvedAlertsOptions;
  private readonly source: MetricSource;
  private readonly targets: AlertActionTargets;
  private readonly logger: AlertLogger;
  private readonly serviceName: string | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly metrics: AlertMetrics;
  private readonly intervals: AlertIntervals;
  private readonly scheduler: SeverityScheduler;
  private inFlight: Promise<void> | undefined;
  private started = false;
  private closed = false;
  private lastEvaluatedMs: number | undefined;
  private readonly missing: MissingMetricWatch;

  constructor(options: AlertEngineOptions) {
    this.options = resolveAlertsOptions(options, 'options', ALERT_ENGINE_OPTIONS_SCHEMA);
    this.intervals = { ...this.options.intervals };
    this.scheduler = new SeverityScheduler(this.intervals, (due) => this.tick(due));
    this.source = options.source;
    this.targets = options.actions ?? {};
    this.logger = options.logger ?? console;
    this.missing = new MissingMetricWatch(this.logger);
    this.serviceName = options.serviceName;
    const provider: MeterProvider = options.meterProvider ?? metrics.getMeterProvider();

    const custom = new Set(this.options.rules.map((r) => r?.name));
    const inputs: [AlertRuleInput, string][] = [
      ...(this.options.defaults ? DEFAULT_ALERT_RULES.filter((r) => !custom.has(r.name)) : []).map(
        (r, i): [AlertRuleInput, string] => [r, `DEFAULT_ALERT_RULES[${i}]`],
      ),
      ...this.options.rules.map((r, i): [AlertRuleInput, string] => [r, `options.rules[${i}]`]),
    ];
    for (const [input, field] of inputs) this.add(normalizeRule(input, field));

    const notifiers = [...(options.notifiers ?? [])];
    if (this.options.log) notifiers.unshift(new LogNotifier(this.logger));
    if (options.alertmanager) notifiers.push(new AlertmanagerNotifier(options.alertmanager));
    if (options.webhook) notifiers.push(new WebhookNotifier(options.webhook));
    // everything is validated: only now register the instruments (nothing half-started on bad options)
    this.metrics = new AlertMetrics(provider, () => this.entryViews());
    this.dispatcher = new Dispatcher(
      notifiers,
      this.options.delivery,
      (name, outcome, count) => this.metrics.notified(name, outcome, count),
      this.logger,
    );
  }

  /** Starts the per-severity timers (unref'd). Idempotent. */
  start(): void {
    if (this.closed) throw new AlertEngineClosedError('AlertEngine was shut down');
    if (this.started) return;
    this.started = true;
    this.scheduler.start();
  }

  /** Stops timers, waits for the running evaluation, flushes notifier queues within `shutdownTimeoutMillis`. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.scheduler.stop();
    await this.inFlight?.catch(() => undefined);
    this.metrics.close();
    await this.dispatcher.close(this.options.shutdownTimeoutMillis);
  }

  /** Adds a rule (per-severity thresholds add one per severity). Throws AlertConfigError / DuplicateAlertRuleError. */
  addRule(input: AlertRuleInput): AlertRule[] {
    const rules = normalizeRule(input, 'rule');
    this.add(rules);
    return rules;
  }

  /**
   * Removes the rules named `name` (one severity, or all); a firing alert of a
   * removed rule is sent to the notifiers as resolved. Returns how many were removed.
   */
  removeRule(name: string, severity?: Severity): number {
    let removed = 0;
    const outbox: AlertNotification[] = [];
    const nowMs = Date.now();
    for (const [id, e] of this.entries) {
      if (e.rule.name === name && (severity === undefined || e.rule.severity === severity)) {
        this.entries.delete(id);
        this.missing.forget(id);
        removed++;
        if (e.state.state === 'firing') {
          e.state.state = 'inactive';
          e.state.resolvedAtMs = nowMs;
          outbox.push({ status: 'resolved', alert: this.toAlert(e) });
        }
      }
    }
    if (outbox.length > 0 && !this.closed) this.dispatcher.dispatch(outbox, [], nowMs);
    return removed;
  }

  /** Subscribes to transitions; returns the unsubscribe function. */
  on(event: AlertEventName, listener: Listener): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Current state of every rule's alert. */
  list(): Alert[] {
    return [...this.entries.values()].map((e) => this.toAlert(e));
  }

  /** The rule definitions in force. */
  rules(): AlertRule[] {
    return [...this.entries.values()].map((e) => e.rule);
  }

  /** JSON for `GET /alerts`. */
  status(): AlertsStatus {
    return {
      service: this.serviceName ?? null,
      evaluatedAt: this.lastEvaluatedMs === undefined ? null : new Date(this.lastEvaluatedMs).toISOString(),
      intervals: { ...this.intervals },
      alerts: this.list(),
      missingMetrics: this.missing.list(),
    };
  }

  /** `monitor.setAlert`: replaces a previous setAlert on the same metric. */
  setAlert(options: SetAlertOptions): AlertRule[] {
    const input = ruleFromSetAlert(options);
    const rules = normalizeRule(input, 'setAlert options');
    this.removeRule(input.name);
    this.add(rules);
    return rules;
  }

  /** `monitor.configureAlerts`: one rule per metric key, replacing earlier ones for that key. */
  configureAlerts(config: Record<string, ConfiguredAlert>): AlertRule[] {
    const inputs = rulesFromConfigure(config);
    const rules = inputs.flatMap((r) => normalizeRule(r, `configureAlerts config.${r.metric}`));
    for (const r of inputs) this.removeRule(r.name);
    this.add(rules);
    return rules;
  }

  /** `monitor.setIntervals`: per-severity evaluation intervals in ms; takes effect from now. */
  setIntervals(intervals: Partial<AlertIntervals>): void {
    const checked = checkIntervals(intervals, 'intervals');
    if (!this.closed) this.scheduler.update(checked);
  }

  /**
   * Evaluates the rules of the given severities (default all) now, with one
   * collection. Resolves when states and events are updated; rejects only
   * after shutdown.
   */
  async evaluate(severities: readonly Severity[] = SEVERITIES): Promise<void> {
    if (this.closed) throw new AlertEngineClosedError('AlertEngine was shut down');
    const previous = this.inFlight;
    const run = (async () => {
      await previous; // rounds never overlap: states advance in order
      await this.round(severities);
    })();
    const tracked: Promise<void> = run.then(
      () => this.settle(tracked),
      () => this.settle(tracked),
    );
    this.inFlight = tracked;
    return run;
  }

  private settle(round: Promise<void>): void {
    if (this.inFlight === round) this.inFlight = undefined;
  }

  private add(rules: AlertRule[]): void {
    for (const r of rules) {
      if (this.entries.has(r.id)) throw new DuplicateAlertRuleError(`an alert rule ${r.id} already exists`);
    }
    for (const rule of rules) {
      this.entries.set(rule.id, {
        rule,
        state: initialState(),
        memory: new RangeMemory(rule.rangeMillis),
        labels: renderLabels(rule, this.serviceName),
      });
    }
  }

  private *entryViews() {
    for (const e of this.entries.values())
      yield { name: e.rule.name, severity: e.rule.severity, state: e.state.state };
  }

  private toAlert(e: Entry): Alert {
    return buildAlert(e.rule, e.state, e.labels);
  }

  private tick(due: Severity[]): void {
    if (this.closed || this.inFlight) return; // the previous round is still running: skip rather than pile up
    this.evaluate(due).catch((error: unknown) =>
      this.logger.error('alert evaluation failed', { error: String(error) }),
    );
  }

  private async round(severities: readonly Severity[]): Promise<void> {
    const due = [...this.entries.values()].filter((e) => severities.includes(e.rule.severity));
    if (due.length === 0) return;
    const started = performance.now();
    let snap: MetricSnapshot | undefined;
    try {
      snap = flattenMetrics(await this.source.collect());
    } catch (error) {
      this.logger.error('alert evaluation: collect() failed; rules see no data', { error: String(error) });
    }
    if (this.closed) return;
    const nowMs = Date.now();
    this.lastEvaluatedMs = nowMs;
    const outbox: AlertNotification[] = [];
    for (const e of due) {
      if (this.entries.get(e.rule.id) !== e) continue; // removed meanwhile
      let value: number | undefined;
      let outcome: 'ok' | 'nodata' | 'error' = 'ok';
      try {
        value = snap ? evaluateRuleValue(e.rule, { snap, nowMs, memory: e.memory }) : undefined;
      } catch (error) {
        outcome = 'error';
        value = Number.NaN;
        this.logger.error('alert rule evaluation threw; treated as NaN', {
          rule: e.rule.id,
          error: String(error),
        });
      }
      if (value === undefined) {
        outcome = 'nodata';
        this.missing.observe(e.rule, snap);
      } else this.missing.forget(e.rule.id);
      this.metrics.evaluated(e.rule.severity, outcome);
      for (const event of step(e.rule, e.state, value, nowMs)) this.transition(e, event, outbox);
    }
    const firing = due
      .filter((e) => e.state.state === 'firing')
      .map((e) => ({ id: e.rule.id, build: () => this.toAlert(e) }));
    this.dispatcher.dispatch(outbox, firing, nowMs);
    this.metrics.roundTook((performance.now() - started) / 1000);
  }

  private transition(e: Entry, event: AlertEventName, outbox: AlertNotification[]): void {
    const alert = this.toAlert(e);
    if (event === 'firing') {
      runActions(e.rule.actions, alert, this.targets, this.logger);
      outbox.push({ status: 'firing', alert });
    } else if (event === 'resolved') {
      outbox.push({ status: 'resolved', alert });
    } else if (event === 'nodata') {
      this.logger.warn(`alert ${e.rule.name} has no data`, { rule: e.rule.id, metric: e.rule.metric });
    }
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(alert);
      } catch (error) {
        this.logger.error('alert listener threw', { event, rule: e.rule.id, error: String(error) });
      }
    }
  }
}
