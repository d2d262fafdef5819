import {
  aggregate,
  increase,
  type MetricSnapshot,
  type Sample,
  samplesOf,
  type Where,
} from '../core/query.js';
import { histogramQuantile, windowedHistogram } from '../core/query-histogram.js';

const MB = 1024 * 1024;

/**
 * One reading of everything the original monitor reported. Values the SDK does not collect
 * (host metrics switched off, no tracked task yet) are `NaN`, never a made-up 0; rates and the
 * task p95 cover the window since the previous reading.
 */
export interface CurrentMetrics {
  /** Milliseconds since the epoch of the collection. */
  timestamp: number;
  cpuPercent: number;
  loadAverage1m: number;
  loadAverage5m: number;
  loadAverage15m: number;
  memoryUsedMb: number;
  memoryAvailableMb: number;
  memoryTotalMb: number;
  memoryPercent: number;
  swapUsedMb: number;
  swapTotalMb: number;
  diskReadBytesPerSec: number;
  diskWriteBytesPerSec: number;
  networkSentBytesPerSec: number;
  networkRecvBytesPerSec: number;
  processCpuPercent: number;
  processRssMb: number;
  heapUsedMb: number;
  eventLoopDelayP99Seconds: number;
  eventLoopUtilization: number;
  queueSize: number;
  activeTasks: number;
  tasksPerSecond: number;
  taskErrorRate: number;
  taskDurationP95Seconds: number;
}

/** What a reading remembers of the previous one, for rates and windowed quantiles. */
export interface PreviousSamples {
  readonly timeMs: number;
  readonly bySelection: ReadonlyMap<string, ReadonlyMap<string, Sample>>;
}

interface Selection {
  readonly name: string;
  readonly where?: Where;
}

const DISK_READ: Selection = { name: 'system.disk.io', where: { 'disk.io.direction': 'read' } };
const DISK_WRITE: Selection = { name: 'system.disk.io', where: { 'disk.io.direction': 'write' } };
const NET_SENT: Selection = { name: 'system.network.io', where: { 'network.io.direction': 'transmit' } };
const NET_RECV: Selection = { name: 'system.network.io', where: { 'network.io.direction': 'receive' } };
const TASKS: Selection = { name: 'aiva.task.duration' };
const TASK_ERRORS: Selection = { name: 'aiva.task.duration', where: { 'aiva.task.outcome': 'error' } };
const WINDOWED = [DISK_READ, DISK_WRITE, NET_SENT, NET_RECV, TASKS, TASK_ERRORS];

