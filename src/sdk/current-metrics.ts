import {
  DERIVED_METRICS,
  type DerivedMetricField,
  type DeriveInput,
  type Selection,
  selectionKey,
} from '../core/derived-metrics.js';
import { type MetricSnapshot, type Sample, samplesOf } from '../core/query.js';

/**
 * One reading of everything the original monitor reported; each field is a friendly metric of the
 * derived-metric table (docs/derived-metrics.md), under the name in brackets. A value with no
 * input series (host metrics switched off, no queue registered, no tracked task yet) is `NaN`,
 * never a made-up 0; rates and the task p95 cover the window since the previous reading.
 */
export interface CurrentMetrics {
  /** Milliseconds since the epoch of the collection. */
  timestamp: number;
  /** Machine CPU busy, 0..100 % (`cpu_percent`). */
  cpuPercent: number;
  /** `load_average_1m`. */
  loadAverage1m: number;
  /** `load_average_5m`. */
  loadAverage5m: number;
  /** `load_average_15m`. */
  loadAverage15m: number;
  /** Total − MemAvailable, MiB (`memory_used_mb`). */
  memoryUsedMb: number;
  /** MemAvailable, MiB (`memory_available_mb`). */
  memoryAvailableMb: number;
  /** MiB (`memory_total_mb`). */
  memoryTotalMb: number;
  /** Used / total, % (`memory_percent`). */
  memoryPercent: number;
  /** MiB (`swap_used_mb`). */
  swapUsedMb: number;
  /** MiB (`swap_total_mb`). */
  swapTotalMb: number;
  /** Swap used / total, %; 0 without swap (`swap_percent`). */
  swapPercent: number;
  /** `disk_read_bytes_per_sec`. */
  diskReadBytesPerSec: number;
  /** `disk_write_bytes_per_sec`. */
  diskWriteBytesPerSec: number;
  /** `network_sent_bytes_per_sec`. */
  networkSentBytesPerSec: number;
  /** `network_recv_bytes_per_sec`. */
  networkRecvBytesPerSec: number;
  /** This process, % of all CPUs (`process_cpu_percent`). */
  processCpuPercent: number;
  /** This process, MiB (`process_rss_mb`). */
  processRssMb: number;
  /** V8 heap used, MiB (`heap_used_mb`). */
  heapUsedMb: number;
  /** Seconds (`event_loop_delay_p99`). */
  eventLoopDelayP99Seconds: number;
  /** 0..1 (`event_loop_utilization`). */
  eventLoopUtilization: number;
  /** Items waiting in registered queues (`queue_size`). */
  queueSize: number;
  /** Tracked tasks running (`active_tasks`). */
  activeTasks: number;
  /** Tracked tasks finished per second (`tasks_per_second`). */
  tasksPerSecond: number;
  /** Failed share of finished tasks, 0..1; NaN when none finished (`error_rate`). */
  taskErrorRate: number;
  /** p95 task duration, seconds (`response_time`). */
  taskDurationP95Seconds: number;
}

/** What a reading remembers of the previous one, for rates and windowed quantiles. */
export interface PreviousSamples {
  readonly timeMs: number;
  readonly bySelection: ReadonlyMap<string, ReadonlyMap<string, Sample>>;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
// Does not compile when CurrentMetrics and the derived-metric table disagree on a field.
const fieldsMatchTable: Same<Exclude<keyof CurrentMetrics, 'timestamp'>, DerivedMetricField> = true;
void fieldsMatchTable;

const TABLE = Object.values(DERIVED_METRICS);
/** Every selection some metric windows over, once: one shared window makes ratios of them exact. */
const WINDOWS: readonly Selection[] = [
  ...new Map(TABLE.flatMap((m) => m.windows).map((s) => [selectionKey(s), s])).values(),
];

/**
 * Computes a {@link CurrentMetrics} from one snapshot and the previous samples, every field from
 * the derived-metric table (src/core/derived-metrics.ts); returns the samples to keep.
 */
export function computeCurrentMetrics(
  snapshot: MetricSnapshot,
  previous: PreviousSamples | undefined,
): { metrics: CurrentMetrics; samples: PreviousSamples } {
  const input: DeriveInput = {
    snapshot,
    baseline: (selection) => previous?.bySelection.get(selectionKey(selection)),
  };
  const metrics: Record<string, number> = { timestamp: snapshot.timeMs };
  for (const metric of TABLE) metrics[metric.field] = metric.compute(input) ?? Number.NaN;
  const bySelection = new Map<string, ReadonlyMap<string, Sample>>();
  for (const s of WINDOWS) bySelection.set(selectionKey(s), samplesOf(snapshot.select(s.name, s.where)));
  return { metrics: metrics as unknown as CurrentMetrics, samples: { timeMs: snapshot.timeMs, bySelection } };
}

/** `value.toFixed(digits)` plus `suffix`, or `-` for no data. */
function fixed(value: number, digits: number, suffix = ''): string {
  return Number.isNaN(value) ? '-' : `${value.toFixed(digits)}${suffix}`;
}

/** One console line per sample, for `monitor.verbose`: `cpu 5.9%  mem 2.1%  load 1.94  queue 12  tasks/s 12.2  p95 94 ms`. */
export function formatCurrentMetrics(m: CurrentMetrics): string {
  return (
    `cpu ${fixed(m.cpuPercent, 1, '%')}  mem ${fixed(m.memoryPercent, 1, '%')}  load ${fixed(m.loadAverage1m, 2)}  ` +
    `queue ${fixed(m.queueSize, 0)}  tasks/s ${fixed(m.tasksPerSecond, 1)}  p95 ${fixed(m.taskDurationP95Seconds * 1000, 0, ' ms')}  ` +
    `errors ${fixed(m.taskErrorRate * 100, 1, '%')}`
  );
}
