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
  type BridgedDescriptor,
  type BridgedHistogramPoint,
  type BridgedPoint,
  bucketIndex,
  type MetricsBatch,
  SDK_DEFAULT_BOUNDARIES,
} from './bridge-protocol.js';

/** Distinct warnings the merger logs (worker diag messages, merge failures) before it stops logging new ones. */
const MAX_WARNINGS = 200;
/**
 * Workers whose instrument tables are kept (least recently heard from dropped first). A live worker
 * is heard from with every chunk, so only exited ones fall out.
 */
const MAX_SESSIONS = 1024;

type Target =
  | { readonly kind: 'sum'; readonly instrument: Counter | UpDownCounter }
  | { readonly kind: 'gauge'; readonly instrument: Gauge }
  | { readonly kind: 'histogram'; readonly instrument: Histogram; readonly boundaries: readonly number[] }
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
  /** Per worker session: its instrument ids → targets. */
  readonly #sessions = new Map<number, (Target | undefined)[]>();
  readonly #warned = new Set<string>();

  constructor(provider: MeterProvider) {
    this.#provider = provider;
  }

  /**
   * Merges one worker's batch (the JSON text of a {@link MetricsBatch}).
   * Never throws: a failure is reported once through the diag logger.
   */
  merge(text: string): void {
    let batch: MetricsBatch;
    try {
      batch = JSON.parse(text) as MetricsBatch;
    } catch (error) {
      this.#warn(`aiva-performance: a pool worker sent unreadable metrics: ${String(error)}`);
      return;
    }
    let table = this.#sessions.get(batch.s);
    if (table === undefined) {
      table = [];
      if (this.#sessions.size >= MAX_SESSIONS)
        this.#sessions.delete(this.#sessions.keys().next().value as number);
    } else this.#sessions.delete(batch.s); // re-inserted below: most recently heard from last
    this.#sessions.set(batch.s, table);
    if (batch.d !== undefined) {
      for (const [id, key] of batch.d) {
        try {
          table[id] = this.#target(key);
        } catch (error) {
          this.#warn(`aiva-performance: re-creating a worker instrument (${key}) failed: ${String(error)}`);
        }
      }
    }
    for (const [id, points] of batch.m) {
      const target = table[id];
      if (target === undefined) continue; // its descriptor failed above (reported there)
      try {
        this.#mergeInstrument(target, points);
      } catch (error) {
        this.#warn(`aiva-performance: merging a worker metric failed: ${String(error)}`);
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
    this.#sessions.clear();
  }

  #mergeInstrument(target: Target, points: readonly BridgedPoint[]): void {
    switch (target.kind) {
      case 'sum':
        for (const [a, v] of points) if (typeof v === 'number') target.instrument.add(v, a);
        return;
      case 'gauge':
        for (const [a, v] of points) if (typeof v === 'number') target.instrument.record(v, a);
        return;
      case 'histogram':
        for (const p of points) if (p.length === 4) replayHistogram(target.instrument, target.boundaries, p);
        return;
      case 'observable':
        for (const [a, v] of points) {
          if (typeof v !== 'number') continue;
          const key = attributesKey(a);
          const entry = target.values.get(key);
          if (entry === undefined) target.values.set(key, { a, v });
          else entry.v = target.gauge ? v : entry.v + v;
        }
        return;
    }
  }

  #target(key: string): Target {
    let target = this.#targets.get(key);
    if (target !== undefined) return target;
    const [scopeName, version, schemaUrl, kind, name, options, boundaries] = JSON.parse(
      key,
    ) as BridgedDescriptor;
    const meter = this.#provider.getMeter(
      scopeName,
      version ?? undefined,
      schemaUrl === null ? undefined : { schemaUrl },
    );
    switch (kind) {
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
        target = {
          kind: 'histogram',
          instrument: meter.createHistogram(name, options),
          boundaries: boundaries ?? SDK_DEFAULT_BOUNDARIES,
        };
        break;
      default: {
        const instrument =
          kind === 'observableCounter'
            ? meter.createObservableCounter(name, options)
            : kind === 'observableUpDownCounter'
              ? meter.createObservableUpDownCounter(name, options)
              : meter.createObservableGauge(name, options);
        const values = new Map<string, { readonly a: Attributes; v: number }>();
        const callback: ObservableCallback = (result) => {
          for (const entry of values.values()) result.observe(entry.v, entry.a);
        };
        instrument.addCallback(callback);
        target = { kind: 'observable', gauge: kind === 'observableGauge', values, instrument, callback };
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
 * thread) the count, sum, min and max still hold and a bucket's recordings
 * land where their mean does.
 */
export function replayHistogram(
  histogram: Histogram,
  boundaries: readonly number[],
  point: BridgedHistogramPoint,
): void {
  const [a, buckets, min, max] = point;
  if (min === null || max === null) return;
  const minBucket = bucketIndex(boundaries, min);
  const maxBucket = bucketIndex(boundaries, max);
  for (let i = 0; i + 2 < buckets.length; i += 3) {
    const b = buckets[i] as number;
    let n = buckets[i + 1] as number;
    let sum = buckets[i + 2] as number;
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
    if (n <= 0) continue;
    const upper = b < boundaries.length ? (boundaries[b] as number) : Infinity;
    const lower = b > 0 ? (boundaries[b - 1] as number) : -Infinity;
    let mean = sum / n;
    // rounding may push the mean across an edge: keep it in (lower, upper]
    if (mean > upper) mean = upper;
    if (!(mean > lower)) mean = Math.min(upper, max);
    for (let k = 0; k < n; k++) histogram.record(mean, a);
  }
}
