/**
 * What a worker ships to the main thread when worker metrics are bridged
 * (see `worker-meter.ts` and `bridge-merge.ts`). Internal: the shapes are
 * short because they are structured-cloned with every chunk answer.
 */
import type { Attributes, MetricOptions } from '@opentelemetry/api';

/** Instrument kinds, as the OpenTelemetry API creates them. */
export type BridgedKind =
  | 'counter'
  | 'upDownCounter'
  | 'histogram'
  | 'gauge'
  | 'observableCounter'
  | 'observableUpDownCounter'
  | 'observableGauge';

/** The meter (instrumentation scope) an instrument was created on. */
export interface BridgedScope {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
}

/**
 * One attribute set's measurements since the previous batch. Counters and
 * up-down counters (observable ones included): the sum of the increments.
 * Gauges: the last value.
 */
export interface BridgedPoint {
  /** Attributes, as first recorded. */
  readonly a: Attributes;
  readonly v: number;
}

/** One attribute set of a histogram since the previous batch, bucketed with the instrument's boundaries. */
export interface BridgedHistogramPoint {
  readonly a: Attributes;
  /** Recordings per bucket (boundaries.length + 1 buckets, upper bounds inclusive, as in sdk-metrics). */
  readonly c: readonly number[];
  /** Sum of the recorded values per bucket. */
  readonly s: readonly number[];
  readonly min: number;
  readonly max: number;
}

/** One instrument and what it recorded. */
export interface BridgedInstrument {
  readonly scope: BridgedScope;
  readonly kind: BridgedKind;
  readonly name: string;
  readonly options: MetricOptions;
  /** Histograms only: the boundaries the worker bucketed with (advice, else the SDK's default). */
  readonly boundaries?: readonly number[];
  readonly points: readonly (BridgedPoint | BridgedHistogramPoint)[];
}

/** A worker's measurements since its previous answer. */
export interface MetricsBatch {
  readonly m: readonly BridgedInstrument[];
  /** Warnings the worker's code gave through the OpenTelemetry diag logger since the previous batch. */
  readonly w?: readonly string[];
}

/** sdk-metrics' default explicit-bucket boundaries (for instruments without advice). */
export const SDK_DEFAULT_BOUNDARIES: readonly number[] = Object.freeze([
  0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000,
]);

/** The attribute set of the SDK's cardinality overflow series. */
export const OVERFLOW_ATTRIBUTES: Attributes = Object.freeze({ 'otel.metric.overflow': true });

/** Bucket of `value`: the first boundary ≥ value (upper bounds inclusive, like sdk-metrics). */
export function bucketIndex(boundaries: readonly number[], value: number): number {
  let lo = 0;
  let hi = boundaries.length - 1;
  let found = boundaries.length;
  while (hi >= lo) {
    const mid = (lo + hi) >>> 1;
    if ((boundaries[mid] as number) < value) lo = mid + 1;
    else {
      found = mid;
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * A map key for an attribute set. Key order is kept (no sort: it costs more
 * than it saves), so `{a, b}` and `{b, a}` are two cells in the worker; the
 * main thread's SDK merges them into one series.
 */
export function attributesKey(attributes: Attributes | undefined): string {
  if (attributes === undefined) return '';
  let key = '';
  for (const name in attributes) {
    const value = attributes[name];
    if (value === undefined) continue;
    key += `${name}\u0001${typeof value === 'object' ? JSON.stringify(value) : String(value)}\u0002`;
  }
  return key;
}

/** Key of an instrument: the same descriptor in any worker is the same instrument on the main thread. */
export function instrumentKey(
  scope: BridgedScope,
  kind: BridgedKind,
  name: string,
  options: MetricOptions,
): string {
  return JSON.stringify([
    scope.name,
    scope.version ?? '',
    scope.schemaUrl ?? '',
    kind,
    name,
    options.unit ?? '',
    options.description ?? '',
    options.valueType ?? null,
    options.advice?.explicitBucketBoundaries ?? null,
  ]);
}
