/**
 * aiva-performance — the one public entry: what a service author uses, nothing more.
 *
 * Internals are never re-exported: bucket constants, resolved-option types, `DEFAULT_*` tables and
 * classes whose constructors need internal readers stay inside. Classes a user receives but never
 * builds (the alert engine, the monitor, an allocation) are exported as types only.
 * `test/api-surface.test.ts` fails when this list changes without `test/api-surface.txt` changing too.
 */

// Alerts: rules are configured through `startPerformanceSdk({ alerts })` and `perf.alerts`; the
// Alertmanager, webhook and log notifiers through `AlertsOptions`, any other target as a `Notifier`.
export type { AlertEngine } from './alerts/engine.js';
export {
  AlertConfigError,
  AlertEngineClosedError,
  DuplicateAlertRuleError,
  PromqlExportError,
} from './alerts/errors.js';
export type { AlertsOptions } from './alerts/options.js';
export { toPrometheusRules } from './alerts/prometheus.js';
export type { Alert, AlertNotification, AlertRuleInput, Notifier } from './alerts/types.js';
export { ConfigError } from './core/errors.js';
// Task metrics
export type { EndTimer, TaskOutcome } from './instrumentation/tasks.js';
export { registerQueue, startTimer, trackTask } from './instrumentation/tasks.js';
// Memory manager
export type { Allocation, AllocationRequest, MemoryOptions, MemoryStats } from './memory/index.js';
export { AllocationStateError, MemoryBudgetError, UnifiedMemoryManager } from './memory/index.js';
// Worker pool
export type { ProcessorOptions, ProcessorStats, TaskDefinition } from './parallel/index.js';
export {
  AbortError,
  defineTask,
  ParallelProcessor,
  ProcessorClosedError,
  QueueOverflowError,
  TaskError,
  TaskTimeoutError,
} from './parallel/index.js';
// SDK
export type { CurrentMetrics } from './sdk/current-metrics.js';
// Built-in dashboard, history and reports
export type { DashboardServeOptions } from './sdk/dashboard/dashboard.js';
export { PerformanceDashboard } from './sdk/dashboard/dashboard.js';
export { PortInUseError, ReportError } from './sdk/errors.js';
export type { HistoryColumns } from './sdk/history/store.js';
export type { PerformanceMonitor } from './sdk/monitor.js';
export type { PerformanceSdkOptions } from './sdk/options.js';
export type { Report } from './sdk/reports/model.js';
export type { ReportOptions } from './sdk/reports/period.js';
export type { PerformanceMetricsComponents, PerformanceSdk } from './sdk/start.js';
export {
  attachPerformanceSdk,
  createPerformanceMetricsComponents,
  startPerformanceSdk,
} from './sdk/start.js';
