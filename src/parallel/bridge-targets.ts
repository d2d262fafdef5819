/**
 * The main-thread instruments worker instruments merge into (`bridge-merge.ts`): re-created from a
 * worker's descriptor on the service's MeterProvider, with the same meter name, version, schema
 * URL, kind, name, unit, description and advice.
 */
import type {
  Attributes,
  Counter,
  Gauge,
  Histogram,
  MeterProvider,
  Observable,
  ObservableCallback,
  UpDownCounter,
} from '@opentelemetry/api';
import { type BridgedDescriptor, SDK_DEFAULT_BOUNDARIES } from './bridge-protocol.js';

/** Where a worker instrument's measurements go; observables report what workers last sent. */
export type Target =
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

/** The instrument of a descriptor's JSON text. Throws on text that is not a descriptor. */
export function createTarget(provider: MeterProvider, key: string): Target {
  let target: Target;
  const [scopeName, version, schemaUrl, kind, name, options, boundaries] = JSON.parse(
    key,
  ) as BridgedDescriptor;
  const meter = provider.getMeter(
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
  return target;
}
