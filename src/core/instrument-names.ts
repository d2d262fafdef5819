/**
 * Every instrument name and attribute key the SDK emits, defined once. Instruments are created
 * with these constants; the Grafana dashboard generators, the derived-metric PromQL and the docs
 * read them, so a rename happens here and nowhere else.
 */

/** Instruments created by this package (`aiva.*`) and by the host/runtime producers it wires. */
export const INSTRUMENT = Object.freeze({
  // tasks (src/instrumentation/tasks.ts)
  taskDuration: 'aiva.task.duration',
  taskActive: 'aiva.task.active',
  taskQueueSize: 'aiva.task.queue.size',
  // memory manager (src/memory/metrics.ts)
  memoryAllocationSize: 'aiva.memory.allocation.size',
  memoryUsed: 'aiva.memory.used',
  memoryLimit: 'aiva.memory.limit',
  memoryUtilization: 'aiva.memory.utilization',
  memoryPoolFree: 'aiva.memory.pool.free',
  memoryAllocations: 'aiva.memory.allocations',
  memoryReleases: 'aiva.memory.releases',
  memoryEvictions: 'aiva.memory.evictions',
  memoryCompressionSaved: 'aiva.memory.compression.saved',
  memoryLeaksSuspected: 'aiva.memory.leaks.suspected',
  // worker pool (src/parallel/metrics.ts)
  poolTasks: 'aiva.pool.tasks',
  poolTaskDuration: 'aiva.pool.task.duration',
  poolTaskWait: 'aiva.pool.task.wait',
  poolMapDuration: 'aiva.pool.map.duration',
  poolMapItems: 'aiva.pool.map.items',
  poolQueueSize: 'aiva.pool.queue.size',
  poolWorkers: 'aiva.pool.workers',
  poolUtilization: 'aiva.pool.utilization',
  // alerts (src/alerts/metrics.ts)
  alertsActive: 'aiva.alerts.active',
  alertsEvaluations: 'aiva.alerts.evaluations',
  alertsNotifications: 'aiva.alerts.notifications',
  alertsEvaluationDuration: 'aiva.alerts.evaluation.duration',
  // host (src/instrumentation/host*.ts, host-metrics)
  systemCpuUtilization: 'system.cpu.utilization',
  systemCpuTime: 'system.cpu.time',
  hostCpuLogical: 'aiva.host.cpu.logical',
  systemCpuLoadAverage1m: 'system.cpu.load_average.1m',
  systemCpuLoadAverage5m: 'system.cpu.load_average.5m',
  systemCpuLoadAverage15m: 'system.cpu.load_average.15m',
  systemMemoryUsage: 'system.memory.usage',
  systemMemoryUtilization: 'system.memory.utilization',
  systemMemoryLimit: 'system.memory.limit',
  systemMemoryLinuxAvailable: 'system.memory.linux.available',
  systemPagingUsage: 'system.paging.usage',
  systemDiskIo: 'system.disk.io',
  systemDiskOperations: 'system.disk.operations',
  systemNetworkIo: 'system.network.io',
  systemNetworkErrors: 'system.network.errors',
  systemNetworkDropped: 'system.network.dropped',
  processCpuTime: 'process.cpu.time',
  processCpuUtilization: 'process.cpu.utilization',
  processMemoryUsage: 'process.memory.usage',
  // runtime (instrumentation-runtime-node)
  eventLoopUtilization: 'nodejs.eventloop.utilization',
  eventLoopTime: 'nodejs.eventloop.time',
  eventLoopDelayP50: 'nodejs.eventloop.delay.p50',
  eventLoopDelayP90: 'nodejs.eventloop.delay.p90',
  eventLoopDelayP99: 'nodejs.eventloop.delay.p99',
  eventLoopDelayMax: 'nodejs.eventloop.delay.max',
  gcDuration: 'v8js.gc.duration',
  heapUsed: 'v8js.memory.heap.used',
  heapSpaceSize: 'v8js.memory.heap.space.size',
  heapSpaceAvailableSize: 'v8js.memory.heap.space.available_size',
});

/** Attribute keys, as recorded (Prometheus turns `.` into `_`). */
export const ATTRIBUTE = Object.freeze({
  taskName: 'aiva.task.name',
  taskOutcome: 'aiva.task.outcome',
  queueName: 'aiva.queue.name',
  poolName: 'aiva.pool.name',
  poolMode: 'aiva.pool.mode',
  poolWorkerState: 'aiva.pool.worker.state',
  memoryPool: 'pool',
  memoryKind: 'kind',
  memoryOutcome: 'outcome',
  alertName: 'alertname',
  alertSeverity: 'severity',
  alertState: 'alertstate',
  alertOutcome: 'outcome',
  notifier: 'notifier',
  cpuState: 'system.cpu.state',
  processCpuState: 'process.cpu.state',
  memoryState: 'system.memory.state',
  pagingState: 'system.paging.state',
  diskDevice: 'system.device',
  diskDirection: 'disk.io.direction',
  networkDevice: 'system.device',
  networkDirection: 'network.io.direction',
  gcType: 'v8js.gc.type',
  heapSpace: 'v8js.heap.space.name',
  eventLoopState: 'nodejs.eventloop.state',
});

/** The Prometheus name of an instrument or attribute (exporter-prometheus: every other char → `_`). */
export function prometheusName(name: string): string {
  const out = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

/** Series names of one instrument as Prometheus stores them (direct exporter: no unit suffix). */
export const series = Object.freeze({
  gauge: (instrument: string): string => prometheusName(instrument),
  counter: (instrument: string): string => `${prometheusName(instrument)}_total`,
  bucket: (instrument: string): string => `${prometheusName(instrument)}_bucket`,
  count: (instrument: string): string => `${prometheusName(instrument)}_count`,
  sum: (instrument: string): string => `${prometheusName(instrument)}_sum`,
});