/** Computes a {@link CurrentMetrics} from one snapshot and the previous samples; returns the samples to keep. */
export function computeCurrentMetrics(
  snapshot: MetricSnapshot,
  previous: PreviousSamples | undefined,
): { metrics: CurrentMetrics; samples: PreviousSamples } {
  const select = (s: Selection) => snapshot.select(s.name, s.where);
  const sumOf = (name: string, where?: Where) =>
    aggregate(values(snapshot, name, where), 'sum') ?? Number.NaN;
  // Every windowed value shares one window, so ratios of them (the error rate) are exact.
  const increaseOf = (s: Selection) => increase(previous?.bySelection.get(key(s)), select(s))?.increase ?? 0;
  const windowSeconds = (snapshot.timeMs - (previous?.timeMs ?? earliestStart(snapshot, WINDOWED))) / 1000;
  const rateOf = (s: Selection) => {
    if (select(s).length === 0) return Number.NaN;
    return windowSeconds > 0 ? increaseOf(s) / windowSeconds : 0;
  };

  const idle = aggregate(values(snapshot, 'system.cpu.utilization', { 'system.cpu.state': 'idle' }), 'avg');
  const memoryTotal = sumOf('system.memory.limit');
  const memoryAvailable = sumOf('system.memory.linux.available');
  const swapUsed = sumOf('system.paging.usage', { 'system.paging.state': 'used' });
  const swapTotal = sumOf('system.paging.usage');
  const processCpu = aggregate(values(snapshot, 'process.cpu.utilization'), 'sum');
  const tasksPerSecond = rateOf(TASKS);
  const tasksInWindow = increaseOf(TASKS);
  const taskWindow = windowedHistogram(previous?.bySelection.get(key(TASKS)), select(TASKS));

  const metrics: CurrentMetrics = {
    timestamp: snapshot.timeMs,
    cpuPercent: idle === undefined ? Number.NaN : clampPercent(100 * (1 - idle)),
    loadAverage1m: sumOf('system.cpu.load_average.1m'),
    loadAverage5m: sumOf('system.cpu.load_average.5m'),
    loadAverage15m: sumOf('system.cpu.load_average.15m'),
    memoryUsedMb: (memoryTotal - memoryAvailable) / MB,
    memoryAvailableMb: memoryAvailable / MB,
    memoryTotalMb: memoryTotal / MB,
    memoryPercent: (100 * (memoryTotal - memoryAvailable)) / memoryTotal,
    swapUsedMb: swapUsed / MB,
    swapTotalMb: swapTotal / MB,
    diskReadBytesPerSec: rateOf(DISK_READ),
    diskWriteBytesPerSec: rateOf(DISK_WRITE),
    networkSentBytesPerSec: rateOf(NET_SENT),
    networkRecvBytesPerSec: rateOf(NET_RECV),
    processCpuPercent: processCpu === undefined ? Number.NaN : 100 * processCpu,
    processRssMb: sumOf('process.memory.usage') / MB,
    heapUsedMb: sumOf('v8js.memory.heap.used') / MB,
    eventLoopDelayP99Seconds: sumOf('nodejs.eventloop.delay.p99'),
    eventLoopUtilization: sumOf('nodejs.eventloop.utilization'),
    queueSize: aggregate(values(snapshot, 'aiva.task.queue.size'), 'sum') ?? 0,
    activeTasks: aggregate(values(snapshot, 'aiva.task.active'), 'sum') ?? 0,
    tasksPerSecond: Number.isNaN(tasksPerSecond) ? 0 : tasksPerSecond,
    taskErrorRate: tasksInWindow > 0 ? increaseOf(TASK_ERRORS) / tasksInWindow : 0,
    taskDurationP95Seconds: histogramQuantile(0.95, taskWindow),
  };

  const bySelection = new Map<string, ReadonlyMap<string, Sample>>();
  for (const selection of WINDOWED) bySelection.set(key(selection), samplesOf(select(selection)));
  return { metrics, samples: { timeMs: snapshot.timeMs, bySelection } };
}

function earliestStart(snapshot: MetricSnapshot, selections: readonly Selection[]): number {
  let earliest = snapshot.timeMs;
  for (const selection of selections) {
    for (const s of snapshot.select(selection.name, selection.where))
      earliest = Math.min(earliest, s.startTimeMs);
  }
  return earliest;
}

function values(snapshot: MetricSnapshot, name: string, where?: Where): number[] {
  return snapshot.select(name, where).map((series) => series.value);
}

function key(selection: Selection): string {
  return `${selection.name}${JSON.stringify(selection.where ?? {})}`;
}

function clampPercent(value: number): number {
  return Math.min(100, Math.max(0, value));
}

/** One console line per sample, for `monitor.verbose`: `cpu 5.9%  mem 2.1%  load 1.94  queue 12  tasks/s 12.2  p95 94 ms`. */
export function formatCurrentMetrics(m: CurrentMetrics): string {
  const p95 = Number.isNaN(m.taskDurationP95Seconds)
    ? '-'
    : `${(m.taskDurationP95Seconds * 1000).toFixed(0)} ms`;
  return (
    `cpu ${m.cpuPercent.toFixed(1)}%  mem ${m.memoryPercent.toFixed(1)}%  load ${m.loadAverage1m.toFixed(2)}  ` +
    `queue ${m.queueSize}  tasks/s ${m.tasksPerSecond.toFixed(1)}  p95 ${p95}  errors ${(m.taskErrorRate * 100).toFixed(1)}%`
  );
}
