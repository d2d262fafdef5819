/**
 * The derived-metric table: every friendly metric (`cpu_percent`, `memory_percent`, `queue_size`,
 * `response_time`, `error_rate`, …) defined once — how it is computed from a snapshot and its
 * PromQL. The monitor (`getCurrentMetrics()`, field {@link DerivedMetric.field}), the alert rules
 * on friendly names and the Prometheus rule export all read this table; see docs/derived-metrics.md.
 *
 * Decided once for all of them:
 * - Absent input series are **no data**: `compute` returns `undefined` (the monitor shows NaN,
 *   a rule goes to `nodata`, PromQL yields an empty vector). A queue that is registered and
 *   empty reads 0; no queue registered is no data.
 * - Percentages of a whole are clamped to 0..100 (CPU).
 * - Rates and the p95 cover a window: since the previous reading (monitor) or the rule's range
 *   (alerts, `[5m]` in PromQL). A ratio with nothing in the window (0 / 0) is NaN, never "fine".
 */
import {
  both,
  type DeriveInput,
  type PromqlOptions,
  promQuantile,
  promRate,
  promReduce,
  reduce,
  type Selection,
  windowIncrease,
  windowQuantile,
  windowRate,
} from './derived-parts.js';
import { ATTR, METRIC } from './metric-names.js';

export { type DeriveInput, type PromqlOptions, type Selection, selectionKey } from './derived-parts.js';

/** One friendly metric. */
export interface DerivedMetric<Field extends string = string> {
  /** The `CurrentMetrics` field the monitor reports it under. */
  readonly field: Field;
  /** UCUM-style unit: `%`, `MiB`, `s`, `By/s`, `1`, `{item}`. */
  readonly unit: string;
  readonly description: string;
  /** Selections whose samples must be remembered between readings (rates, windowed quantiles). */
  readonly windows: readonly Selection[];
  /** The value from one snapshot; `undefined` = no data. NaN = data, but no defined value (0 / 0). */
  compute(input: DeriveInput): number | undefined;
  /** The same value as a PromQL expression, one series per `job`/`instance`. */
  promql(options?: PromqlOptions): string;
}

const MIB = 1024 * 1024;
const IDLE: Selection = { name: METRIC.cpuUtilization, where: { [ATTR.cpuMode]: 'idle' } };
const LIMIT: Selection = { name: METRIC.memoryLimit };
const AVAILABLE: Selection = { name: METRIC.memoryAvailable };
const PAGING: Selection = { name: METRIC.pagingUsage };
const PAGING_USED: Selection = { name: METRIC.pagingUsage, where: { [ATTR.pagingState]: 'used' } };
const DISK_READ: Selection = { name: METRIC.diskIo, where: { [ATTR.diskDirection]: 'read' } };
const DISK_WRITE: Selection = { name: METRIC.diskIo, where: { [ATTR.diskDirection]: 'write' } };
const NET_SENT: Selection = { name: METRIC.networkIo, where: { [ATTR.networkDirection]: 'transmit' } };
const NET_RECV: Selection = { name: METRIC.networkIo, where: { [ATTR.networkDirection]: 'receive' } };
const TASKS: Selection = { name: METRIC.taskDuration };
const TASK_ERRORS: Selection = { name: METRIC.taskDuration, where: { [ATTR.taskOutcome]: 'error' } };

// Keeps each field's literal type, so CurrentMetrics can be checked against the table.
const define = <const Field extends string>(m: DerivedMetric<Field>): DerivedMetric<Field> =>
  Object.freeze(m);

/** A gauge (or up-down counter) reduced over its series, optionally scaled. */
function gauge<const Field extends string>(
  field: Field,
  s: Selection,
  fn: 'sum' | 'max',
  unit: string,
  description: string,
  scale = 1,
): DerivedMetric<Field> {
  const promScale = scale === 1 ? '' : scale > 1 ? `${scale} * ` : '';
  const promDivide = scale < 1 ? ` / ${1 / scale}` : '';
  return define({
    field,
    unit,
    description,
    windows: [],
    compute: (input) => {
      const v = reduce(input, s, fn);
      return v === undefined ? undefined : v * scale;
    },
    promql: (o) => `${promScale}${promReduce(fn, s, o)}${promDivide}`,
  });
}

