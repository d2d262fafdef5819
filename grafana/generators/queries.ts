import { ATTR as A, METRIC as I, promName as prometheusName, series } from '../../src/core/metric-names.js';
import { RATE, sel } from './layout.js';
import { timeSeries } from './panels.js';

/**
 * PromQL pieces shared by several dashboards, built from the instrument-name constants. `BY` keeps
 * one series per process so a multi-select of instances never sums two machines' percentages.
 */
export const BY = 'by (job, instance)';
export const label = prometheusName;

/** `by (job, instance, …labels)`: one series per process and label values. */
export const by = (...labels: string[]) => `by (job, instance, ${labels.join(', ')})`;

/** `rate(counter_total{scope, …}[$__rate_interval])`. */
export const rate = (counter: string, ...matchers: string[]) =>
  `rate(${sel(series.counter(counter), ...matchers)}[${RATE}])`;

export const TASK = label(A.taskName);
export const OUTCOME = label(A.taskOutcome);

/** Completed tasks per second (every outcome), from the duration histogram's count. */
export const taskThroughput = (by = BY) => `sum ${by} (rate(${sel(series.count(I.taskDuration))}[${RATE}]))`;

/** Task duration quantile from the classic buckets, per process or per `by`. */
export const taskQuantile = (q: number, by = BY) =>
  `histogram_quantile(${q}, sum ${by.replace(')', ', le)')} (rate(${sel(series.bucket(I.taskDuration))}[${RATE}])))`;

/** Any histogram's quantile. */
export const quantile = (q: number, instrument: string, by = BY, ...matchers: string[]) =>
  `histogram_quantile(${q}, sum ${by.replace(')', ', le)')} (rate(${sel(series.bucket(instrument), ...matchers)}[${RATE}])))`;

/** Mean of a histogram over the rate window (sum ÷ count). */
export const mean = (instrument: string, by = BY) =>
  `sum ${by} (rate(${sel(series.sum(instrument))}[${RATE}])) / sum ${by} (rate(${sel(series.count(instrument))}[${RATE}]))`;

/** Firing alerts now (the gauge keeps a 0 for alerts that resolved, so the count is 0, not empty). */
export const firingAlerts = () =>
  `sum ${BY} (${sel(series.gauge(I.alertsActive), `${label(A.alertState)}="firing"`)})`;

/** Error rate per task, as `error_rate` counts (outcome error); `scope` narrows the tasks (e.g. `$task`). */
export function errorRateByTaskPanel(...scope: string[]) {
  const count = (...m: string[]) => `rate(${sel(series.count(I.taskDuration), ...scope, ...m)}[${RATE}])`;
  const by = `by (job, instance, ${TASK})`;
  return timeSeries({
    title: 'Error rate by task',
    description:
      'Share of each task’s completions that ended in error (as error_rate counts; timeouts show in throughput by outcome).',
    unit: 'percentunit',
    targets: [
      { expr: `sum ${by} (${count(`${OUTCOME}="error"`)}) / sum ${by} (${count()})`, legend: `{{${TASK}}}` },
    ],
  });
}
