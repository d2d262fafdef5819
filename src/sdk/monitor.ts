import { EventEmitter } from 'node:events';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import type { AlertEngine } from '../alerts/engine.js';
import type { ConfiguredAlert, SetAlertOptions } from '../alerts/facade.js';
import type { AlertIntervals, AlertRule } from '../alerts/types.js';
import { ConfigError } from '../core/errors.js';
import { flattenMetrics } from '../core/query.js';
import { expectObject, expectPositiveMillis, rejectUnknownKeys } from '../core/validate.js';
import {
  type CurrentMetrics,
  computeCurrentMetrics,
  formatCurrentMetrics,
  type PreviousSamples,
} from './current-metrics.js';

/** The alert methods of the original monitor, provided by the alert engine when alerts are on. */
export type MonitorAlertMethods = Pick<AlertEngine, 'setAlert' | 'configureAlerts' | 'setIntervals'>;

export interface MonitorStartOptions {
  /** Sampling interval in ms. Default: the SDK's `monitor.intervalMillis` (preset: 10000 production, 5000 development). */
  intervalMillis?: number;
}

export interface PerformanceMonitorOptions {
  reader: Pick<MetricReader, 'collect'>;
  intervalMillis: number;
  /** How many samples `history()` keeps. */
  historyLimit: number;
  alerts?: MonitorAlertMethods;
  /** Receives one summary line per sample while started (`monitor.verbose`). */
  log?: (line: string) => void;
}

type Listener = (metrics: CurrentMetrics) => void;

/**
 * The original module's monitor, over the SDK's in-process reader: every value comes from the same
 * collection the exporters see, never from a second measuring path.
 */
export class PerformanceMonitor {
  readonly #reader: Pick<MetricReader, 'collect'>;
  readonly #defaultIntervalMillis: number;
  readonly #historyLimit: number;
  readonly #history: CurrentMetrics[] = [];
  readonly #events = new EventEmitter();
  readonly #alerts: MonitorAlertMethods | undefined;
  readonly #log: ((line: string) => void) | undefined;
  #previous: PreviousSamples | undefined;
  #timer: NodeJS.Timeout | undefined;
  #intervalMillis: number | undefined;

  constructor(options: PerformanceMonitorOptions) {
    this.#reader = options.reader;
    this.#defaultIntervalMillis = options.intervalMillis;
    this.#historyLimit = options.historyLimit;
    this.#alerts = options.alerts;
    this.#log = options.log;
  }

  /**
   * Reads every metric now. Rates (disk, network, tasks per second) and the task p95 cover the
   * window since the previous call, or since the SDK started for the first call.
   */
  async getCurrentMetrics(): Promise<CurrentMetrics> {
    const result = await this.#reader.collect();
    const { metrics, samples } = computeCurrentMetrics(flattenMetrics(result), this.#previous);
    this.#previous = samples;
    return metrics;
  }

  /**
   * Samples every `intervalMillis` into {@link history} and emits `sample`. Calling it again changes the interval.
   * @example perf.monitor.start({ intervalMillis: 5000 });
   */
  start(options: MonitorStartOptions = {}): void {
    const checked = expectObject(options, 'options');
    rejectUnknownKeys(checked, ['intervalMillis'], 'options');
    const intervalMillis =
      checked.intervalMillis === undefined
        ? this.#defaultIntervalMillis
        : expectPositiveMillis(checked.intervalMillis, 'options.intervalMillis');
    this.stop();
    this.#intervalMillis = intervalMillis;
    this.#timer = setInterval(() => void this.#sample(), intervalMillis);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#intervalMillis = undefined;
  }

  /** The sampling interval while started, else `undefined`. */
  get intervalMillis(): number | undefined {
    return this.#intervalMillis;
  }

  /** Samples taken by {@link start}, oldest first (bounded). */
  history(): CurrentMetrics[] {
    return this.#history.slice();
  }

  on(event: 'sample', listener: Listener): this {
    this.#events.on(event, listener);
    return this;
  }

  off(event: 'sample', listener: Listener): this {
    this.#events.off(event, listener);
    return this;
  }

  /** Original API: alert when `metric` crosses `threshold`. Delegates to the alert engine. */
  setAlert(definition: SetAlertOptions): AlertRule[] {
    return this.#requireAlerts('setAlert').setAlert(definition);
  }

  /** Original API: `{ cpu_percent: { threshold: 80, action: 'warn' }, ... }`. Delegates to the alert engine. */
  configureAlerts(config: Record<string, ConfiguredAlert>): AlertRule[] {
    return this.#requireAlerts('configureAlerts').configureAlerts(config);
  }

  /** Original API: evaluation interval per severity, in ms. Delegates to the alert engine. */
  setIntervals(intervals: Partial<AlertIntervals>): void {
    this.#requireAlerts('setIntervals').setIntervals(intervals);
  }

  #requireAlerts(method: string): MonitorAlertMethods {
    if (!this.#alerts)
      throw new ConfigError('options.alerts', `is false, so monitor.${method}() is unavailable`);
    return this.#alerts;
  }

  async #sample(): Promise<void> {
    try {
      const metrics = await this.getCurrentMetrics();
      this.#history.push(metrics);
      if (this.#history.length > this.#historyLimit)
        this.#history.splice(0, this.#history.length - this.#historyLimit);
      this.#events.emit('sample', metrics);
      this.#log?.(formatCurrentMetrics(metrics));
    } catch {
      // A failed collection (e.g. during shutdown) skips one sample; the next tick tries again.
    }
  }
}
