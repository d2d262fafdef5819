import type { MeterProvider } from '@opentelemetry/api';
import { DEFAULT_ALERT_INTERVALS } from './defaults.js';
import { DEFAULT_DELIVERY_OPTIONS, type DeliveryOptions } from './delivery.js';
import { AlertConfigError } from './errors.js';
import type { AlertmanagerOptions, WebhookOptions } from './notifiers.js';
import type {
  AlertActionTargets,
  AlertIntervals,
  AlertLogger,
  AlertRuleInput,
  MetricSource,
  Notifier,
} from './types.js';

/** The `alerts` startup option of `startPerformanceSdk` (or `false` to switch alerts off). */
export interface AlertsOptions {
  /** Load {@link DEFAULT_ALERT_RULES}. A rule in `rules` with the same name replaces a default. Default true. */
  defaults?: boolean;
  /** Extra rules. Default none. @example [{ name: 'Busy', metric: 'queue_size', threshold: 50 }] */
  rules?: AlertRuleInput[];
  /** Evaluation interval per severity, milliseconds. Default `{ critical: 5000, warning: 15000, normal: 30000 }`. */
  intervals?: Partial<AlertIntervals>;
  /** Deliver to Alertmanager's v2 API. Default off. @example { url: 'http://127.0.0.1:9093' } */
  alertmanager?: AlertmanagerOptions;
  /** Deliver to a JSON webhook. Default off. @example { url: 'https://hooks.example/alerts' } */
  webhook?: WebhookOptions;
  /** More notifiers. Default none. */
  notifiers?: Notifier[];
  /** Log each firing/resolved notification through the logger. Default true. */
  log?: boolean;
  /** Queueing, retries and timeouts of notifiers. Default {@link DEFAULT_DELIVERY_OPTIONS}. */
  delivery?: Partial<DeliveryOptions>;
  /** How long `shutdown()` waits for notifier queues before dropping them, ms. Default 2000. */
  shutdownTimeoutMillis?: number;
}

/** Everything `new AlertEngine(...)` takes: the startup options plus what the SDK wires in. */
export interface AlertEngineOptions extends AlertsOptions {
  /** The in-process reader (`MetricReader.collect()`). Required. */
  source: MetricSource;
  /** Where the alerts-as-data metrics go. Default `metrics.getMeterProvider()` at construction. */
  meterProvider?: MeterProvider;
  /** What `clean`, `scale` and `throttle` act on. Default none (those actions log a warning). */
  actions?: AlertActionTargets;
  /** Structured logger. Default: `console`. */
  logger?: AlertLogger;
  /** Added to every alert as the `service` label. Default none. */
  serviceName?: string;
}

export const DEFAULT_ALERTS_OPTIONS = Object.freeze({
  defaults: true,
  rules: Object.freeze([]) as readonly AlertRuleInput[],
  intervals: DEFAULT_ALERT_INTERVALS,
  log: true,
  delivery: DEFAULT_DELIVERY_OPTIONS,
  shutdownTimeoutMillis: 2000,
});

/** Options after defaults and validation. */
export interface ResolvedAlertsOptions {
  defaults: boolean;
  rules: readonly AlertRuleInput[];
  intervals: AlertIntervals;
  log: boolean;
  delivery: DeliveryOptions;
  shutdownTimeoutMillis: number;
}

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

export function checkIntervals(
  intervals: Partial<AlertIntervals> | undefined,
  field: string,
): Partial<AlertIntervals> {
  if (intervals === undefined) return {};
  if (typeof intervals !== 'object' || intervals === null)
    throw new AlertConfigError(`${field} must be an object`);
  for (const [k, v] of Object.entries(intervals)) {
    if (!['critical', 'warning', 'normal'].includes(k))
      throw new AlertConfigError(`${field}.${k} is not a severity`);
    if (!positive(v)) throw new AlertConfigError(`${field}.${k} must be a positive number of milliseconds`);
  }
  return intervals;
}

export function resolveAlertsOptions(options: AlertsOptions): ResolvedAlertsOptions {
  const d = DEFAULT_ALERTS_OPTIONS;
  if (options.rules !== undefined && !Array.isArray(options.rules))
    throw new AlertConfigError('options.rules must be an array');
  const delivery = { ...d.delivery, ...(options.delivery ?? {}) };
  for (const key of ['maxQueue', 'maxBatch', 'timeoutMillis', 'backoffMillis'] as const) {
    if (!positive(delivery[key]))
      throw new AlertConfigError(`options.delivery.${key} must be a positive number`);
  }
  if (!Number.isInteger(delivery.maxRetries) || delivery.maxRetries < 0) {
    throw new AlertConfigError('options.delivery.maxRetries must be a non-negative integer');
  }
  const shutdownTimeoutMillis = options.shutdownTimeoutMillis ?? d.shutdownTimeoutMillis;
  if (!positive(shutdownTimeoutMillis))
    throw new AlertConfigError('options.shutdownTimeoutMillis must be a positive number');
  return {
    defaults: options.defaults ?? d.defaults,
    rules: options.rules ?? d.rules,
    intervals: { ...d.intervals, ...checkIntervals(options.intervals, 'options.intervals') },
    log: options.log ?? d.log,
    delivery,
    shutdownTimeoutMillis,
  };
}
