import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DEFAULT_ALERT_RULES } from '../../src/alerts/defaults.js';
import { DERIVED_METRICS, type DerivedMetricName } from '../../src/core/derived-metrics.js';
import { ATTR as A, METRIC as I, series } from '../../src/core/metric-names.js';
import { board } from './board.js';
import { RATE, SCOPE, sel } from './layout.js';
import { levels, statPanel, tablePanel, timeSeries, timeSeriesWithLevels } from './panels.js';
import {
  BY,
  errorRateByTaskPanel,
  firingAlerts,
  label,
  OUTCOME,
  taskQuantile,
  taskThroughput,
} from './queries.js';

/** A friendly metric's PromQL from the one table the alert rules and the rule export use. */
export const friendly = (metric: DerivedMetricName): string =>
  DERIVED_METRICS[metric].promql({ matchers: SCOPE, range: RATE });

/** The warning/critical levels of the default rule on `metric`, never retyped. */
export function defaultLevels(metric: DerivedMetricName): { warning: number; critical: number } {
  const rule = DEFAULT_ALERT_RULES.find((r) => r.metric === metric);
  const threshold = rule?.threshold;
  if (!threshold || typeof threshold !== 'object') throw new Error(`no leveled default rule on ${metric}`);
  const { warning, critical } = threshold as { warning?: number; critical?: number };
  if (warning === undefined || critical === undefined)
    throw new Error(`default rule on ${metric} lacks a level`);
  return { warning, critical };
}

const thresholdsOf = (metric: DerivedMetricName) => {
  const { warning, critical } = defaultLevels(metric);
  return levels(warning, critical);
};

/** The original module's dashboard on one screen. */
export function overviewDashboard(): dashboard.Dashboard {
  const cpu = defaultLevels('cpu_percent');
  const memory = defaultLevels('memory_percent');
  const latency = defaultLevels('response_time');
  return board({
    uid: 'aiva-overview',
    title: 'aiva / Service overview',
    description:
      'CPU, memory, task throughput, latency, errors, queue and alerts of services instrumented with aiva-performance.',
    content: (add) => {
      add.row('At a glance');
      const glance = [
        statPanel(
          {
            title: 'CPU busy',
            description: 'Machine-wide CPU busy %, coloured at the HighCpuUsage rule levels.',
            unit: 'percent',
            targets: [{ expr: friendly('cpu_percent'), legend: '{{instance}}' }],
          },
          thresholdsOf('cpu_percent'),
        ),
        statPanel({
          title: 'Load per core',
          description:
            '1-minute load average divided by the number of logical CPUs; above 1 means waiting work.',
          unit: 'short',
          targets: [
            {
              expr: `max ${BY} (${sel(series.gauge(I.loadAverage1m))}) / max ${BY} (${sel(series.gauge(I.hostCpuLogical))})`,
              legend: '{{instance}}',
            },
          ],
        }).decimals(2),
        statPanel(
          {
            title: 'Memory used',
            description:
              'Used share of RAM (total − MemAvailable), coloured at the HighMemoryUsage rule levels.',
            unit: 'percent',
            targets: [{ expr: friendly('memory_percent'), legend: '{{instance}}' }],
          },
          thresholdsOf('memory_percent'),
        ),
        statPanel({
          title: 'Swap used',
          description: 'Used share of swap space; 0 on a machine without swap.',
          unit: 'percent',
          targets: [{ expr: friendly('swap_percent'), legend: '{{instance}}' }],
        }),
        statPanel({
          title: 'Task throughput',
          description: 'Tasks completed per second (trackTask / startTimer), every outcome.',
          unit: 'ops',
          targets: [{ expr: taskThroughput(), legend: '{{instance}}' }],
        }).decimals(1),
        statPanel(
          {
            title: 'p95 response time',
            description: 'p95 of task duration, coloured at the SlowTasks rule levels.',
            unit: 's',
            targets: [{ expr: friendly('response_time'), legend: '{{instance}}' }],
          },
          thresholdsOf('response_time'),
        ),
        statPanel({
          title: 'Error rate',
          description: 'Share of completed tasks that failed.',
          unit: 'percentunit',
          targets: [{ expr: friendly('error_rate'), legend: '{{instance}}' }],
        }),
        statPanel(
          {
            title: 'Queue size',
            description:
              'Items waiting in every registered queue, coloured at the TaskQueueBacklog rule levels.',
            unit: 'short',
            targets: [{ expr: friendly('queue_size'), legend: '{{instance}}' }],
          },
          thresholdsOf('queue_size'),
        ),
        statPanel(
          {
            title: 'Firing alerts',
            description: 'Alerts firing now in the in-process alert engine.',
            unit: 'none',
            targets: [{ expr: firingAlerts(), legend: '{{instance}}' }],
          },
          levels(1, 1),
        ),
      ];
      for (const [i, panel] of glance.entries()) add.panel(panel, i < 6 ? 4 : 8, 4);

      add.row('Trends');
      add.panel(
        timeSeriesWithLevels(
          {
            title: 'CPU busy',
            description: 'Machine-wide CPU busy % per instance; dashed lines at the rule levels.',
            unit: 'percent',
            targets: [{ expr: friendly('cpu_percent'), legend: '{{instance}}' }],
          },
          cpu.warning,
          cpu.critical,
        ).max(100),
        12,
        8,
      );
      add.panel(
        timeSeriesWithLevels(
          {
            title: 'Memory used',
            description: 'Used share of RAM per instance; dashed lines at the rule levels.',
            unit: 'percent',
            targets: [{ expr: friendly('memory_percent'), legend: '{{instance}}' }],
          },
          memory.warning,
          memory.critical,
        ).max(100),
        12,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Task throughput by outcome',
          description: 'Completed tasks per second, split by outcome (ok, error, timeout, cancelled).',
          unit: 'ops',
          targets: [{ expr: taskThroughput(`by (job, instance, ${OUTCOME})`), legend: `{{${OUTCOME}}}` }],
        }),
        12,
        8,
      );
      add.panel(
        timeSeriesWithLevels(
          {
            title: 'Task latency',
            description:
              'Task duration p50 / p95 / p99 over all tasks; dashed lines at the SlowTasks levels.',
            unit: 's',
            targets: [
              { expr: taskQuantile(0.5), legend: 'p50 {{instance}}' },
              { expr: friendly('response_time'), legend: 'p95 {{instance}}' },
              { expr: taskQuantile(0.99), legend: 'p99 {{instance}}' },
            ],
          },
          latency.warning,
          latency.critical,
        ),
        12,
        8,
      );
      add.panel(errorRateByTaskPanel(), 12, 8);
      add.panel(
        tablePanel({
          title: 'Firing and pending alerts',
          description:
            'Every alert the in-process engine has raised, by state: 1 while in that state, 0 after it left.',
          unit: 'none',
          targets: [
            {
              expr: `max by (job, instance, ${label(A.alertName)}, ${label(A.alertSeverity)}, ${label(A.alertState)}) (${sel(series.gauge(I.alertsActive))})`,
            },
          ],
        }),
        12,
        8,
      );
    },
  });
}
