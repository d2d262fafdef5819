/**
 * aiva-performance — the one public entry. Internals are never re-exported from here.
 */

export {
  BYTES_BUCKETS,
  COUNT_BUCKETS,
  DURATION_SECONDS_BUCKETS,
  FAST_SECONDS_BUCKETS,
} from './instrumentation/buckets.js';
export type {
  HostMetricsOptions,
  MonitorOptions,
  OtlpOptions,
  PerformanceSdkOptions,
  PrometheusOptions,
  ResolvedSdkConfig,
  RuntimeMetricsOptions,
} from './instrumentation/config.js';
export { DEFAULT_SDK_OPTIONS } from './instrumentation/config.js';
export type { CurrentMetrics } from './instrumentation/current-metrics.js';
export { ConfigError, PortInUseError } from './instrumentation/errors.js';
export type { MonitorStartOptions } from './instrumentation/monitor.js';
export { PerformanceMonitor } from './instrumentation/monitor.js';
export type { Preset, PresetName } from './instrumentation/presets.js';
export { PRESETS } from './instrumentation/presets.js';
export type { PerformanceMetricsComponents, PerformanceSdk } from './instrumentation/sdk.js';
export {
  attachPerformanceSdk,
  createPerformanceMetricsComponents,
  startPerformanceSdk,
} from './instrumentation/sdk.js';
export type { EndTimer, TaskOutcome } from './instrumentation/tasks.js';
export { registerQueue, startTimer, trackTask } from './instrumentation/tasks.js';
