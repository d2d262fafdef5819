/**
 * aiva-performance — the one public entry. Internals are never re-exported from here.
 */

// Alerts (src/alerts)
export type {
  AlertEngineOptions,
  AlertmanagerOptions,
  AlertsOptions,
  AlertsStatus,
  ConfiguredAlert,
  DeliveryOptions,
  FriendlyDefinition,
  PrometheusRulesOptions,
  ResolvedAlertsOptions,
  SetAlertOptions,
  WebhookOptions,
} from './alerts/index.js';
export {
  AlertConfigError,
  AlertEngine,
  AlertEngineClosedError,
  AlertmanagerNotifier,
  DEFAULT_ALERT_INTERVALS,
  DEFAULT_ALERT_RULES,
  DEFAULT_ALERTS_OPTIONS,
  DuplicateAlertRuleError,
  FRIENDLY_METRICS,
  LogNotifier,
  PromqlExportError,
  toPrometheusRules,
  WebhookNotifier,
} from './alerts/index.js';
export type * from './alerts/types.js';
export {
  BYTES_BUCKETS,
  COUNT_BUCKETS,
  DURATION_SECONDS_BUCKETS,
  FAST_SECONDS_BUCKETS,
} from './core/buckets.js';
export { ConfigError } from './core/errors.js';
export type {
  HostMetricsHandle,
  HostMetricsOptions as StartHostMetricsOptions,
  HostMetricViewsOptions,
} from './instrumentation/host.js';
export { hostMetricViews, startHostMetrics } from './instrumentation/host.js';
export type { EndTimer, TaskOutcome } from './instrumentation/tasks.js';
export { registerQueue, startTimer, trackTask } from './instrumentation/tasks.js';
// Memory manager (src/memory)
export type {
  AllocationRequest,
  CacheValue,
  KindBudget,
  KindUsage,
  LeakDetectionLevel,
  LeakReport,
  MemoryCache,
  MemoryConfigureOptions,
  MemoryKind,
  MemoryOptions,
  MemoryStats,
  OptimizeResult,
  ProcessMemorySample,
  ResolvedMemoryOptions,
  UsageEntry,
} from './memory/index.js';
export {
  Allocation,
  AllocationStateError,
  DEFAULT_MEMORY_OPTIONS,
  MEMORY_KINDS,
  MemoryBudgetError,
  UnifiedMemoryManager,
} from './memory/index.js';
// Worker pool (src/parallel)
export type {
  DefineTaskOptions,
  MapOptions,
  PoolScaler,
  ProcessorMode,
  ProcessorOptions,
  ProcessorStats,
  ResolvedProcessorOptions,
  Settled,
  StreamOptions,
  TaskDefinition,
  WorkerErrorInfo,
} from './parallel/index.js';
export {
  AbortError,
  DEFAULT_PROCESSOR_OPTIONS,
  defineTask,
  isTaskDefinition,
  ParallelProcessor,
  ProcessorClosedError,
  QueueOverflowError,
  TaskError,
  TaskTimeoutError,
} from './parallel/index.js';
export { DEFAULT_SDK_OPTIONS } from './sdk/config.js';
export type { CurrentMetrics } from './sdk/current-metrics.js';
export { PortInUseError } from './sdk/errors.js';
export type { MonitorStartOptions } from './sdk/monitor.js';
export { PerformanceMonitor } from './sdk/monitor.js';
export type {
  HostMetricsOptions,
  MonitorOptions,
  OtlpOptions,
  PerformanceSdkOptions,
  PrometheusOptions,
  ResolvedSdkConfig,
  RuntimeMetricsOptions,
} from './sdk/options.js';
export type { Preset, PresetName } from './sdk/presets.js';
export { PRESETS } from './sdk/presets.js';
export type { PerformanceMetricsComponents, PerformanceSdk } from './sdk/start.js';
export {
  attachPerformanceSdk,
  createPerformanceMetricsComponents,
  startPerformanceSdk,
} from './sdk/start.js';
