import type { Attributes, MetricOptions } from '@opentelemetry/api';
import { LEGACY_ATTRIBUTE_KEYS } from '../core/metric-names.js';
import type { ObservableKind, ObservableShape } from '../core/reading-cache.js';

/**
 * Which semantic-convention names host and runtime metrics carry, for one release of overlap
 * (as OpenTelemetry's own `OTEL_SEMCONV_STABILITY_OPT_IN` does for HTTP):
 * - `'new'` (default): current conventions — `cpu.mode`, `network.interface.name`,
 *   `system.device.name`, `system.network.packet.dropped`, memory usage as UpDownCounters, units set;
 * - `'old'`: the names of aiva-performance 0.1 / host-metrics 0.39 (`system.cpu.state`, `system.device`, …);
 * - `'dup'`: both attribute keys on the same data point (no double counting), both instrument names
 *   where an instrument was renamed.
 */
export type SemconvStability = 'new' | 'old' | 'dup';

export const SEMCONV_STABILITIES = ['new', 'old', 'dup'] as const;

/** Instruments renamed by the conventions: new name → old name. */
export const RENAMED_INSTRUMENTS: Readonly<Record<string, string>> = Object.freeze({
  'system.network.packet.dropped': 'system.network.dropped',
});

/** Instruments the conventions define as UpDownCounters that host-metrics / runtime-node create as gauges. */
const UP_DOWN_COUNTERS: ReadonlySet<string> = new Set([
  'system.memory.usage',
  'process.memory.usage',
  'v8js.memory.heap.used',
  'v8js.memory.heap.limit',
  'v8js.memory.heap.space.size',
  'v8js.memory.heap.space.available_size',
  'v8js.memory.heap.space.physical_size',
]);

/** Units the conventions give and the libraries leave empty. */
const UNITS: Readonly<Record<string, string>> = Object.freeze({
  'system.memory.usage': 'By',
  'system.memory.utilization': '1',
  'process.memory.usage': 'By',
  'process.cpu.utilization': '1',
  'process.cpu.time': 's',
  'system.cpu.time': 's',
});

export type InstrumentShape = Omit<ObservableShape, 'name'>;

/** The kind and unit an instrument gets under `stability` ('old' keeps what the library chose). */
export function conventionShape(
  stability: SemconvStability,
  name: string,
  kind: ObservableKind,
  options: MetricOptions | undefined,
): InstrumentShape {
  if (stability === 'old') return { kind, options };
  const unit = UNITS[name];
  return {
    kind: kind === 'gauge' && UP_DOWN_COUNTERS.has(name) ? 'upDownCounter' : kind,
    options: unit === undefined || options?.unit ? options : { ...options, unit },
  };
}

/** Old key of a current one, per instrument (one new key had several old spellings). */
function legacyKey(key: string, instrument: string): string | undefined {
  if (key === 'cpu.mode') return instrument.startsWith('process.') ? 'process.cpu.state' : 'system.cpu.state';
  if (key === 'cpu.logical_number') return 'system.cpu.logical_number';
  if (key === 'network.interface.name' || key === 'system.device.name') return 'system.device';
  return undefined;
}

/** Current key of an old one (host-metrics 0.39 still writes the old keys). */
function currentKey(key: string, instrument: string): string | undefined {
  if (key === 'system.device') {
    return instrument.startsWith('system.network.') ? 'network.interface.name' : 'system.device.name';
  }
  return LEGACY_ATTRIBUTE_KEYS[key];
}

const memo = new Map<SemconvStability, WeakMap<Attributes, Attributes>>();

/**
 * The attributes a data point carries under `stability`, from attributes written with either the
 * current or the old keys. Frozen attribute objects are converted once (they are reused per series).
 */
export function conventionAttributes(
  stability: SemconvStability,
  instrument: string,
  attributes: Attributes | undefined,
): Attributes | undefined {
  if (!attributes) return attributes;
  let cache = memo.get(stability);
  if (!cache) {
    cache = new WeakMap();
    memo.set(stability, cache);
  }
  const known = cache.get(attributes);
  if (known) return known;
  const current: Attributes = {};
  const legacy: Attributes = {};
  let renamed = false;
  for (const [key, value] of Object.entries(attributes)) {
    const newKey = currentKey(key, instrument) ?? key;
    const oldKey = legacyKey(newKey, instrument) ?? newKey;
    if (newKey !== oldKey || newKey !== key) renamed = true;
    current[newKey] = value;
    legacy[oldKey] = value;
  }
  const out = !renamed
    ? attributes
    : Object.freeze(stability === 'new' ? current : stability === 'old' ? legacy : { ...legacy, ...current });
  if (Object.isFrozen(attributes)) cache.set(attributes, out);
  return out;
}
