/** Every metric the foundation issue promises, by its Prometheus name (exporter-prometheus 0.223 rules). */
export const HOST_METRICS = [
  'system_cpu_utilization',
  'system_cpu_time_total',
  'system_cpu_load_average_1m',
  'system_cpu_load_average_5m',
  'system_cpu_load_average_15m',
  'system_memory_usage',
  'system_memory_limit',
  'system_memory_linux_available',
  'system_paging_usage',
  'system_disk_io_total',
  'system_disk_operations_total',
  'system_network_io_total',
  'process_cpu_time_total',
  'process_cpu_utilization',
  'process_memory_usage',
] as const;

export const RUNTIME_METRICS = [
  'nodejs_eventloop_delay_p99',
  'nodejs_eventloop_utilization',
  'v8js_memory_heap_used',
  'v8js_gc_duration_bucket',
] as const;

export const TASK_METRICS = [
  'aiva_task_duration_bucket',
  'aiva_task_active',
  'aiva_task_queue_size',
] as const;

export const ALL_FOUNDATION_METRICS = [...HOST_METRICS, ...RUNTIME_METRICS, ...TASK_METRICS];

/** Metric names present in a Prometheus text exposition. */
export function metricNames(body: string): Set<string> {
  const names = new Set<string>();
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (match) names.add(match[0]);
  }
  return names;
}

/** Makes garbage until V8 has run at least one GC, so `v8js.gc.duration` has a point. */
export async function provokeGarbageCollection(hasGcPoint: () => Promise<boolean>): Promise<void> {
  for (let round = 0; round < 50; round++) {
    let keep: unknown[] = [];
    for (let i = 0; i < 200_000; i++) keep.push({ i, s: `x${i}` });
    keep = [];
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (await hasGcPoint()) return;
  }
}
