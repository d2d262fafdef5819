import { type Attributes, diag } from '@opentelemetry/api';
import {
  DataPointType,
  type MetricData,
  type ResourceMetrics,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';

export type InstrumentationScope = ScopeMetrics['scope'];

/**
 * The metric families of one collection, grouped and named exactly as exporter-prometheus'
 * `PrometheusSerializer` groups and names them (0.301): `.` and every other character outside
 * `[a-zA-Z0-9_]` → `_`, runs of `_` collapsed, a leading digit prefixed with `_`, monotonic sums get
 * `_total`; the first HELP/UNIT of a family wins; a TYPE conflict drops the family; `target_info`
 * first. Every format writes from this one model, so names cannot drift between formats.
 */
export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'untyped';

export interface FamilyMember {
  readonly metric: MetricData;
  /** `otel_scope_name="…"` (+ schema URL, version) for every series of this member. */
  readonly scopeLabels: string;
  /** The scope itself, for formats that write labels as pairs (protobuf). */
  readonly scope: InstrumentationScope;
}

export interface Family {
  /** The Prometheus name as exporter-prometheus writes it (counters end in `_total`). */
  readonly name: string;
  readonly type: FamilyType;
  help: string;
  /** The OpenTelemetry unit as given by the instrument (`s`, `By`, `{task}`, …). */
  unit: string;
  readonly members: FamilyMember[];
}

export interface ScrapeModel {
  readonly resourceLabels: string;
  /** The resource's attributes, for formats that write labels as pairs (protobuf). */
  readonly resourceAttributes: Attributes;
  readonly families: readonly Family[];
}

const INVALID_CHARACTERS = /[^a-z0-9_]/gi;
const MULTIPLE_UNDERSCORES = /_{2,}/g;

export function sanitizeName(name: string): string {
  return name.replace(INVALID_CHARACTERS, '_').replace(MULTIPLE_UNDERSCORES, '_');
}

/** HELP / UNIT text escaping of the 0.0.4 format (backslash, newline). */
export function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return escapeText(text).replace(/"/g, '\\"');
}

/** Sanitized label names: a handful of keys, computed once per process. */
const labelNames = new Map<string, string>();
export function labelName(key: string): string {
  let name = labelNames.get(key);
  if (name === undefined) {
    name = sanitizeName(key);
    if (labelNames.size < 10_000) labelNames.set(key, name);
  }
  return name;
}

/** `a="x",b="y"` of one attribute set; an empty set gives `''`. */
export function labelsOf(attributes: Attributes): string {
  let out = '';
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    out += `${out.length > 0 ? ',' : ''}${labelName(key)}="${escapeLabelValue(attributes[key])}"`;
  }
  return out;
}

/**
 * Label strings cached per series: sdk-metrics hands the same attribute object for a series on every
 * collection (the one it stored at first record/observe), so a scrape builds each series' labels once.
 */
const seriesLabels = new WeakMap<Attributes, string>();
export function cachedLabelsOf(attributes: Attributes): string {
  let labels = seriesLabels.get(attributes);
  if (labels === undefined) {
    labels = labelsOf(attributes);
    seriesLabels.set(attributes, labels);
  }
  return labels;
}

function scopeLabelsOf(scope: InstrumentationScope): string {
  let labels = `otel_scope_name="${escapeLabelValue(scope.name)}"`;
  if (scope.schemaUrl) labels += `,otel_scope_schema_url="${escapeLabelValue(scope.schemaUrl)}"`;
  if (scope.version) labels += `,otel_scope_version="${escapeLabelValue(scope.version)}"`;
  return labels;
}

function typeOf(metric: MetricData): FamilyType {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'gauge';
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.HISTOGRAM:
      return 'histogram';
    default:
      return 'untyped';
  }
}

const familyNames = new Map<string, string | undefined>();
/** The exporter's name for a metric; `undefined` when it normalizes to nothing usable (then dropped). */
function familyNameOf(metric: MetricData): string | undefined {
  const monotonic = metric.dataPointType === DataPointType.SUM && metric.isMonotonic;
  const key = `${monotonic ? 'c' : 'o'}${metric.descriptor.name}`;
  if (familyNames.has(key)) return familyNames.get(key);
  let name: string | undefined = sanitizeName(escapeText(metric.descriptor.name));
  if (name === '' || name === '_') {
    diag.error(`aiva-performance: metric "${metric.descriptor.name}" has no valid Prometheus name; dropped`);
    name = undefined;
  } else {
    if (name[0]! >= '0' && name[0]! <= '9') name = `_${name}`;
    if (monotonic && !name.endsWith('_total')) name += '_total';
  }
  if (familyNames.size < 10_000) familyNames.set(key, name);
  return name;
}

export const TARGET_INFO = 'target_info';

/** Conflicts already reported, so a conflict is warned about once, not on every scrape. */
const reportedConflicts = new Set<string>();
function warnConflict(key: string, message: string): void {
  if (reportedConflicts.has(key)) return;
  if (reportedConflicts.size < 1000) reportedConflicts.add(key);
  diag.warn(`aiva-performance: ${message}`);
}

/** Groups one collection into families (see the module comment). */
export function buildModel(resourceMetrics: ResourceMetrics): ScrapeModel {
  const byName = new Map<string, Family | null>();
  byName.set(TARGET_INFO, {
    name: TARGET_INFO,
    type: 'gauge',
    help: 'Target metadata',
    unit: '',
    members: [],
  });
  for (const { scope, metrics } of resourceMetrics.scopeMetrics) {
    let scopeLabels: string | undefined;
    for (const metric of metrics) {
      const name = familyNameOf(metric);
      if (name === undefined) continue;
      const type = typeOf(metric);
      const family = byName.get(name);
      if (family === null) continue;
      scopeLabels ??= scopeLabelsOf(scope);
      if (family === undefined) {
        byName.set(name, { name, type, help: '', unit: '', members: [{ metric, scopeLabels, scope }] });
        continue;
      }
      if (family.type !== type) {
        warnConflict(
          `TYPE:${name}`,
          `conflicting TYPE for metric "${name}" (${family.type}, ${type}); dropped`,
        );
        byName.set(name, null);
        continue;
      }
      family.members.push({ metric, scopeLabels, scope });
    }
  }
  const families: Family[] = [];
  for (const family of byName.values()) {
    if (family === null) continue;
    for (const { metric } of family.members) {
      const { description, unit } = metric.descriptor;
      if (description) {
        if (!family.help) family.help = description;
        else if (family.help !== description)
          warnConflict(`HELP:${family.name}`, `conflicting HELP for metric "${family.name}"; the first wins`);
      }
      if (unit) {
        if (!family.unit) family.unit = unit;
        else if (family.unit !== unit)
          warnConflict(`UNIT:${family.name}`, `conflicting UNIT for metric "${family.name}"; the first wins`);
      }
    }
    families.push(family);
  }
  return {
    resourceLabels: labelsOf(resourceMetrics.resource.attributes),
    resourceAttributes: resourceMetrics.resource.attributes,
    families,
  };
}

/** A sample value as the exporter writes it. */
export function valueString(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return `${value}`;
}

/** `le` label values of a boundary list, cached per boundary array (one per instrument). */
const leCache = new WeakMap<readonly number[], string[]>();
export function leValues(boundaries: readonly number[]): string[] {
  let values = leCache.get(boundaries);
  if (values === undefined) {
    values = boundaries.map((b) => (b === Number.POSITIVE_INFINITY ? '+Inf' : String(b)));
    leCache.set(boundaries, values);
  }
  return values;
}
