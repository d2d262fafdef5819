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

/**
 * An instrument as the main thread re-creates it: meter name, version,
 * schema URL, kind, name, options (description, unit, valueType, advice) and,
 * for histograms, the boundaries the worker bucketed with. Its JSON text is
 * the instrument's key on the wire, computed once per instrument.
 */
export type BridgedDescriptor = readonly [
  scopeName: string,
  scopeVersion: string | null,
  schemaUrl: string | null,
  kind: BridgedKind,
  name: string,
  options: MetricOptions,
  boundaries: readonly number[] | null,
];

/**
 * An attribute set on the wire: `[cell index, attributes]` in every batch of the epoch that first
 * ships the cell; afterwards only its index (per worker session and instrument), so a steady batch
 * is a few numbers.
 */
export type CellRef = number | readonly [index: number, attributes: Attributes];

/**
 * One attribute set's totals since the worker started. Counters and up-down counters (observable
 * ones included): `[cell, sum]`; gauges and observable gauges: `[cell, last value, times set]`.
 * Histograms: `[cell, buckets, min, max]` where `buckets` lists, for each bucket that received
 * recordings, its index, its count and the sum of its values (boundaries.length + 1 buckets, upper
 * bounds inclusive as in sdk-metrics). The main thread merges the difference from what it merged
 * last, so a newer batch supersedes an older one of the same epoch.
 */
export type BridgedPoint =
  | readonly [cell: CellRef, value: number]
  | readonly [cell: CellRef, value: number, times: number]
  | BridgedHistogramPoint;

export type BridgedHistogramPoint = readonly [
  cell: CellRef,
  buckets: readonly number[],
  min: number | null,
  max: number | null,
];

/** One instrument and its cells: `[instrument id within the worker, points]`. */
export type BridgedInstrument = readonly [id: number, points: readonly BridgedPoint[]];

/**
 * A worker's batch, shipped with a chunk answer (`ChunkResponse.x`) as text: `<session>/<epoch> `
 * followed by this object's JSON. One short string clones far cheaper than a tree of small objects
 * (~0.5 µs against ~6.5 µs a batch here).
 *
 * Every batch of an epoch carries every cell, instrument descriptor and warning of that epoch, with
 * totals: the newest batch of an epoch holds all the older ones do. So the main thread keeps only
 * the newest per `<session>/<epoch>` until it merges (one parse per epoch instead of one per chunk,
 * which was most of the bridge's main-thread cost), and a worker that dies loses nothing its
 * answered chunks recorded.
 */
export interface MetricsBatch {
  /** Instruments first shipped in this epoch: `[id, descriptor JSON text]`. */
  readonly d?: readonly (readonly [id: number, descriptor: string])[];
  readonly m: readonly BridgedInstrument[];
  /** Warnings the worker's code gave through the OpenTelemetry diag logger during this epoch. */
  readonly w?: readonly string[];
}

/**
 * Thread mode's answer text, `<session>/L ` followed by this object's JSON, when a commit has
 * something the ring (`bridge-ring.ts`) cannot carry. Each part is new in this commit: descriptors
 * and cells are shipped once per worker, and records reach the main thread through the ring.
 */
export interface RingCommit {
  readonly d?: readonly (readonly [id: number, descriptor: string])[];
  /** Cells shipped for the first time: `[instrument id, [cell index, attributes]]`. */
  readonly c?: readonly (readonly [id: number, cell: readonly [index: number, attributes: Attributes]])[];
  readonly w?: readonly string[];
  /** The commit's records when the ring had no room for them, laid out as in the ring (NaN and ±Infinity: null). */
  readonly r?: readonly (number | null)[];
}

/** The epoch part of thread mode's answer texts (see {@link RingCommit}). */
export const RING_EPOCH = 'L';

/** The `<session>/<epoch>` of a batch's text: batches with the same one supersede each other. */
export function batchEpoch(text: string): string {
  const space = text.indexOf(' ');
  return space < 0 ? text : text.slice(0, space);
}

/** The worker session of a batch's `<session>/<epoch>` (NaN when it has none). */
export function sessionOf(epoch: string): number {
  const slash = epoch.indexOf('/');
  return slash < 0 ? Number.NaN : Number(epoch.slice(0, slash));
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

/** The descriptor of an instrument (only the options the SDK reads are kept). */
export function describeInstrument(
  scope: { readonly name: string; readonly version?: string; readonly schemaUrl?: string },
  kind: BridgedKind,
  name: string,
  options: MetricOptions,
  boundaries: readonly number[] | null,
): BridgedDescriptor {
  const kept: MetricOptions = {
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.unit === undefined ? {} : { unit: options.unit }),
    ...(options.valueType === undefined ? {} : { valueType: options.valueType }),
    ...(options.advice?.explicitBucketBoundaries === undefined
      ? {}
      : { advice: { explicitBucketBoundaries: [...options.advice.explicitBucketBoundaries] } }),
  };
  return [scope.name, scope.version ?? null, scope.schemaUrl ?? null, kind, name, kept, boundaries];
}
