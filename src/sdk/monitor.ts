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
import { AlertLog, type AlertRecord, type AlertSource } from './history/alert-log.js';
import { parseHistoryQuery } from './history/query-options.js';
import { SeriesExtractor } from './history/series.js';
import { type HistoryColumns, type HistoryQuery, HistoryStore } from './history/store.js';
import { exportReportFile, generateReport, type ReportOptions, type ReportOutput } from './reports/index.js';

/** The alert methods of the original monitor, provided by the alert engine when alerts are on. */
export type MonitorAlertMethods = Pick<AlertEngine, 'setAlert' | 'configureAlerts' | 'setIntervals'>;

export interface MonitorStartOptions {
  /** Sampling interval in ms. Default: the SDK's `monitor.intervalMillis` (preset: 10000 production, 5000 development). */
  intervalMillis?: number;
}

export interface PerformanceMonitorOptions {
  reader: Pick<MetricReader, 'collect'>;
  intervalMillis: number;
  /** Days the 5-minute history tier keeps. Default 7. */
  retentionDays?: number;
  /** Most history series (a hard memory bound, see docs/dashboard.md). Default {@link DEFAULT_MAX_HISTORY_SERIES}. */
  maxHistorySeries?: number;
  alerts?: MonitorAlertMethods;
  /** The alert engine's states, for the alert history, the dashboard and reports. */
  alertSource?: AlertSource;
  /** `service.name`, printed in reports. */
  serviceName?: string;
  /** Receives one summary line per sample while started (`monitor.verbose`). */
  log?: (line: string) => void;
}

/** Receives each sample: the reading, and every history series' value at that time. */
type Listener = (metrics: CurrentMetrics, series: Readonly<Record<string, number>>) => void;

/** Series the history keeps at most: the monitor fields, totals, pool, memory kinds and 8 tasks fit. */
export const DEFAULT_MAX_HISTORY_SERIES = 64;
const DEFAULT_RETENTION_DAYS = 7;

/** The latest sample, as the dashboard shows it. */
export interface LatestSample {
  metrics: CurrentMetrics;
  series: Readonly<Record<string, number>>;
}

/**
 * The original module's monitor, over the SDK's in-process reader: every value comes from the same
 * collection the exporters see, never from a second measuring path.
 */
export class PerformanceMonitor {
  readonly #reader: Pick<MetricReader, 'collect'>;
  readonly #defaultIntervalMillis: number;
  readonly #history: HistoryStore;
  readonly #extractor = new SeriesExtractor();
  readonly #alertLog: AlertLog | undefined;
  readonly #events = new EventEmitter();
  readonly #alerts: MonitorAlertMethods | undefined;
  readonly serviceName: string;
  #latest: LatestSample | undefined;
  #firstSampleMillis = Number.NaN;
  readonly #log: ((line: string) => void) | undefined;
  #previous: PreviousSamples | undefined;
  #timer: NodeJS.Timeout | undefined;
  #intervalMillis: number | undefined;

  constructor(options: PerformanceMonitorOptions) {
    this.#reader = options.reader;
    this.#defaultIntervalMillis = options.intervalMillis;
    this.#history = new HistoryStore({
      samplingMillis: options.intervalMillis,
      retentionDays: options.retentionDays ?? DEFAULT_RETENTION_DAYS,
      maxSeries: options.maxHistorySeries ?? DEFAULT_MAX_HISTORY_SERIES,
    });
    this.#alertLog = options.alertSource ? new AlertLog(options.alertSource) : undefined;
    this.serviceName = options.serviceName ?? 'unknown_service:node';
    this.#events.setMaxListeners(0);
    this.#alerts = options.alerts;
    this.#log = options.log;
  }

  /**
   * Reads every metric now. Rates (disk, network, tasks per second) and the task p95 cover the
   * window since the previous call, or since the SDK started for the first call.
   */
  async getCurrentMetrics(): Promise<CurrentMetrics> {
    return (await this.#read()).metrics;
  }

  async #read() {
    const snapshot = flattenMetrics(await this.#reader.collect());
    const { metrics, samples } = computeCurrentMetrics(snapshot, this.#previous);
    this.#previous = samples;
    return { snapshot, metrics };
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
    this.#history.setSamplingMillis(intervalMillis);
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

  /**
   * Columns (min / avg / max per step) of every history series over `[from, to)`, read from the finest
   * resolution that reaches back to `from`: the last hour at the sampling interval, the last day at
   * 1 min, `retentionDays` at 5 min. Times are ms since the epoch or Dates.
   * @example perf.monitor.history({ from: Date.now() - 3_600_000, to: Date.now(), step: 60_000 })
   */
  history(
    query: HistoryQuery | { from: number | Date; to?: number | Date; step?: number; series?: string[] },
  ): HistoryColumns {
    return this.#history.query(parseHistoryQuery(query, 'options'));
  }

  /** The history's memory: bytes held (allocated up front, the bound), series and resolutions. */
  historyStats() {
    const h = this.#history;
    return {
      bytes: h.bytes,
      series: h.seriesNames.length,
      droppedSeries: h.droppedSeries,
      resolutions: h.resolutions,
      firstSampleMillis: this.#firstSampleMillis,
    };
  }

  /** The newest sample taken by {@link start}, or `undefined` before the first. */
  latest(): LatestSample | undefined {
    return this.#latest;
  }

  /** Alerts that fired in `[from, to]`, with when they resolved; empty without alerts. */
  alertHistory(from?: number, to?: number): AlertRecord[] {
    return this.#alertLog?.records(from, to) ?? [];
  }

  /** The alert engine (states and rules), or `undefined` with `alerts: false`. */
  get alertSource(): AlertSource | undefined {
    return this.#alertLog?.source;
  }

  /**
   * The original module's `generate_report`: per metric min / avg / p95 / max, totals, top tasks and
   * alert history over `period`, as a report object (`json`), CSV text or a PDF Buffer.
   * @example const pdf = await perf.monitor.generateReport({ period: 'last_24h', format: 'pdf' });
   */
  generateReport<F extends ReportOptions['format']>(
    options: ReportOptions & { format?: F },
  ): Promise<ReportOutput<F>> {
    return generateReport(this, options);
  }

  /**
   * Writes a report to `path`, its format from the extension (`.json`, `.csv`, `.pdf`); written to a
   * temporary file and renamed, so a failure leaves no partial file. Resolves to the path.
   * @example await perf.monitor.exportReport('performance_report.pdf', { period: 'last_24h' });
   */
  exportReport(path: string, options: Omit<ReportOptions, 'format'> = {}): Promise<string> {
    return exportReportFile(this, path, options);
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
      const { snapshot, metrics } = await this.#read();
      const firing = this.#alertLog?.source.list().filter((a) => a.state === 'firing').length ?? Number.NaN;
      const series = this.#extractor.extract(snapshot, metrics, firing);
      this.#history.record(metrics.timestamp, series);
      if (Number.isNaN(this.#firstSampleMillis)) this.#firstSampleMillis = metrics.timestamp;
      this.#latest = { metrics, series };
      this.#events.emit('sample', metrics, series);
      this.#log?.(formatCurrentMetrics(metrics));
    } catch {
      // A failed collection (e.g. during shutdown) skips one sample; the next tick tries again.
    }
  }
}
