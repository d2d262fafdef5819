import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { ATTR as A, METRIC as I, series } from '../../src/core/metric-names.js';
import { board } from './board.js';
import { labelVariable, RATE, sel } from './layout.js';
import { heatmapPanel, timeSeries } from './panels.js';
import { BY, by, errorRateByTaskPanel, label, OUTCOME, quantile, TASK } from './queries.js';

const POOL = label(A.poolName);
const MODE = label(A.poolMode);
const QUEUE = label(A.queueName);
const taskScope = `${TASK}=~"$task"`;

/**
 * Marks a panel that reads native histograms (tests run it against a Prometheus with the feature on):
 * it needs `prometheus.nativeHistograms: true` in the SDK and Prometheus ≥ 2.40 with
 * `--enable-feature=native-histograms`; without them it stays empty.
 */
export const NATIVE_HISTOGRAMS_NOTE =
  'Needs native histograms: startPerformanceSdk({ prometheus: { nativeHistograms: true } }) and Prometheus started with --enable-feature=native-histograms (2.40+).';
const poolScope = `${POOL}=~"$pool"`;

/** Tracked tasks (trackTask / startTimer / registerQueue) and the worker pool. */
export function tasksPoolDashboard(): dashboard.Dashboard {
  const count = (...m: string[]) => `rate(${sel(series.count(I.taskDuration), taskScope, ...m)}[${RATE}])`;
  return board({
    uid: 'aiva-tasks-pool',
    title: 'aiva / Tasks & worker pool',
    description:
      'Task throughput, errors, latency and queues; worker-pool workers, utilization, wait and run times.',
    variables: [
      labelVariable(
        'task',
        'Task',
        `label_values(${series.count(I.taskDuration)}{job=~"$job",instance=~"$instance"}, ${TASK})`,
        'Task name given to trackTask / startTimer.',
      ),
      labelVariable(
        'pool',
        'Pool',
        `label_values(${series.gauge(I.poolWorkers)}{job=~"$job",instance=~"$instance"}, ${POOL})`,
        'Worker pool name.',
      ),
    ],
    content: (add) => {
      add.row('Tasks');
      add.panel(
        timeSeries({
          title: 'Throughput by task and outcome',
          description: 'Completed tasks per second, by task name and outcome.',
          unit: 'ops',
          targets: [{ expr: `sum ${by(TASK, OUTCOME)} (${count()})`, legend: `{{${TASK}}} {{${OUTCOME}}}` }],
        }),
        12,
        8,
      );
      add.panel(errorRateByTaskPanel(taskScope), 12, 8);
      add.panel(
        timeSeries({
          title: 'Latency by task',
          description: 'Task duration p50 / p95 / p99 per task name, from the histogram buckets.',
          unit: 's',
          targets: [0.5, 0.95, 0.99].map((q) => ({
            expr: quantile(q, I.taskDuration, by(TASK), taskScope),
            legend: `p${q * 100} {{${TASK}}}`,
          })),
        }),
        12,
        8,
      );
      add.panel(
        heatmapPanel({
          title: 'Latency distribution',
          description: 'Task durations per bucket over time, every selected task.',
          unit: 's',
          targets: [
            {
              expr: `sum by (le) (rate(${sel(series.bucket(I.taskDuration), taskScope)}[${RATE}]))`,
              legend: '{{le}}',
            },
          ],
        }),
        12,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Active tasks',
          description: 'Tasks running now, per task name.',
          unit: 'short',
          targets: [
            {
              expr: `sum ${by(TASK)} (${sel(series.gauge(I.taskActive), taskScope)})`,
              legend: `{{${TASK}}}`,
            },
          ],
        }),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Queue size by queue',
          description:
            'Items waiting in each queue registered with registerQueue (the pool registers its own).',
          unit: 'short',
          targets: [
            { expr: `sum ${by(QUEUE)} (${sel(series.gauge(I.taskQueueSize))})`, legend: `{{${QUEUE}}}` },
          ],
        }),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Estimated drain time',
          description:
            'Queued items divided by the task completion rate: how long the backlog lasts at today’s pace.',
          unit: 's',
          targets: [
            {
              expr: `sum ${BY} (${sel(series.gauge(I.taskQueueSize))}) / clamp_min(sum ${BY} (rate(${sel(series.count(I.taskDuration))}[${RATE}])), 0.001)`,
              legend: '{{instance}}',
            },
          ],
        }),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Latency p50 / p95 / p99 from native histograms',
          description: `${NATIVE_HISTOGRAMS_NOTE} Quantiles of task duration within a few percent of the truth, where the classic buckets interpolate across a whole bucket.`,
          unit: 's',
          targets: [0.5, 0.95, 0.99].map((q) => ({
            expr: `histogram_quantile(${q}, sum ${by(TASK)} (rate(${sel(series.gauge(I.taskDuration), taskScope)}[${RATE}])))`,
            legend: `p${q * 100} {{${TASK}}}`,
          })),
        }),
        24,
        8,
      );
      add.row('Worker pool');
      add.panel(
        timeSeries(
          {
            title: 'Workers busy and idle',
            description: 'Pool workers by state.',
            unit: 'short',
            targets: [
              {
                expr: `sum ${by(POOL, label(A.poolWorkerState))} (${sel(series.gauge(I.poolWorkers), poolScope)})`,
                legend: `{{${POOL}}} {{${label(A.poolWorkerState)}}}`,
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
          title: 'Pool utilization',
          description: 'Share of worker time spent running tasks.',
          unit: 'percentunit',
          targets: [
            {
              expr: `max ${by(POOL, MODE)} (${sel(series.gauge(I.poolUtilization), poolScope)})`,
              legend: `{{${POOL}}} {{${MODE}}}`,
            },
          ],
        }).max(1),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Pool tasks by outcome',
          description: 'Items finished per second by the pool, by task and outcome.',
          unit: 'ops',
          targets: [
            {
              expr: `sum ${by(TASK, OUTCOME)} (rate(${sel(series.counter(I.poolTasks), poolScope)}[${RATE}]))`,
              legend: `{{${TASK}}} {{${OUTCOME}}}`,
            },
          ],
        }),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Wait vs run time',
          description: 'Time an item waited for a worker against the time it ran, p50 and p95.',
          unit: 's',
          targets: [
            { expr: quantile(0.5, I.poolTaskWait, by(POOL), poolScope), legend: `wait p50 {{${POOL}}}` },
            { expr: quantile(0.95, I.poolTaskWait, by(POOL), poolScope), legend: `wait p95 {{${POOL}}}` },
            { expr: quantile(0.5, I.poolTaskDuration, by(POOL), poolScope), legend: `run p50 {{${POOL}}}` },
            { expr: quantile(0.95, I.poolTaskDuration, by(POOL), poolScope), legend: `run p95 {{${POOL}}}` },
          ],
        }),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Map sizes',
          description: 'Items per map() call, p50 and max bucket, by pool and mode.',
          unit: 'short',
          targets: [
            {
              expr: quantile(0.5, I.poolMapItems, by(POOL, MODE), poolScope),
              legend: `p50 {{${POOL}}} {{${MODE}}}`,
            },
            {
              expr: quantile(0.99, I.poolMapItems, by(POOL, MODE), poolScope),
              legend: `p99 {{${POOL}}} {{${MODE}}}`,
            },
          ],
        }),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Map durations',
          description: 'Wall time of whole map() calls, p50 and p95, by pool and mode.',
          unit: 's',
          targets: [
            {
              expr: quantile(0.5, I.poolMapDuration, by(POOL, MODE), poolScope),
              legend: `p50 {{${POOL}}} {{${MODE}}}`,
            },
            {
              expr: quantile(0.95, I.poolMapDuration, by(POOL, MODE), poolScope),
              legend: `p95 {{${POOL}}} {{${MODE}}}`,
            },
          ],
        }),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Items in flight and concurrency',
          description:
            "Items running now, and items at once per worker (concurrency: 'auto' raises it while items wait on I/O).",
          unit: 'short',
          targets: [
            {
              expr: `sum ${by(POOL, MODE)} (${sel(series.gauge(I.poolInFlight), poolScope)})`,
              legend: `in flight {{${POOL}}} {{${MODE}}}`,
            },
            {
              expr: `max ${by(POOL, MODE)} (${sel(series.gauge(I.poolConcurrency), poolScope)})`,
              legend: `per worker {{${POOL}}} {{${MODE}}}`,
            },
          ],
        }),
        12,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Pool queue',
          description: 'Items waiting for a worker in the pool, by mode.',
          unit: 'short',
          targets: [
            {
              expr: `sum ${by(POOL, MODE)} (${sel(series.gauge(I.poolQueueSize), poolScope)})`,
              legend: `{{${POOL}}} {{${MODE}}}`,
            },
          ],
        }),
        12,
        8,
      );
    },
  });
}
