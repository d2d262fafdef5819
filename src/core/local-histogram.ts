import type { Attributes, MeterProvider } from '@opentelemetry/api';

/**
 * Histograms aggregated in plain numbers, for the hot paths (`trackTask`/`startTimer` end, memory
 * allocate, pool per-chunk records). sdk-metrics hashes the attribute set and reads the clock on
 * every `record` (~1–2 µs here); a bound cell of ours is one bucket search and four additions.
 *
 * Components never see the SDK: they ask {@link boundHistogram} for a recorder per attribute set.
 * When the provider is ours (the composition root {@link bindLocalHistograms bound} a registry to
 * it, and that registry is a `MetricProducer` on every reader of the provider), records go to these
 * cells; for any other provider (the OpenTelemetry NodeSDK, a no-op) they go through the API
 * instrument as before. The exported metric is the same either way: name, unit, description, buckets,
 * attributes, scope, cumulative temporality.
 */
export interface LocalHistogramOptions {
  readonly description: string;
  readonly unit: string;
  readonly boundaries: readonly number[];
}

/**
 * Scale of the exponential buckets every cell also keeps (for the in-process reader's quantiles and
 * OTLP's exponential histograms): 16 buckets per octave, so a quantile is off by at most 4.4 %.
 */
export const LOCAL_EXPONENTIAL_SCALE = 4;
const BUCKETS_PER_OCTAVE = 2 ** LOCAL_EXPONENTIAL_SCALE;
/** Past this many buckets (2^64 of range at scale 4) values clamp into the edge bucket. */
const MAX_EXPONENTIAL_BUCKETS = 1024;

/** One series: cumulative bucket counts, sum, count, min, max since `startMillis`. */
export class HistogramCell {
  readonly counts: Float64Array;
  /** Exponential buckets at {@link LOCAL_EXPONENTIAL_SCALE}: `expCounts[i]` counts (b^(expOffset+i), b^(expOffset+i+1)]. */
  expCounts: Float64Array = new Float64Array(0);
  expOffset = 0;
  zeroCount = 0;
  sum = 0;
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly startMillis = Date.now();

  constructor(
    readonly attributes: Attributes,
    readonly boundaries: readonly number[],
  ) {
    this.counts = new Float64Array(boundaries.length + 1);
  }

  /**
   * The last value's buckets: hot paths record the same value again and again (a 4 KiB allocation, a
   * pool's chunk size), and the bucket search plus the logarithm are most of a record's cost.
   */
  #lastValue = Number.NaN;
  #lastBucket = 0;
  #lastExponential = 0;

  /** Records one value; negative and non-finite values are dropped (as the API's histogram does). */
  record(value: number): void {
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY) return;
    if (value !== this.#lastValue) {
      const b = this.boundaries;
      // First boundary ≥ value (buckets are upper-inclusive, as sdk-metrics' binarySearchUB).
      let lo = 0;
      let hi = b.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (b[mid]! < value) lo = mid + 1;
        else hi = mid;
      }
      this.#lastValue = value;
      this.#lastBucket = lo;
      this.#lastExponential = value === 0 ? 0 : Math.ceil(Math.log2(value) * BUCKETS_PER_OCTAVE) - 1;
    }
    this.counts[this.#lastBucket] = this.counts[this.#lastBucket]! + 1;
    if (value === 0) this.zeroCount++;
    else this.#recordExponential(this.#lastExponential);
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  #recordExponential(index: number): void {
    let at = index - this.expOffset;
    if (this.expCounts.length === 0 || at < 0 || at >= this.expCounts.length) {
      at = this.#grow(index);
    }
    this.expCounts[at] = this.expCounts[at]! + 1;
  }

  /** Widens the bucket array to hold `index` (doubling, bounded); returns its slot. */
  #grow(index: number): number {
    const old = this.expCounts;
    if (old.length === 0) {
      this.expCounts = new Float64Array(16);
      this.expOffset = index - 8;
      return 8;
    }
    const first = Math.min(this.expOffset, index);
    const last = Math.max(this.expOffset + old.length - 1, index);
    const span = last - first + 1;
    if (span > MAX_EXPONENTIAL_BUCKETS) return index < this.expOffset ? 0 : old.length - 1;
    const size = Math.min(MAX_EXPONENTIAL_BUCKETS, Math.max(span, old.length * 2));
    // Grow towards the side that overflowed, keeping room on it for the next values.
    const offset = index < this.expOffset ? last - size + 1 : first;
    const grown = new Float64Array(size);
    grown.set(old, this.expOffset - offset);
    this.expCounts = grown;
    this.expOffset = offset;
    return index - offset;
  }
}

