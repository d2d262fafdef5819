/** Public surface of the alerts module (re-exported from src/index.ts by the SDK). */
export { scaledUp, throttledDown } from './actions.js';
export type { AlertsStatus } from './alert.js';
export { DEFAULT_ALERT_INTERVALS, DEFAULT_ALERT_RULES } from './defaults.js';
export { DEFAULT_DELIVERY_OPTIONS, type DeliveryOptions } from './delivery.js';
export { formatDuration, parseDuration } from './duration.js';
export { AlertEngine } from './engine.js';
export {
  AlertConfigError,
  AlertEngineClosedError,
  DuplicateAlertRuleError,
  PromqlExportError,
} from './errors.js';
export type { ConfiguredAlert, SetAlertOptions } from './facade.js';
export { FRIENDLY_METRICS, type FriendlyDefinition } from './friendly.js';
export { ALERTS_METER_NAME } from './metrics.js';
export {
  AlertmanagerNotifier,
  type AlertmanagerOptions,
  LogNotifier,
  WebhookNotifier,
  type WebhookOptions,
} from './notifiers.js';
export {
  type AlertEngineOptions,
  type AlertsOptions,
  DEFAULT_ALERTS_OPTIONS,
  type ResolvedAlertsOptions,
} from './options.js';
export { type PrometheusRulesOptions, toPrometheusRules } from './prometheus.js';
export type * from './types.js';
