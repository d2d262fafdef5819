/**
 * What a worker ships to the main thread when worker metrics are bridged
 * (see `worker-meter.ts`, `bridge-ring.ts` and `bridge-merge.ts`): instrument
 * descriptors and attribute sets once per worker, as short JSON text.
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
 * A commit's text, `<session> ` followed by this object's JSON, when a commit has something records
 * (`bridge-ring.ts`) cannot carry. Each part is new in this commit: descriptors and cells are shipped
 * once per worker; the values travel as records (thread mode: in the shared ring; process mode: the
 * answer's array).
 */
export interface CommitText {
  /** Instruments shipped for the first time: `[id, descriptor JSON text]`. */
  readonly d?: readonly (readonly [id: number, descriptor: string])[];
  /** Cells shipped for the first time: `[instrument id, [cell index, attributes]]`. */
  readonly c?: readonly (readonly [id: number, cell: CellAnnouncement])[];
  /** Warnings the worker's code gave through the OpenTelemetry diag logger. */
  readonly w?: readonly string[];
  /** Thread mode: the commit's records when the ring had no room for them, laid out as in the ring (NaN and ±Infinity: null). */
  readonly r?: readonly (number | null)[];
}

/** An attribute set's first shipping: its index among its instrument's cells (per worker), and the attributes. */
export type CellAnnouncement = readonly [index: number, attributes: Attributes];

/**
 * The worker session a commit's text starts with (NaN when it has none): it tells a worker's
 * commits apart from those of an earlier worker that had the same thread id or pid.
 */
export function sessionOf(text: string): number {
  const space = text.indexOf(' ');
  return space <= 0 ? Number.NaN : Number(text.slice(0, space));
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
