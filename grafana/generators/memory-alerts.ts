import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { ATTR as A, METRIC as I, series } from '../../src/core/metric-names.js';
import { board } from './board.js';
import { labelVariable, RATE, sel } from './layout.js';
import { heatmapPanel, stateTimeline, tablePanel, timeSeries } from './panels.js';
import { BY, by, label, mean, quantile, rate } from './queries.js';

/** The budgeted memory manager: usage against its limit, allocation traffic, evictions, leaks. */
export function memoryDashboard(): dashboard.Dashboard {
  const KIND = label(A.memoryManagerKind);
  const POOL = label(A.memoryManagerPool);
  const kindScope = `${KIND}=~"$kind"`;
  return board({
    uid: 'aiva-memory',
    title: 'aiva / Memory manager',
    description:
      'UnifiedMemoryManager: bytes by kind against the budget, allocations, rejections, evictions, leaks.',
    variables: [
      labelVariable(
        'kind',
        'Kind',
        `label_values(${series.gauge(I.memoryManagerUsed)}{job=~"$job",instance=~"$instance"}, ${KIND})`,
        'Kind of managed memory (vector, model, cache, scratch).',
      ),
    ],
    content: (add) => {
      add.row('Budget');
      add.panel(
        timeSeries(
          {
            title: 'Used by kind vs limit',
            description: 'Bytes held per kind of memory, stacked, with the manager’s budget.',
            unit: 'bytes',
            targets: [
              {
                expr: `sum ${by(KIND)} (${sel(series.gauge(I.memoryManagerUsed), kindScope)})`,
                legend: `{{${KIND}}}`,
              },
              {
                expr: `sum ${by(POOL)} (${sel(series.gauge(I.memoryManagerLimit))})`,
                legend: 'limit {{pool}}',
              },
            ],
          },
          { min: 0 },
        ).overrideByRegexp('^limit', [{ id: 'custom.stacking', value: { mode: 'none' } }]),
        12,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Utilization',
          description: 'Used share of the budget; the manager starts cleaning up above its gcThreshold.',
          unit: 'percentunit',
          targets: [
            {
              expr: `max ${by(POOL)} (${sel(series.gauge(I.memoryManagerUtilization))})`,
              legend: `{{${POOL}}}`,
            },
          ],
        }).max(1),
        12,
        8,
      );
      add.row('Traffic');
      add.panel(
        timeSeries({
          title: 'Allocations per second',
          description: 'allocate() calls per second by kind and outcome (ok, rejected).',
          unit: 'ops',
          targets: [
            {
              expr: `sum ${by(KIND, label(A.memoryManagerOutcome))} (${rate(I.memoryManagerAllocations, kindScope)})`,
              legend: `{{${KIND}}} {{${label(A.memoryManagerOutcome)}}}`,
            },
            {
              expr: `sum ${by(KIND)} (${rate(I.memoryManagerReleases, kindScope)})`,
              legend: `{{${KIND}}} released`,
            },
          ],
        }),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Rejected allocations',
          description: 'allocate() calls refused per second because the budget was full.',
          unit: 'ops',
          targets: [
            {
              expr: `sum ${by(KIND)} (${rate(I.memoryManagerAllocations, kindScope, `${label(A.memoryManagerOutcome)}="rejected"`)})`,
              legend: `{{${KIND}}}`,
            },
          ],
        }),
        8,
        8,
      );
      add.panel(
        heatmapPanel({
          title: 'Allocation sizes',
          description: 'Sizes of allocations over time, per bucket.',
          unit: 'bytes',
          targets: [
            {
              expr: `sum by (le) (rate(${sel(series.bucket(I.memoryManagerAllocationSize), kindScope)}[${RATE}]))`,
              legend: '{{le}}',
            },
          ],
        }),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Cache evictions',
          description: 'Cache entries evicted per second to stay within the budget.',
          unit: 'ops',
          targets: [
            { expr: `sum ${by(KIND)} (${rate(I.memoryManagerEvictions, kindScope)})`, legend: `{{${KIND}}}` },
          ],
        }),
        6,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Pooled free bytes',
          description: 'Released buffers kept in the size-class pool for reuse.',
          unit: 'bytes',
          targets: [
            {
              expr: `sum ${by(POOL)} (${sel(series.gauge(I.memoryManagerPoolFree))})`,
              legend: `{{${POOL}}}`,
            },
          ],
        }),
        6,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Compression saving',
          description: 'Bytes saved by compressing idle cache entries.',
          unit: 'bytes',
          targets: [
            {
              expr: `sum ${by(KIND)} (${sel(series.gauge(I.memoryManagerCompressionSaved), kindScope)})`,
              legend: `{{${KIND}}}`,
            },
          ],
        }),
        6,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Suspected leaks',
          description: 'Live allocations older than the leak-detection age.',
          unit: 'short',
          targets: [
            {
              expr: `sum ${by(POOL)} (${sel(series.gauge(I.memoryManagerLeaksSuspected))})`,
              legend: `{{${POOL}}}`,
            },
          ],
        }),
        6,
        8,
      );
    },
  });
}