export class LocalHistogram {
  readonly cells: HistogramCell[] = [];
  readonly boundaries: readonly number[];

  constructor(
    readonly scope: string,
    readonly name: string,
    readonly options: LocalHistogramOptions,
  ) {
    this.boundaries = Object.freeze([...options.boundaries]);
  }

  /** A new series (callers bind each attribute set once and keep the recorder). */
  bind(attributes: Attributes): HistogramCell {
    const cell = new HistogramCell(attributes, this.boundaries);
    this.cells.push(cell);
    return cell;
  }
}

/**
 * An up-down counter read at each collection (the tracked tasks' active counts), exported as a
 * cumulative non-monotonic sum. Through sdk-metrics each observation is hashed and merged into its
 * cumulative storage: with 500 task names that was most of a scrape's collection.
 */
export interface LocalObservedSum {
  readonly scope: string;
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly startMillis: number;
  /** Reports every series' current value. */
  readonly observe: (report: (value: number, attributes: Attributes) => void) => void;
}

/** The hot-path histograms and observed sums of one provider; the SDK exposes them to its readers as a MetricProducer. */
export class LocalHistograms {
  readonly histograms = new Map<string, LocalHistogram>();
  readonly observedSums = new Map<string, LocalObservedSum>();

  histogram(scope: string, name: string, options: LocalHistogramOptions): LocalHistogram {
    const key = `${scope}\u0000${name}`;
    let histogram = this.histograms.get(key);
    if (!histogram) {
      histogram = new LocalHistogram(scope, name, options);
      this.histograms.set(key, histogram);
    }
    return histogram;
  }
}

const registries = new WeakMap<MeterProvider, LocalHistograms>();

/** Composition root only: records of `provider`'s hot-path histograms go to `registry`'s cells. */
export function bindLocalHistograms(provider: MeterProvider, registry: LocalHistograms): void {
  registries.set(provider, registry);
}

/** Records one value into one series; never throws. */
export type RecordValue = (value: number) => void;

/**
 * A histogram whose series are bound once per attribute set: `bind(attributes)` returns the
 * recorder. Local cells for a provider bound by the SDK, the API instrument otherwise.
 */
export function boundHistogram(
  provider: MeterProvider,
  meterName: string,
  name: string,
  options: LocalHistogramOptions,
): (attributes: Attributes) => RecordValue {
  const registry = registries.get(provider);
  if (registry) {
    const histogram = registry.histogram(meterName, name, options);
    return (attributes) => {
      const cell = histogram.bind(attributes);
      return (value) => cell.record(value);
    };
  }
  const instrument = provider.getMeter(meterName).createHistogram(name, {
    description: options.description,
    unit: options.unit,
    advice: { explicitBucketBoundaries: [...options.boundaries] },
  });
  return (attributes) => (value) => instrument.record(value, attributes);
}

/**
 * An observable up-down counter: read by the provider's readers through its registry when the SDK
 * bound one (see {@link LocalObservedSum}), through the API instrument otherwise.
 */
export function observedUpDownCounter(
  provider: MeterProvider,
  meterName: string,
  name: string,
  options: { readonly description: string; readonly unit: string },
  observe: LocalObservedSum['observe'],
): void {
  const registry = registries.get(provider);
  if (registry) {
    registry.observedSums.set(`${meterName}\u0000${name}`, {
      scope: meterName,
      name,
      ...options,
      startMillis: Date.now(),
      observe,
    });
    return;
  }
  provider
    .getMeter(meterName)
    .createObservableUpDownCounter(name, options)
    .addCallback((result) => observe((value, attributes) => result.observe(value, attributes)));
}
