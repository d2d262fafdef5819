import type {
  Attributes,
  Counter,
  MeterProvider,
  ObservableCallback,
  ObservableGauge,
} from '@opentelemetry/api';
import { FAST_SECONDS_BUCKETS } from '../core/buckets.js';
import { boundHistogram, type RecordValue } from '../core/local-histogram.js';
import { METRIC } from '../core/metric-names.js';
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
  private readonly recordRoundDuration: RecordValue;
  private readonly attrCache = new Map<string, Attributes>();
  private readonly active: ObservableGauge;
  private readonly observeActive: ObservableCallback;
  private readonly seenActive = new Set<Attributes>();
  private closed = false;

  constructor(meterProvider: MeterProvider, active: () => Iterable<ActiveAlertView>) {
    const meter = meterProvider.getMeter(ALERTS_METER_NAME);
    this.active = meter.createObservableGauge(METRIC.alertsActive, {
      description:
        'Alerts by state, like Prometheus ALERTS: 1 while in that state (pending, firing, nodata), 0 after.',
      unit: '{alert}',
    });
    // Under cumulative temporality the SDK keeps reporting the last value of an attribute set a callback
    // stops observing, so an alert that left a state is reported as 0 rather than left at a stale 1.
    this.observeActive = (result) => {
      const now = new Set<Attributes>();
      if (!this.closed) {
        for (const a of active()) {
          if (a.state === 'inactive') continue;
          const attrs = this.attrs(`a\u0000${a.name}\u0000${a.severity}\u0000${a.state}`, () => ({
            alertname: a.name,
            severity: a.severity,
            alertstate: a.state,
          }));
          now.add(attrs);
          this.seenActive.add(attrs);
        }
      }
      for (const attrs of this.seenActive) result.observe(now.has(attrs) ? 1 : 0, attrs);
    };
    this.active.addCallback(this.observeActive);
    this.evaluations = meter.createCounter(METRIC.alertsEvaluations, {
      description: 'Rule evaluations, by severity and outcome (ok, nodata, error).',
      unit: '{evaluation}',
    });
    this.notifications = meter.createCounter(METRIC.alertsNotifications, {
      description: 'Alert notifications by notifier and outcome (success, failure, dropped).',
      unit: '{notification}',
    });
    // A round a second (the critical rules): through the API, each record made sdk-metrics' in-process
    // reader start a fresh exponential accumulation after every collection (~0.08 ms a round, a tenth
    // of the round's idle cost); bound under our SDK it is a few additions.
    this.recordRoundDuration = boundHistogram(
      meterProvider,
      ALERTS_METER_NAME,
      METRIC.alertsEvaluationDuration,
      {
        description: 'Duration of one evaluation round: one collection plus every rule due.',
        unit: 's',
        boundaries: FAST_SECONDS_BUCKETS,
      },
    )(Object.freeze({}));
  }

  /** After shutdown every alert is reported as 0 (there are no alerts any more). */
  close(): void {
    this.closed = true;
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
    this.recordRoundDuration(seconds);
  }
}
