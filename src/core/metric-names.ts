/**
 * Instrument and attribute names the derived-metric table reads, in one place: the producers
 * (host, runtime, tasks) emit them, the table, the monitor, the alert rules and the PromQL
 * export read them. Renaming an instrument (e.g. to newer semantic conventions) is an edit here.
 * Names are OpenTelemetry names; {@link promName} turns them into exporter-prometheus names.
 */

/** Instrument names. */
export const METRIC = Object.freeze({
  cpuUtilization: 'system.cpu.utilization',
  loadAverage1m: 'system.cpu.load_average.1m',
  loadAverage5m: 'system.cpu.load_average.5m',
  loadAverage15m: 'system.cpu.load_average.15m',
  memoryLimit: 'system.memory.limit',
  memoryAvailable: 'system.memory.linux.available',
  pagingUsage: 'system.paging.usage',
  diskIo: 'system.disk.io',
  networkIo: 'system.network.io',
  processCpuUtilization: 'process.cpu.utilization',
  processMemoryUsage: 'process.memory.usage',
  heapUsed: 'v8js.memory.heap.used',
  eventLoopDelayP99: 'nodejs.eventloop.delay.p99',
  eventLoopUtilization: 'nodejs.eventloop.utilization',
  taskDuration: 'aiva.task.duration',
  taskActive: 'aiva.task.active',
  taskQueueSize: 'aiva.task.queue.size',
  // Read by the history, the dashboard and the reports (not by the derived table).
  memoryUsed: 'aiva.memory.used',
  memoryAllocations: 'aiva.memory.allocations',
  memoryEvictions: 'aiva.memory.evictions',
  poolWorkers: 'aiva.pool.workers',
  poolUtilization: 'aiva.pool.utilization',
  alertsActive: 'aiva.alerts.active',
} as const);

/** Attribute names. */
export const ATTR = Object.freeze({
  cpuState: 'system.cpu.state',
  pagingState: 'system.paging.state',
  diskDirection: 'disk.io.direction',
  networkDirection: 'network.io.direction',
  taskName: 'aiva.task.name',
  taskOutcome: 'aiva.task.outcome',
  queueName: 'aiva.queue.name',
  memoryKind: 'kind',
  memoryOutcome: 'outcome',
  poolWorkerState: 'aiva.pool.worker.state',
  alertName: 'alertname',
  alertSeverity: 'severity',
  alertState: 'alertstate',
} as const);

/**
 * An OpenTelemetry metric or attribute name as exporter-prometheus writes it: every character
 * outside `[a-zA-Z0-9_:]` becomes `_`, and a leading digit gets a `_` prefix. Counters also get
 * `_total`, histograms `_bucket`/`_count`/`_sum`; no unit suffix is added.
 */
export function promName(name: string): string {
  const out = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(out) ? `_${out}` : out;
}
