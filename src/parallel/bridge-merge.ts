/**
 * The main-thread side of the worker metrics bridge: merges the batches
 * workers ship with their chunk answers into the service's own instruments
 * (the processor's MeterProvider), created with the worker's meter name,
 * version, schema URL, instrument name, kind, unit, description and advice —
 * so the SDK sees one instrument and exports one series per attribute set,
 * whichever thread recorded. Recording goes through `@opentelemetry/api`
 * only, so the SDK's own rules apply as for any other instrument: a name
 * registered again with another kind or unit is reported once through the
 * diag logger, cardinality limits cap the attribute sets.
 *
 * - counters, up-down counters: `add(sum)` per attribute set and batch;
 * - gauges: `record(last value)`;
 * - histograms: each bucket's recordings are replayed so that every bucket
 *   count, the count, the sum (to rounding), the min and the max are the
 *   worker's (see {@link replayHistogram});
 * - observables: an observable of the same kind on the main thread reports
 *   the totals (counters: shipped increases summed over workers) or the
 *   last values (gauges).
 */
import {
  type Attributes,
  type Counter,
  diag,
  type Gauge,
  type Histogram,
  type MeterProvider,
  type Observable,
  type ObservableCallback,
  type UpDownCounter,
} from '@opentelemetry/api';
import {
  attributesKey,
  type BridgedHistogramPoint,
  type BridgedInstrument,
  type BridgedPoint,
  bucketIndex,
  instrumentKey,
  type MetricsBatch,
  SDK_DEFAULT_BOUNDARIES,
} from './bridge-protocol.js';

/** Distinct warnings the merger logs (worker diag messages, merge failures) before it stops logging new ones. */
const MAX_WARNINGS = 200;

type Target =
  | { readonly kind: 'sum'; readonly instrument: Counter | UpDownCounter }
  | { readonly kind: 'gauge'; readonly instrument: Gauge }
  | { readonly kind: 'histogram'; readonly instrument: Histogram }
  | {
      readonly kind: 'observable';
      readonly gauge: boolean;
      readonly values: Map<string, { readonly a: Attributes; v: number }>;
      readonly instrument: Observable;
      readonly callback: ObservableCallback;
    };

/** Merges worker batches into the instruments of one MeterProvider. */
export class WorkerMetricsMerger {
  readonly #provider: MeterProvider;
  readonly #targets = new Map<string, Target>();
  readonly #warned = new Set<string>();

  constructor(provider: MeterProvider) {
    this.#provider = provider;
  }

  /** Merges one worker's batch. Never throws: a failure is reported once through the diag logger. */
  merge(batch: MetricsBatch): void {
    for (const instrument of batch.m) {
      try {
        this.#mergeInstrument(instrument);
      } catch (error) {
        this.#warn(`aiva-performance: merging worker metric ${instrument.name} failed: ${String(error)}`);
      }
    }
    if (batch.w !== undefined) for (const message of batch.w) this.#warn(`pool worker: ${message}`);
  }

  /** Detaches the observable callbacks (their last values stop being reported). */
  close(): void {
    for (const target of this.#targets.values()) {
      if (target.kind === 'observable') target.instrument.removeCallback(target.callback);
    }
    this.#targets.clear();
  }

