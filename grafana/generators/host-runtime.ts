import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { ATTR as A, METRIC as I, series } from '../../src/core/metric-names.js';
import { board } from './board.js';
import { RATE, sel } from './layout.js';
import { timeSeries } from './panels.js';
import { BY, by, label, mean, quantile, rate } from './queries.js';

/** Host (CPU, load, memory, disk, network) and Node runtime (event loop, heap, GC) in one place. */
export function hostRuntimeDashboard(): dashboard.Dashboard {
  const cpuState = label(A.cpuMode);
  const device = label(A.diskDevice);
  const diskDirection = label(A.diskDirection);
  const netDevice = label(A.networkDevice);
  const netDirection = label(A.networkDirection);
  const usedBytes = `sum ${BY} (${sel(series.gauge(I.memoryLimit))}) - sum ${BY} (${sel(series.gauge(I.memoryAvailable))})`;
  return board({
    uid: 'aiva-host-runtime',
    title: 'aiva / Host & runtime',
    description: 'Host metrics (CPU, load, memory, swap, disk, network) and Node.js runtime metrics.',
    content: (add) => {
      add.row('CPU and load');
      add.panel(
        timeSeries(
          {
            title: 'CPU by state',
            description:
              'Machine-wide CPU utilization per state since the previous reading (/proc/stat), stacked.',
            unit: 'percentunit',
            targets: [
              {
                expr: `avg ${by(cpuState)} (${sel(series.gauge(I.cpuUtilization), `${cpuState}!="idle"`)})`,
                legend: `{{${cpuState}}}`,
              },
            ],
          },
          { stacked: true, min: 0 },
        ).max(1),
        12,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Load average vs cores',
          description: 'Load average over 1, 5 and 15 minutes beside the number of logical CPUs.',
          unit: 'short',
          targets: [
            { expr: `max ${BY} (${sel(series.gauge(I.loadAverage1m))})`, legend: '1m {{instance}}' },
            { expr: `max ${BY} (${sel(series.gauge(I.loadAverage5m))})`, legend: '5m {{instance}}' },
            {
              expr: `max ${BY} (${sel(series.gauge(I.loadAverage15m))})`,
              legend: '15m {{instance}}',
            },
            {
              expr: `max ${BY} (${sel(series.gauge(I.hostCpuLogical))})`,
              legend: 'cores {{instance}}',
            },
          ],
        }),
        12,
        8,
      );
      add.row('Memory');
      add.panel(
        timeSeries({
          title: 'Memory used, available, cache and swap',
          description:
            'RAM used by processes (total − MemAvailable), page cache and buffers, MemAvailable (what new work can use without swapping), total, and swap used.',
          unit: 'bytes',
          targets: [
            { expr: usedBytes, legend: 'used {{instance}}' },
            {
              expr: `sum ${BY} (${sel(series.gauge(I.memoryUsage), `${label(A.memoryState)}="used"`)}) - (${usedBytes})`,
              legend: 'cache and buffers {{instance}}',
            },
            {
              expr: `sum ${BY} (${sel(series.gauge(I.memoryAvailable))})`,
              legend: 'available {{instance}}',
            },
            { expr: `sum ${BY} (${sel(series.gauge(I.memoryLimit))})`, legend: 'total {{instance}}' },
            {
              expr: `sum ${BY} (${sel(series.gauge(I.pagingUsage), `${label(A.pagingState)}="used"`)})`,
              legend: 'swap used {{instance}}',
            },
          ],
        }),
        24,
        8,
      );
      add.row('Disk and network');
      add.panel(
        timeSeries({
          title: 'Disk bytes per device',
          description: 'Bytes read and written per second on whole disks.',
          unit: 'Bps',
          targets: [
            {
              expr: `sum ${by(device, diskDirection)} (${rate(I.diskIo)})`,
              legend: `{{${device}}} {{${diskDirection}}}`,
            },
          ],
        }),
        12,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Disk operations per device',
          description: 'Read and write operations completed per second on whole disks.',
          unit: 'iops',
          targets: [
            {
              expr: `sum ${by(device, diskDirection)} (${rate(I.diskOperations)})`,
              legend: `{{${device}}} {{${diskDirection}}}`,
            },
          ],
        }),
        12,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Network traffic per interface',
          description: 'Bytes received and transmitted per second, every interface but loopback.',
          unit: 'Bps',
          targets: [
            {
              expr: `sum ${by(netDevice, netDirection)} (${rate(I.networkIo)})`,
              legend: `{{${netDevice}}} {{${netDirection}}}`,
            },
          ],
        }),
        12,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Network errors and drops per interface',
          description: 'Packets per second that failed or were dropped, by interface and direction.',
          unit: 'pps',
          targets: [
            {
              expr: `sum ${by(netDevice, netDirection)} (${rate(I.networkErrors)})`,
              legend: `errors {{${netDevice}}} {{${netDirection}}}`,
            },
            {
              expr: `sum ${by(netDevice, netDirection)} (${rate(I.networkDropped)})`,
              legend: `dropped {{${netDevice}}} {{${netDirection}}}`,
            },
          ],
        }),
        12,
        8,
      );
      add.row('Process');
      add.panel(
        timeSeries(
          {
            title: 'Process CPU',
            description: 'CPU seconds per second this process spent in user and system mode (1 = one core).',
            unit: 'short',
            targets: [
              {
                expr: `sum ${by(label(A.cpuMode))} (${rate(I.processCpuTime)})`,
                legend: `{{${label(A.cpuMode)}}}`,
              },
            ],
          },
          { stacked: true, min: 0 },
        ),
        12,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Process memory (RSS)',
          description: 'Resident set size of the process.',
          unit: 'bytes',
          targets: [
            { expr: `sum ${BY} (${sel(series.gauge(I.processMemoryUsage))})`, legend: '{{instance}}' },
          ],
        }),
        12,
        8,
      );
      add.row('Node.js runtime');
      add.panel(
        timeSeries({
          title: 'Event-loop delay',
          description:
            'Event-loop delay percentiles over the sampling window (a blocked loop delays every request).',
          unit: 's',
          targets: [
            { expr: `max ${BY} (${sel(series.gauge(I.eventLoopDelayP50))})`, legend: 'p50 {{instance}}' },
            { expr: `max ${BY} (${sel(series.gauge(I.eventLoopDelayP90))})`, legend: 'p90 {{instance}}' },
            { expr: `max ${BY} (${sel(series.gauge(I.eventLoopDelayP99))})`, legend: 'p99 {{instance}}' },
          ],
        }),
        12,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Event-loop utilization',
          description: 'Share of time the event loop was busy (0–1).',
          unit: 'percentunit',
          targets: [
            { expr: `max ${BY} (${sel(series.gauge(I.eventLoopUtilization))})`, legend: '{{instance}}' },
          ],
        }).max(1),
        12,
        8,
      );
      add.panel(
        timeSeries(
          {
            title: 'Heap used per space',
            description: 'V8 heap bytes used, per heap space, stacked.',
            unit: 'bytes',
            targets: [
              {
                expr: `sum ${by(label(A.heapSpace))} (${sel(series.gauge(I.heapUsed))})`,
                legend: `{{${label(A.heapSpace)}}}`,
              },
            ],
          },
          { stacked: true, min: 0 },
        ),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'GC pauses per second',
          description: 'Garbage collections per second, by type.',
          unit: 'ops',
          targets: [
            {
              expr: `sum ${by(label(A.gcType))} (rate(${sel(series.count(I.gcDuration))}[${RATE}]))`,
              legend: `{{${label(A.gcType)}}}`,
            },
          ],
        }),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'GC pause duration',
          description: 'Mean GC pause by type, and p99 over all types.',
          unit: 's',
          targets: [
            { expr: mean(I.gcDuration, by(label(A.gcType))), legend: `mean {{${label(A.gcType)}}}` },
            { expr: quantile(0.99, I.gcDuration), legend: 'p99 {{instance}}' },
          ],
        }),
        8,
        8,
      );
    },
  });
}
