/**
 * Instrument and attribute names the derived-metric table reads, in one place: the producers
 * (host, runtime, tasks) emit them, the table, the monitor, the alert rules and the PromQL
 * export read them. Renaming an instrument (e.g. to newer semantic conventions) is an edit here.
 * Names are OpenTelemetry names; {@link promName} turns them into exporter-prometheus names.
 */

/** Instrument names: every instrument the SDK creates or wires (host-metrics, runtime-node included). */
export const METRIC = Object.freeze({
  // host (src/instrumentation/host*.ts, @opentelemetry/host-metrics)
  cpuUtilization: 'system.cpu.utilization',
  cpuTime: 'system.cpu.time',
  /** Not semconv's system.cpu.logical.count: Prometheus would end it in `_count`, which promtool rejects. */
  hostCpuLogical: 'aiva.host.cpu.logical',
  loadAverage1m: 'system.cpu.load_average.1m',
  loadAverage5m: 'system.cpu.load_average.5m',
  loadAverage15m: 'system.cpu.load_average.15m',
  memoryUsage: 'system.memory.usage',
  memoryUtilization: 'system.memory.utilization',
  memoryLimit: 'system.memory.limit',
  memoryAvailable: 'system.memory.linux.available',
  pagingUsage: 'system.paging.usage',
  diskIo: 'system.disk.io',
  diskOperations: 'system.disk.operations',
  networkIo: 'system.network.io',
  networkErrors: 'system.network.errors',
  networkDropped: 'system.network.packet.dropped',
  processCpuTime: 'process.cpu.time',
  processCpuUtilization: 'process.cpu.utilization',
  processMemoryUsage: 'process.memory.usage',
  // runtime (@opentelemetry/instrumentation-runtime-node)
  heapUsed: 'v8js.memory.heap.used',
  heapSpaceSize: 'v8js.memory.heap.space.size',
  heapSpaceAvailableSize: 'v8js.memory.heap.space.available_size',
  gcDuration: 'v8js.gc.duration',
  eventLoopDelayP50: 'nodejs.eventloop.delay.p50',
  eventLoopDelayP90: 'nodejs.eventloop.delay.p90',
  eventLoopDelayP99: 'nodejs.eventloop.delay.p99',
  eventLoopDelayMax: 'nodejs.eventloop.delay.max',
  eventLoopUtilization: 'nodejs.eventloop.utilization',
  eventLoopTime: 'nodejs.eventloop.time',
  // tasks (src/instrumentation/tasks.ts)
  taskDuration: 'aiva.task.duration',
  taskActive: 'aiva.task.active',
  taskQueueSize: 'aiva.task.queue.size',
  // memory manager (src/memory/metrics.ts)
  memoryManagerAllocationSize: 'aiva.memory.allocation.size',
  memoryManagerUsed: 'aiva.memory.used',
  memoryManagerLimit: 'aiva.memory.limit',
  memoryManagerUtilization: 'aiva.memory.utilization',
  memoryManagerPoolFree: 'aiva.memory.pool.free',
  memoryManagerAllocations: 'aiva.memory.allocations',
  memoryManagerReleases: 'aiva.memory.releases',
  memoryManagerEvictions: 'aiva.memory.evictions',
  memoryManagerCompressionSaved: 'aiva.memory.compression.saved',
  memoryManagerLeaksSuspected: 'aiva.memory.leaks.suspected',
  // worker pool (src/parallel/metrics.ts)
  poolTasks: 'aiva.pool.tasks',
  poolTaskDuration: 'aiva.pool.task.duration',
  poolTaskWait: 'aiva.pool.task.wait',
  poolMapDuration: 'aiva.pool.map.duration',
  poolMapItems: 'aiva.pool.map.items',
  poolQueueSize: 'aiva.pool.queue.size',
  poolWorkers: 'aiva.pool.workers',
  poolUtilization: 'aiva.pool.utilization',
  poolInFlight: 'aiva.pool.in_flight',
  poolConcurrency: 'aiva.pool.concurrency',
  // alerts (src/alerts/metrics.ts)
  alertsActive: 'aiva.alerts.active',
  alertsEvaluations: 'aiva.alerts.evaluations',
  alertsNotifications: 'aiva.alerts.notifications',
  alertsEvaluationDuration: 'aiva.alerts.evaluation.duration',
} as const);

/** Attribute names. */
export const ATTR = Object.freeze({
  cpuMode: 'cpu.mode',
  cpuLogicalNumber: 'cpu.logical_number',
  pagingState: 'system.paging.state',
  diskDirection: 'disk.io.direction',
  networkDirection: 'network.io.direction',
  memoryState: 'system.memory.state',
  diskDevice: 'system.device.name',
  networkDevice: 'network.interface.name',
  gcType: 'v8js.gc.type',
  heapSpace: 'v8js.heap.space.name',
  eventLoopState: 'nodejs.eventloop.state',
  taskName: 'aiva.task.name',
  taskOutcome: 'aiva.task.outcome',
  queueName: 'aiva.queue.name',
  poolName: 'aiva.pool.name',
  poolMode: 'aiva.pool.mode',
  poolWorkerState: 'aiva.pool.worker.state',
  memoryManagerPool: 'pool',
  memoryManagerKind: 'kind',
  memoryManagerOutcome: 'outcome',
  alertName: 'alertname',
  alertSeverity: 'severity',
  alertState: 'alertstate',
  alertOutcome: 'outcome',
  notifier: 'notifier',
} as const);

/**
 * Attribute keys older releases (and @opentelemetry/host-metrics 0.39) write, by the current key that
 * replaced them: the query layer matches either, so in-process readings work under every
 * `semconvStability` setting.
 */
export const ATTRIBUTE_ALIASES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'cpu.mode': ['system.cpu.state', 'process.cpu.state'],
  'cpu.logical_number': ['system.cpu.logical_number'],
  'network.interface.name': ['system.device'],
  'system.device.name': ['system.device'],
});

/** Old key → current key, where the mapping does not depend on the instrument. */
export const LEGACY_ATTRIBUTE_KEYS: Readonly<Record<string, string>> = Object.freeze({
  'system.cpu.state': 'cpu.mode',
  'process.cpu.state': 'cpu.mode',
  'system.cpu.logical_number': 'cpu.logical_number',
});

/**
 * An OpenTelemetry metric or attribute name as exporter-prometheus writes it: every character
 * outside `[a-zA-Z0-9_:]` becomes `_`, and a leading digit gets a `_` prefix. Counters also get
 * `_total`, histograms `_bucket`/`_count`/`_sum`; no unit suffix is added.
 */
export function promName(name: string): string {
  const out = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(out) ? `_${out}` : out;
}

/** Series names of one instrument as Prometheus stores them (direct exporter: no unit suffix). */
export const series = Object.freeze({
  gauge: (instrument: string): string => promName(instrument),
  counter: (instrument: string): string => `${promName(instrument)}_total`,
  bucket: (instrument: string): string => `${promName(instrument)}_bucket`,
  count: (instrument: string): string => `${promName(instrument)}_count`,
  sum: (instrument: string): string => `${promName(instrument)}_sum`,
});
