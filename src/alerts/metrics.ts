import type { Attributes, Counter, Histogram, MeterProvider } from '@opentelemetry/api';
import { FAST_SECONDS_BUCKETS } from '../instrumentation/buckets.js';
import type { DeliveryOutcome } from './delivery.js';
import type { AlertState, Severity } from './types.js';

/** Meter name of the alerts module. */
export const ALERTS_METER_NAME = 'aiva-performance/alerts';

/** What the `aiva.alerts.active` callback reads. */
export interface ActiveAlertView {
  readonly name: string;
  readonly severity: Severity;
  readonly state: AlertState;
}

/** Alerts as data: ALERTS-like gauge, evaluation and notification counters, evaluation duration. */
export class AlertMetrics {
  private readonly evaluations: Counter;
  private readonly notifications: Counter;
  private readonly duration: Histogram;
  private readonly attrCache = new Map<string, Attributes>();

  constructor(meterProvider: MeterProvider, active: () => Iterable<ActiveAlertView>) {
    const meter = meterProvider.getMeter(ALERTS_METER_NAME);
    meter
      .createObservableGauge('aiva.alerts.active', {
        description: 'Alerts that are pending, firing or without data (1 per alert), like Prometheus ALERTS.',
        unit: '{alert}',
      })
      .addCallback((result) => {
        for (const a of active()) {
          if (a.state === 'inactive') continue;
          result.observe(
            1,
            this.attrs(`a\u0000${a.name}\u0000${a.severity}\u0000${a.state}`, () => ({
              alertname: a.name,
              severity: a.severity,
              alertstate: a.state,
            })),
          );
        }
      });
    this.evaluations = meter.createCounter('aiva.alerts.evaluations', {
      description: 'Rule evaluations, by severity and outcome (ok, nodata, error).',
      unit: '{evaluation}',
    });
    this.notifications = meter.createCounter('aiva.alerts.notifications', {
      description: 'Alert notifications by notifier and outcome (success, failure, dropped).',
      unit: '{notification}',
    });
    this.duration = meter.createHistogram('aiva.alerts.evaluation.duration', {
      description: 'Duration of one evaluation round: one collection plus every rule due.',
      unit: 's',
      advice: { explicitBucketBoundaries: [...FAST_SECONDS_BUCKETS] },
    });
  }

  private attrs(key: string, make: () => Attributes): Attributes {
    let a = this.attrCache.get(key);
    if (!a) {
      a = Object.freeze(make());
      this.attrCache.set(key, a);
    }
    return a;
  }

  evaluated(severity: Severity, outcome: 'ok' | 'nodata' | 'error'): void {
    this.evaluations.add(
      1,
      this.attrs(`e\u0000${severity}\u0000${outcome}`, () => ({ severity, outcome })),
    );
  }

  notified(notifier: string, outcome: DeliveryOutcome, n: number): void {
    this.notifications.add(
      n,
      this.attrs(`n\u0000${notifier}\u0000${outcome}`, () => ({ notifier, outcome })),
    );
  }

  roundTook(seconds: number): void {
    this.duration.record(seconds);
  }
}