/** Bytes per second of a counter over the window. */
function byteRate<const Field extends string>(field: Field, s: Selection, description: string) {
  return define({
    field,
    unit: 'By/s',
    description,
    windows: [s],
    compute: (input) => windowRate(input, s),
    promql: (o) => promRate(s, '_total', o),
  });
}

const memoryPercent = (available: number, limit: number) => 100 * (1 - available / limit);

/** The table. Frozen; keys are the friendly names alert rules accept. */
export const DERIVED_METRICS = Object.freeze({
  cpu_percent: define({
    field: 'cpuPercent',
    unit: '%',
    description: '100 × (1 − average idle utilisation over all CPUs), clamped to 0..100',
    windows: [],
    compute: (input) => {
      const idle = reduce(input, IDLE, 'avg');
      return idle === undefined ? undefined : Math.min(100, Math.max(0, 100 * (1 - idle)));
    },
    promql: (o) => `clamp(100 * (1 - ${promReduce('avg', IDLE, o)}), 0, 100)`,
  }),
  load_average_1m: gauge(
    'loadAverage1m',
    { name: METRIC.loadAverage1m },
    'max',
    '{thread}',
    '1-minute load average',
  ),
  load_average_5m: gauge(
    'loadAverage5m',
    { name: METRIC.loadAverage5m },
    'max',
    '{thread}',
    '5-minute load average',
  ),
  load_average_15m: gauge(
    'loadAverage15m',
    { name: METRIC.loadAverage15m },
    'max',
    '{thread}',
    '15-minute load average',
  ),
  memory_used_mb: define({
    field: 'memoryUsedMb',
    unit: 'MiB',
    description: '(total − MemAvailable) in MiB (page cache counts as available)',
    windows: [],
    compute: (input) =>
      both(reduce(input, LIMIT, 'sum'), reduce(input, AVAILABLE, 'sum'), (l, a) => (l - a) / MIB),
    promql: (o) => `(${promReduce('sum', LIMIT, o)} - ${promReduce('sum', AVAILABLE, o)}) / ${MIB}`,
  }),
  memory_available_mb: gauge('memoryAvailableMb', AVAILABLE, 'sum', 'MiB', 'MemAvailable in MiB', 1 / MIB),
  memory_total_mb: gauge('memoryTotalMb', LIMIT, 'sum', 'MiB', 'total memory in MiB', 1 / MIB),
  memory_percent: define({
    field: 'memoryPercent',
    unit: '%',
    description: '100 × (1 − MemAvailable / total)',
    windows: [],
    compute: (input) => both(reduce(input, AVAILABLE, 'sum'), reduce(input, LIMIT, 'sum'), memoryPercent),
    promql: (o) => `100 * (1 - ${promReduce('sum', AVAILABLE, o)} / ${promReduce('sum', LIMIT, o)})`,
  }),
  swap_used_mb: gauge('swapUsedMb', PAGING_USED, 'sum', 'MiB', 'swap in use, MiB', 1 / MIB),
  swap_total_mb: gauge('swapTotalMb', PAGING, 'sum', 'MiB', 'swap size (used + free), MiB', 1 / MIB),
  swap_percent: define({
    field: 'swapPercent',
    unit: '%',
    description: '100 × swap used / (used + free); 0 without swap',
    windows: [],
    compute: (input) => {
      const total = reduce(input, PAGING, 'sum');
      if (total === undefined) return undefined;
      return total > 0 ? (100 * (reduce(input, PAGING_USED, 'sum') ?? 0)) / total : 0;
    },
    promql: (o) =>
      `100 * ${promReduce('sum', PAGING_USED, o)} / clamp_min(${promReduce('sum', PAGING, o)}, 1)`,
  }),
  disk_read_bytes_per_sec: byteRate(
    'diskReadBytesPerSec',
    DISK_READ,
    'bytes read from whole disks per second',
  ),
  disk_write_bytes_per_sec: byteRate(
    'diskWriteBytesPerSec',
    DISK_WRITE,
    'bytes written to whole disks per second',
  ),
  network_sent_bytes_per_sec: byteRate(
    'networkSentBytesPerSec',
    NET_SENT,
    'bytes sent per second, all interfaces',
  ),
  network_recv_bytes_per_sec: byteRate(
    'networkRecvBytesPerSec',
    NET_RECV,
    'bytes received per second, all interfaces',
  ),
  process_cpu_percent: gauge(
    'processCpuPercent',
    { name: METRIC.processCpuUtilization },
    'sum',
    '%',
    'this process: CPU time (user + system) as % of all CPUs',
    100,
  ),
  process_rss_mb: gauge(
    'processRssMb',
    { name: METRIC.processMemoryUsage },
    'sum',
    'MiB',
    'this process: RSS, MiB',
    1 / MIB,
  ),
  heap_used_mb: gauge(
    'heapUsedMb',
    { name: METRIC.heapUsed },
    'sum',
    'MiB',
    'V8 heap used over all spaces, MiB',
    1 / MIB,
  ),
  event_loop_delay_p99: gauge(
    'eventLoopDelayP99Seconds',
    { name: METRIC.eventLoopDelayP99 },
    'max',
    's',
    'event-loop delay p99 over the last reading interval, seconds',
  ),
  event_loop_utilization: gauge(
    'eventLoopUtilization',
    { name: METRIC.eventLoopUtilization },
    'max',
    '1',
    'event-loop utilization over the last reading interval (0..1)',
  ),
  queue_size: gauge(
    'queueSize',
    { name: METRIC.taskQueueSize },
    'sum',
    '{item}',
    'items waiting, summed over registered queues',
  ),
  active_tasks: gauge(
    'activeTasks',
    { name: METRIC.taskActive },
    'sum',
    '{task}',
    'tracked tasks running now',
  ),
  tasks_per_second: define({
    field: 'tasksPerSecond',
    unit: '{task}/s',
    description: 'tracked tasks finished per second over the window',
    windows: [TASKS],
    compute: (input) => windowRate(input, TASKS),
    promql: (o) => promRate(TASKS, '_count', o),
  }),
  error_rate: define({
    field: 'taskErrorRate',
    unit: '1',
    description: 'failed / all tracked tasks over the window (0..1); NaN when none finished',
    windows: [TASKS, TASK_ERRORS],
    compute: (input) => {
      const all = windowIncrease(input, TASKS);
      return all === undefined ? undefined : (windowIncrease(input, TASK_ERRORS) ?? 0) / all;
    },
    // `or 0 * all`: before the first failure there is no error series; that is 0 errors, not no data.
    promql: (o) => {
      const all = promRate(TASKS, '_count', o);
      return `(${promRate(TASK_ERRORS, '_count', o)} or 0 * ${all}) / ${all}`;
    },
  }),
  response_time: define({
    field: 'taskDurationP95Seconds',
    unit: 's',
    description: 'p95 of aiva.task.duration over the window, seconds; NaN when no task finished',
    windows: [TASKS],
    compute: (input) => windowQuantile(input, 0.95, TASKS),
    promql: (o) => promQuantile(0.95, TASKS, o),
  }),
});

/** A friendly metric name: a key of {@link DERIVED_METRICS}. */
export type DerivedMetricName = keyof typeof DERIVED_METRICS;

/** The monitor field of each friendly metric. */
export type DerivedMetricField = (typeof DERIVED_METRICS)[DerivedMetricName]['field'];

/** True when `name` is a friendly metric of the table. */
export function isDerivedMetric(name: string): name is DerivedMetricName {
  return Object.hasOwn(DERIVED_METRICS, name);
}