/** The in-process alert engine: what fires, how evaluation goes, where notifications went. */
export function alertsDashboard(): dashboard.Dashboard {
  const NAME = label(A.alertName);
  const SEVERITY = label(A.alertSeverity);
  const STATE = label(A.alertState);
  const active = sel(series.gauge(I.alertsActive));
  return board({
    uid: 'aiva-alerts',
    title: 'aiva / Alerts',
    description: 'Alert states, evaluation rounds and notification delivery of the in-process alert engine.',
    content: (add) => {
      add.row('State');
      add.panel(
        tablePanel({
          title: 'Alerts by state',
          description: 'Every alert raised since start: 1 while in the state shown, 0 once it left it.',
          unit: 'none',
          targets: [{ expr: `max ${by(NAME, SEVERITY, STATE)} (${active})` }],
        }),
        10,
        8,
      );
      add.panel(
        stateTimeline({
          title: 'Alert state timeline',
          description: 'Per alert: inactive, pending or firing over time.',
          unit: 'none',
          targets: [
            {
              expr: `max ${by(NAME, SEVERITY)} (${sel(series.gauge(I.alertsActive), `${STATE}="firing"`)} * 2 or ${sel(series.gauge(I.alertsActive), `${STATE}="pending"`)})`,
              legend: `{{${NAME}}} {{${SEVERITY}}}`,
            },
          ],
        }),
        14,
        8,
      );
      add.row('Evaluation and delivery');
      add.panel(
        timeSeries({
          title: 'Evaluations',
          description: 'Rule evaluations per second by severity and outcome (ok, nodata, error).',
          unit: 'ops',
          targets: [
            {
              expr: `sum ${by(SEVERITY, label(A.alertOutcome))} (${rate(I.alertsEvaluations)})`,
              legend: `{{${SEVERITY}}} {{${label(A.alertOutcome)}}}`,
            },
          ],
        }),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Evaluation round duration',
          description: 'Mean and p99 duration of one evaluation round (a collection plus every rule due).',
          unit: 's',
          targets: [
            { expr: mean(I.alertsEvaluationDuration), legend: 'mean {{instance}}' },
            { expr: quantile(0.99, I.alertsEvaluationDuration, BY), legend: 'p99 {{instance}}' },
          ],
        }),
        8,
        8,
      );
      add.panel(
        timeSeries({
          title: 'Notifications',
          description: 'Notifications per second by notifier and outcome (success, failure, dropped).',
          unit: 'ops',
          targets: [
            {
              expr: `sum ${by(label(A.notifier), label(A.alertOutcome))} (${rate(I.alertsNotifications)})`,
              legend: `{{${label(A.notifier)}}} {{${label(A.alertOutcome)}}}`,
            },
          ],
        }),
        8,
        8,
      );
    },
  });
}
