import type { MeterProvider } from '@opentelemetry/api';
import {
  type Assert,
  boolean,
  httpUrl,
  integer,
  isPlainObject,
  type MatchesSchema,
  nonEmptyString,
  options,
  parseOptions,
  positive,
  satisfies,
  stringRecord,
  v,
} from '../core/options-schema.js';
import { DEFAULT_ALERT_INTERVALS } from './defaults.js';
import { DEFAULT_DELIVERY_OPTIONS, type DeliveryOptions } from './delivery.js';
import { AlertConfigError, DuplicateAlertRuleError } from './errors.js';
import type { AlertmanagerOptions, WebhookOptions } from './notifiers.js';
import { normalizeRule, RULE_INPUT_SCHEMA } from './rules.js';
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
  /** Evaluation interval per severity, milliseconds. Default `{ critical: 1000, warning: 5000, normal: 30000 }`. */
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

const optional = v.optional;
const millis = () => positive('milliseconds');

const INTERVALS_SCHEMA = options({
  critical: optional(millis()),
  warning: optional(millis()),
  normal: optional(millis()),
});

const DELIVERY_SCHEMA = options({
  maxQueue: optional(integer(1)),
  maxRetries: optional(integer(0)),
  backoffMillis: optional(millis()),
  timeoutMillis: optional(millis()),
  maxBatch: optional(integer(1)),
});

const ALERTMANAGER_SCHEMA = options({
  url: httpUrl(),
  resendDelayMillis: optional(millis()),
  generatorUrl: optional(httpUrl()),
  headers: optional(stringRecord()),
});

const WEBHOOK_SCHEMA = options({ url: httpUrl(), headers: optional(stringRecord()) });

const NOTIFIER = satisfies<Notifier>(
  (n) => typeof (n as Notifier | null)?.send === 'function' && typeof (n as Notifier).name === 'string',
  'must have a name and a send() method',
);

const ALERTS_ENTRIES = {
  defaults: optional(boolean()),
  rules: optional(v.array(RULE_INPUT_SCHEMA, 'must be an array')),
  intervals: optional(INTERVALS_SCHEMA),
  alertmanager: optional(ALERTMANAGER_SCHEMA),
  webhook: optional(WEBHOOK_SCHEMA),
  notifiers: optional(v.array(NOTIFIER, 'must be an array')),
  log: optional(boolean()),
  delivery: optional(DELIVERY_SCHEMA),
  shutdownTimeoutMillis: optional(millis()),
};

/** The one declaration of {@link AlertsOptions} (strict; rules are checked key by key too). */
export const ALERTS_OPTIONS_SCHEMA = options(ALERTS_ENTRIES);

/** {@link AlertEngineOptions}: the startup options plus what the SDK wires in. */
export const ALERT_ENGINE_OPTIONS_SCHEMA = options({
  ...ALERTS_ENTRIES,
  source: satisfies<MetricSource>(
    (s) => typeof (s as MetricSource | null)?.collect === 'function',
    'must have a collect() method (a MetricReader)',
  ),
  meterProvider: optional(
    satisfies<MeterProvider>(
      (p) => typeof (p as MeterProvider | null)?.getMeter === 'function',
      'must be a MeterProvider (an object with getMeter())',
    ),
  ),
  actions: optional(satisfies<AlertActionTargets>(isPlainObject, 'must be an object')),
  logger: optional(
    satisfies<AlertLogger>((l) => typeof (l as AlertLogger | null)?.warn === 'function', 'must be a logger'),
  ),
  serviceName: optional(nonEmptyString()),
});

/** Compile-time only: the interfaces and their schemas accept the same objects. */
export type AlertsOptionsMatchSchema = Assert<
  MatchesSchema<AlertsOptions, v.InferInput<typeof ALERTS_OPTIONS_SCHEMA>>
>;
export type AlertEngineOptionsMatchSchema = Assert<
  MatchesSchema<AlertEngineOptions, v.InferInput<typeof ALERT_ENGINE_OPTIONS_SCHEMA>>
>;

/** Validates `setIntervals()` / `options.intervals`; throws AlertConfigError naming `field`. */
export function checkIntervals(
  intervals: Partial<AlertIntervals> | undefined,
  field: string,
): Partial<AlertIntervals> {
  if (intervals === undefined) return {};
  return stripUndefined(parseOptions(INTERVALS_SCHEMA, intervals, field, AlertConfigError));
}

/**
 * Validates the engine's options once (schema, then every rule's own rules) and applies the defaults.
 * `field` is `options` standalone, `options.alerts` when the SDK validates its `alerts` option.
 */
export function resolveAlertsOptions(
  input: AlertsOptions | AlertEngineOptions,
  field = 'options',
  schema: typeof ALERTS_OPTIONS_SCHEMA | typeof ALERT_ENGINE_OPTIONS_SCHEMA = ALERTS_OPTIONS_SCHEMA,
): ResolvedAlertsOptions {
  const d = DEFAULT_ALERTS_OPTIONS;
  const options = parseOptions(schema, input, field, AlertConfigError);
  const rules = options.rules ?? d.rules;
  const seen = new Map<string, number>();
  for (const [i, rule] of rules.entries()) {
    for (const normalized of normalizeRule(rule, `${field}.rules[${i}]`)) {
      const first = seen.get(normalized.id);
      if (first !== undefined) {
        throw new DuplicateAlertRuleError(
          `repeats the alert rule ${normalized.id} of ${field}.rules[${first}] (name and severity must be unique)`,
          `${field}.rules[${i}]`,
        );
      }
      seen.set(normalized.id, i);
    }
  }
  return {
    defaults: options.defaults ?? d.defaults,
    rules,
    intervals: { ...d.intervals, ...stripUndefined(options.intervals ?? {}) },
    log: options.log ?? d.log,
    delivery: { ...d.delivery, ...stripUndefined(options.delivery ?? {}) },
    shutdownTimeoutMillis: options.shutdownTimeoutMillis ?? d.shutdownTimeoutMillis,
  };
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as never;
}
