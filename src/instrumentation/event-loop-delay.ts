import {
  createHistogram,
  type EventLoopUtilization,
  type IntervalHistogram,
  monitorEventLoopDelay,
  performance,
  type RecordableHistogram,
} from 'node:perf_hooks';
import type { BatchObservableResult, Meter, ObservableGauge } from '@opentelemetry/api';

/**
 * The `nodejs.eventloop.delay.*` gauges of `@opentelemetry/instrumentation-runtime-node`, from a sampler
 * that wakes up rarely while the event loop is idle.
 *
 * `monitorEventLoopDelay` wakes the process every `resolution` ms for good: on a 2-core VM here that
 * alone was ~0.4–0.5 % of a core at 20 ms — more than everything else the SDK does at idle. An idle
 * loop has nothing to measure, so this sampler checks once every {@link IDLE_INTERVAL_MILLIS}, and
 * turns the native sampler on at `resolution` as soon as the loop is busy (utilization above
 * {@link BUSY_UTILIZATION}, or a check late by a resolution or more) until two checks in a row find it
 * idle again.
 *
 * The values mean what `monitorEventLoopDelay`'s do: the time between two ticks at `resolution`, in
 * seconds (`resolution` + how late the tick was). An idle check stands for the `interval / resolution`
 * ticks a fixed-rate sampler would have made in its place: it is recorded that many times — as
 * measured when it was on time, otherwise once as measured and the rest on time — so percentiles
 * weigh idle and busy time as the fixed-rate sampler's do.
 */
export const IDLE_INTERVAL_MILLIS = 1000;
/** Event-loop utilization over a tick above which the sampler ticks at full resolution. */
export const BUSY_UTILIZATION = 0.02;

/** Same names, descriptions and units as the instrumentation's own collector (0.37). */
const GAUGES = [
  ['min', 'Event loop minimum delay.'],
  ['max', 'Event loop maximum delay.'],
  ['mean', 'Event loop mean delay.'],
  ['stddev', 'Event loop standard deviation delay.'],
  ['p50', 'Event loop 50 percentile delay.'],
  ['p90', 'Event loop 90 percentile delay.'],
  ['p99', 'Event loop 99 percentile delay.'],
] as const;

type Statistic = (typeof GAUGES)[number][0];

export class AdaptiveEventLoopDelay {
  readonly histogram: RecordableHistogram = createHistogram();
  /** Samples at full resolution while the loop is busy (a native timer: a JS one costs ~1.6× as much). */
  #native: IntervalHistogram | undefined;
  readonly #resolutionMillis: number;
  readonly #idleIntervalMillis: number;
  #timer: NodeJS.Timeout | undefined;
  #expectedAt = 0;
  #utilization: EventLoopUtilization | undefined;
  /** Idle checks still to pass before full-resolution sampling stops. */
  #busyChecksLeft = 0;

  readonly #busyUtilization: number;

  constructor(
    resolutionMillis: number,
    idleIntervalMillis = IDLE_INTERVAL_MILLIS,
    busyUtilization = BUSY_UTILIZATION,
  ) {
    this.#busyUtilization = busyUtilization;
    this.#resolutionMillis = resolutionMillis;
    this.#idleIntervalMillis = Math.max(resolutionMillis, idleIntervalMillis);
  }

  get sampling(): boolean {
    return this.#timer !== undefined;
  }

  /** Whether the loop is sampled at full resolution now. */
  get fullResolution(): boolean {
    return this.#busyChecksLeft > 0;
  }

  enable(): void {
    if (this.#timer !== undefined) return;
    this.#utilization = performance.eventLoopUtilization();
    this.#schedule();
  }

  disable(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#native?.disable();
    this.#busyChecksLeft = 0;
  }

  #schedule(): void {
    this.#expectedAt = performance.now() + this.#idleIntervalMillis;
    this.#timer = setTimeout(this.#check, this.#idleIntervalMillis);
    this.#timer.unref();
  }

  /** Every idle interval: records the interval's delays and decides the next interval's resolution. */
  readonly #check = (): void => {
    const lateMillis = Math.max(0, performance.now() - this.#expectedAt);
    const now = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(now, this.#utilization).utilization;
    this.#utilization = now;
    const resolution = this.#resolutionMillis;
    let late: boolean;
    if (this.#busyChecksLeft > 0 && this.#native !== undefined) {
      late = this.#native.max >= toNanos(2 * resolution);
      this.#drainNative();
    } else {
      late = lateMillis >= resolution;
      const measured = toNanos(resolution + lateMillis);
      this.histogram.record(measured);
      const onTime = late ? toNanos(resolution) : measured;
      const standsFor = Math.round(this.#idleIntervalMillis / resolution) - 1;
      for (let i = 0; i < standsFor; i++) this.histogram.record(onTime);
    }
    if (utilization > this.#busyUtilization || late) {
      // created on first use: a native sampler that was never enabled counts as an active resource
      if (this.#busyChecksLeft === 0) {
        this.#native ??= monitorEventLoopDelay({ resolution });
        this.#native.enable();
      }
      this.#busyChecksLeft = 2;
    } else if (this.#busyChecksLeft > 0 && --this.#busyChecksLeft === 0) {
      this.#drainNative();
      this.#native?.disable();
    }
    this.#schedule();
  };

  /**
   * Moves the native sampler's recordings into {@link histogram}. A native histogram cannot be added
   * to a recordable one, so its distribution is re-recorded from its percentile points (min and max
   * exact; at most a few hundred recordings an interval at full resolution).
   */
  #drainNative(): void {
    const native = this.#native;
    if (native === undefined || native.count === 0) return;
    const count = native.count;
    let recorded = 0;
    for (const [percentile, value] of native.percentiles) {
      // the 0th point is the minimum: at least one recording
      const upTo = percentile >= 100 ? count : Math.max(1, Math.round((count * percentile) / 100));
      for (; recorded < upTo; recorded++) this.histogram.record(Math.max(1, value));
    }
    native.reset();
  }

  /**
   * The instrumentation collector's contract (`enable`, `disable`, `updateMetricInstruments`): the seven
   * gauges in seconds, observed when at least 5 ticks were recorded, then the histogram starts over.
   */
  updateMetricInstruments(meter: Meter): void {
    const gauges = GAUGES.map(
      ([statistic, description]) =>
        [
          statistic,
          meter.createObservableGauge(`nodejs.eventloop.delay.${statistic}`, { description, unit: 's' }),
        ] as const,
    );
    meter.addBatchObservableCallback(
      (result: BatchObservableResult) => {
        if (!this.sampling) return;
        if (this.fullResolution) this.#drainNative();
        if (this.histogram.count < 5) return;
        const values = this.read();
        for (const [statistic, gauge] of gauges) result.observe(gauge as ObservableGauge, values[statistic]);
        this.histogram.reset();
      },
      gauges.map(([, gauge]) => gauge),
    );
  }

  /** The statistics in seconds. */
  read(): Record<Statistic, number> {
    const h = this.histogram;
    const seconds = (nanos: number) => (Number.isFinite(nanos) ? nanos / 1e9 : 0);
    return {
      min: seconds(h.min),
      max: seconds(h.max),
      mean: seconds(h.mean),
      stddev: seconds(h.stddev),
      p50: seconds(h.percentile(50)),
      p90: seconds(h.percentile(90)),
      p99: seconds(h.percentile(99)),
    };
  }
}

const toNanos = (millis: number): number => Math.max(1, Math.round(millis * 1e6));