  #mergeInstrument(bridged: BridgedInstrument): void {
    const target = this.#target(bridged);
    switch (target.kind) {
      case 'sum':
        for (const p of bridged.points as BridgedPoint[]) target.instrument.add(p.v, p.a);
        return;
      case 'gauge':
        for (const p of bridged.points as BridgedPoint[]) target.instrument.record(p.v, p.a);
        return;
      case 'histogram': {
        const boundaries = bridged.boundaries ?? SDK_DEFAULT_BOUNDARIES;
        for (const p of bridged.points as BridgedHistogramPoint[])
          replayHistogram(target.instrument, boundaries, p);
        return;
      }
      case 'observable':
        for (const p of bridged.points as BridgedPoint[]) {
          const key = attributesKey(p.a);
          const entry = target.values.get(key);
          if (entry === undefined) target.values.set(key, { a: p.a, v: p.v });
          else entry.v = target.gauge ? p.v : entry.v + p.v;
        }
        return;
    }
  }

  #target(bridged: BridgedInstrument): Target {
    const key = instrumentKey(bridged.scope, bridged.kind, bridged.name, bridged.options);
    let target = this.#targets.get(key);
    if (target !== undefined) return target;
    const { scope, name, options } = bridged;
    const meter = this.#provider.getMeter(
      scope.name,
      scope.version,
      scope.schemaUrl === undefined ? undefined : { schemaUrl: scope.schemaUrl },
    );
    switch (bridged.kind) {
      case 'counter':
        target = { kind: 'sum', instrument: meter.createCounter(name, options) };
        break;
      case 'upDownCounter':
        target = { kind: 'sum', instrument: meter.createUpDownCounter(name, options) };
        break;
      case 'gauge':
        target = { kind: 'gauge', instrument: meter.createGauge(name, options) };
        break;
      case 'histogram':
        target = { kind: 'histogram', instrument: meter.createHistogram(name, options) };
        break;
      default: {
        const instrument =
          bridged.kind === 'observableCounter'
            ? meter.createObservableCounter(name, options)
            : bridged.kind === 'observableUpDownCounter'
              ? meter.createObservableUpDownCounter(name, options)
              : meter.createObservableGauge(name, options);
        const values = new Map<string, { readonly a: Attributes; v: number }>();
        const callback: ObservableCallback = (result) => {
          for (const entry of values.values()) result.observe(entry.v, entry.a);
        };
        instrument.addCallback(callback);
        target = {
          kind: 'observable',
          gauge: bridged.kind === 'observableGauge',
          values,
          instrument,
          callback,
        };
      }
    }
    this.#targets.set(key, target);
    return target;
  }

  #warn(message: string): void {
    if (this.#warned.has(message) || this.#warned.size >= MAX_WARNINGS) return;
    this.#warned.add(message);
    diag.warn(message);
  }
}

/**
 * Records a worker's bucketed histogram into a main-thread histogram with
 * the same boundaries, exactly: per bucket, the global min and max are
 * recorded as themselves (in the bucket that holds them) and the bucket's
 * other recordings as their mean, which lies inside the bucket. Bucket
 * counts, count, min and max are the worker's; the sum is the worker's up to
 * floating-point rounding. Costs one `record` per recording — the SDK's
 * histogram API takes no weights. With other boundaries (a View on the main
 * thread) the counts are right and a bucket's recordings land where their
 * mean does.
 */
export function replayHistogram(
  histogram: Histogram,
  boundaries: readonly number[],
  point: BridgedHistogramPoint,
): void {
  const { a, c, s, min, max } = point;
  const minBucket = bucketIndex(boundaries, min);
  const maxBucket = bucketIndex(boundaries, max);
  for (let b = 0; b < c.length; b++) {
    let n = c[b] as number;
    if (n === 0) continue;
    let sum = s[b] as number;
    if (b === minBucket) {
      histogram.record(min, a);
      sum -= min;
      n--;
    }
    if (b === maxBucket && n > 0) {
      histogram.record(max, a);
      sum -= max;
      n--;
    }
    if (n === 0) continue;
    const upper = b < boundaries.length ? (boundaries[b] as number) : Infinity;
    const lower = b > 0 ? (boundaries[b - 1] as number) : -Infinity;
    let mean = sum / n;
    // rounding may push the mean across an edge: keep it in (lower, upper]
    if (mean > upper) mean = upper;
    if (mean <= lower) mean = Math.min(upper, max);
    for (let i = 0; i < n; i++) histogram.record(mean, a);
  }
}
