import type { AttributeValue } from '@opentelemetry/api';
import type { CollectionResult } from '@opentelemetry/sdk-metrics';
import type { DerivedMetricName } from '../core/derived-metrics.js';

/** Where the engine reads metrics from: exactly `MetricReader.collect()`. */
export interface MetricSource {
  collect(): Promise<CollectionResult>;
}

/** Severity of a rule; each has its own evaluation interval. */
export type Severity = 'critical' | 'warning' | 'normal';

/** Comparison between the rule's value and its threshold. */
export type ComparisonOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

/** How the matching series are reduced to one value. */
export type Aggregate =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'rate'
  | 'p50'
  | 'p90'
  | 'p95'
  | 'p99'
  | 'ratio';

/** A duration: milliseconds, or a Prometheus-style string (`'500ms'`, `'30s'`, `'1m30s'`, `'2h'`). */
export type Duration = number | string;

/** Built-in actions; see {@link AlertRuleInput.action}. */
export type BuiltinAction = 'clean' | 'scale' | 'throttle' | 'warn' | 'critical' | 'none';

/** A custom action: called once per transition to firing. */
export type ActionFunction = (alert: Alert) => unknown;

export type AlertAction = BuiltinAction | ActionFunction;

/**
 * Friendly metric names (`cpu_percent`, `memory_percent`, `queue_size`, `response_time`,
 * `error_rate`, …): the keys of the derived-metric table, see docs/derived-metrics.md.
 */
export type FriendlyMetric = DerivedMetricName;

/** What a rule does when its metric is missing. */
export type NoDataMode = 'nodata' | 'alerting';

/** The alert states, as in Prometheus plus `nodata`. */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'nodata';

/** Events the engine emits. */
export type AlertEventName = 'pending' | 'firing' | 'resolved' | 'nodata';

/** One alert rule as users write it. */
export interface AlertRuleInput {
  /** Alert name (`alertname` label). Letters, digits, `_` and `:`; must not start with a digit. */
  name: string;
  /** An instrument name (`system.cpu.utilization`) or a friendly name (`cpu_percent`). */
  metric: string;
  /** Only series whose attributes match. Arrays mean "any of". Ignored for friendly names. */
  where?: Record<string, AttributeValue | AttributeValue[]>;
  /**
   * How matching series reduce to one value. Default `'avg'` (`'rate'` … `'p99'` read cumulative
   * counters/histograms over {@link AlertRuleInput.rangeMillis}). Ignored for friendly names.
   */
  aggregate?: Aggregate;
  /** For `aggregate: 'ratio'`: the denominator selection (metric defaults to `metric`, where to none). */
  denominator?: { metric?: string; where?: Record<string, AttributeValue | AttributeValue[]> };
  /** For `aggregate: 'ratio'`: how numerator and denominator are each reduced. Default `'rate'`. */
  ratioOf?: 'rate' | 'sum' | 'avg' | 'min' | 'max' | 'count';
  /** Applied to the aggregated value before the comparison, e.g. `(v) => 1 - v`. */
  transform?: (value: number) => number;
  /** Default `'>'`. */
  op?: ComparisonOp;
  /** One threshold, or one per severity (`{ warning: 70, critical: 90 }`) which expands to one rule each. */
  threshold: number | Partial<Record<Severity, number>>;
  /** How long the condition must hold at every evaluation before firing. Default 0. @example '30s' */
  for?: Duration;
  /** How long a firing alert keeps firing after the condition clears. Default 0. @example '1m' */
  keepFiringFor?: Duration;
  /** Default `'warning'`; ignored when `threshold` is per-severity. */
  severity?: Severity;
  /**
   * Run once per transition to firing: `'clean'` → memory `optimize()`, `'scale'` → grow the pool,
   * `'throttle'` → shrink it, `'warn'`/`'critical'` → log at that level, or a function.
   * Per-severity thresholds may take per-severity actions (`{ warning: 'warn', critical: 'scale' }`).
   */
  action?: AlertAction | AlertAction[] | Partial<Record<Severity, AlertAction | AlertAction[]>>;
  /** Extra labels (sent to Alertmanager, exported to Prometheus). */
  labels?: Record<string, string>;
  /** Annotations; `{{value}}`, `{{threshold}}` and `{{labels.NAME}}` are substituted. */
  annotations?: Record<string, string>;
  /** Missing metric: `'nodata'` state (default) or treat as breached (`'alerting'`). */
  noData?: NoDataMode;
  /** Window of `rate`, `pNN` and `ratio`. Default 300000 (5 min), as the exported `[5m]`. */
  rangeMillis?: number;
  /** PromQL for the value (without the comparison), for export; required to export a `transform`. */
  promql?: string;
}

/** A rule after validation and expansion: one severity, one threshold. */
export interface AlertRule {
  /** `name` + `/` + severity; unique within an engine. */
  readonly id: string;
  readonly name: string;
  readonly metric: string;
  readonly where: Readonly<Record<string, AttributeValue | AttributeValue[]>> | undefined;
  readonly aggregate: Aggregate;
  readonly denominator: AlertRuleInput['denominator'];
  readonly ratioOf: NonNullable<AlertRuleInput['ratioOf']>;
  readonly transform: ((value: number) => number) | undefined;
  readonly op: ComparisonOp;
  readonly threshold: number;
  readonly forMillis: number;
  readonly keepFiringForMillis: number;
  readonly severity: Severity;
  readonly actions: readonly AlertAction[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly noData: NoDataMode;
  readonly rangeMillis: number;
  readonly promql: string | undefined;
}

/** The current state of one rule's alert (JSON-serialisable apart from nothing: all plain data). */
export interface Alert {
  readonly id: string;
  readonly name: string;
  readonly severity: Severity;
  readonly state: AlertState;
  /** Last evaluated value; `null` when there was no data. */
  readonly value: number | null;
  readonly threshold: number;
  readonly op: ComparisonOp;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** ISO time the condition started holding (pending/firing), else null. */
  readonly activeAt: string | null;
  readonly firedAt: string | null;
  readonly resolvedAt: string | null;
  readonly lastEvaluatedAt: string | null;
}

/** Minimal structured logger (console and most loggers fit). */
export interface AlertLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A notification for one alert: `firing` (also re-sends) or `resolved`. */
export interface AlertNotification {
  readonly status: 'firing' | 'resolved';
  readonly alert: Alert;
}

/** A delivery target. `send` may reject or hang; the engine times it out, retries and counts. */
export interface Notifier {
  /** Used as the `notifier` attribute of `aiva.alerts.notifications`. */
  readonly name: string;
  /** Re-send firing alerts every `resendDelayMillis` (Alertmanager needs it). */
  readonly resendDelayMillis?: number;
  send(batch: readonly AlertNotification[], signal: AbortSignal): Promise<void>;
}

/** What alerts act on, handed in by the SDK. */
export interface AlertActionTargets {
  memory?: { optimize(): unknown };
  pool?: {
    resize(workers: number): unknown;
    stats(): { workers: number };
    /** Lower bound for `'throttle'`. Default 1. */
    minWorkers?: number;
    /** Upper bound for `'scale'`. Default: current workers (no growth) when unknown. */
    maxWorkers?: number;
  };
}

/** Per-severity evaluation intervals in milliseconds. */
export interface AlertIntervals {
  critical: number;
  warning: number;
  normal: number;
}
