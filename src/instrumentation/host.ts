import { type MeterProvider, metrics } from '@opentelemetry/api';
import { HostMetrics } from '@opentelemetry/host-metrics';
import { createAllowListAttributesProcessor, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { ConfigError } from '../core/errors.js';
import { CachingMeterProvider } from '../core/reading-cache.js';
import {
  describe,
  expectBoolean,
  expectObject,
  expectPositiveMillis,
  rejectUnknownKeys,
} from '../core/validate.js';
import { sumCpuTimeOverCpus } from './host-cpu.js';
import { HOST_METER, startExtraHostMetrics } from './host-extra.js';
import { type ReadText, readTextSync } from './host-proc.js';
import {
  conventionAttributes,
  conventionShape,
  RENAMED_INSTRUMENTS,
  SEMCONV_STABILITIES,
  type SemconvStability,
} from './semconv.js';

export { HOST_METER };

/** Options of {@link startHostMetrics}. */
export interface HostMetricsOptions {
  /**
   * Where the instruments are created.
   * @default `metrics.getMeterProvider()`, read when `startHostMetrics` is called
   * @example { meterProvider: sdk.meterProvider }
   */
  meterProvider?: MeterProvider;
  /**
   * How long one host reading is reused, in milliseconds: however many readers
   * collect (Prometheus pull, the in-process reader, OTLP push), /proc is read
   * at most once per interval. A reading younger than 90 % of the interval is
   * reused, so a reader collecting every `intervalMillis` always gets a fresh
   * one despite timer jitter. Match it to your shortest collection interval.
   * @default 10000
   * @example { intervalMillis: 5000 }
   */
  intervalMillis?: number;
  /**
   * Emit `system.cpu.time` and `system.cpu.utilization` per logical CPU
   * (attribute `cpu.logical_number`). Off: one machine-wide series
   * per `cpu.mode`.
   * @default false
   * @example { perCpu: true }
   */
  perCpu?: boolean;
  /**
   * Semantic-convention names in force: `'new'` (current), `'old'` (host-metrics 0.39 names) or
   * `'dup'` (both), see {@link SemconvStability}.
   * @default 'new'
   * @example { semconvStability: 'dup' }
   */
  semconvStability?: SemconvStability;
}

export interface ResolvedHostMetricsOptions {
  meterProvider: MeterProvider;
  intervalMillis: number;
  perCpu: boolean;
  semconvStability: SemconvStability;
}

export const DEFAULT_HOST_METRICS_OPTIONS: Readonly<Omit<ResolvedHostMetricsOptions, 'meterProvider'>> =
  Object.freeze({
    intervalMillis: 10_000,
    perCpu: false,
    semconvStability: 'new',
  });

/** Returned by {@link startHostMetrics}. */
export interface HostMetricsHandle {
  /** Removes every observable callback; nothing (no timer, no handle) is left. Idempotent. */
  shutdown(): void;
}

/** Meter name of the instruments `@opentelemetry/host-metrics` creates (its default). */
export const HOST_METRICS_LIBRARY_METER = '@opentelemetry/host-metrics';

const KNOWN_KEYS = ['meterProvider', 'intervalMillis', 'perCpu', 'semconvStability'] as const;

/**
 * Validates options once. `field` prefixes messages, so the SDK's config can
 * report `options.hostMetrics.intervalMillis`.
 */
export function resolveHostMetricsOptions(
  options: unknown = {},
  field = 'options',
): ResolvedHostMetricsOptions {
  const o = expectObject(options, field);
  rejectUnknownKeys(o, KNOWN_KEYS, field);
  const mp = o.meterProvider;
  if (
    mp !== undefined &&
    (typeof mp !== 'object' || mp === null || typeof (mp as MeterProvider).getMeter !== 'function')
  ) {
    throw new ConfigError(
      `${field}.meterProvider`,
      `must be a MeterProvider (an object with getMeter()), got ${describe(mp)}`,
    );
  }
  return {
    meterProvider: (mp as MeterProvider | undefined) ?? metrics.getMeterProvider(),
    intervalMillis:
      o.intervalMillis === undefined
        ? DEFAULT_HOST_METRICS_OPTIONS.intervalMillis
        : expectPositiveMillis(o.intervalMillis, `${field}.intervalMillis`),
    perCpu:
      o.perCpu === undefined
        ? DEFAULT_HOST_METRICS_OPTIONS.perCpu
        : expectBoolean(o.perCpu, `${field}.perCpu`),
    semconvStability:
      o.semconvStability === undefined
        ? DEFAULT_HOST_METRICS_OPTIONS.semconvStability
        : expectStability(o.semconvStability, `${field}.semconvStability`),
  };
}

/**
 * Starts host metrics: `@opentelemetry/host-metrics` for CPU time, memory
 * usage and process metrics (and the network off Linux); CPU utilization,
 * load average, memory limit and MemAvailable, swap, disk I/O and, on Linux,
 * network I/O, errors and drops of every interface but `lo` from /proc
 * (systeminformation and `os` elsewhere). No child process is started on
 * Linux, and no timer: readings are taken when a reader collects, at most
 * once per `intervalMillis` however many readers collect.
 * Throws {@link ConfigError} for an invalid option.
 *
 * @example
 * const host = startHostMetrics({ meterProvider, intervalMillis: 5000 });
 * // ...
 * host.shutdown();
 */
export function startHostMetrics(options: HostMetricsOptions = {}): HostMetricsHandle {
  return startHostMetricsWith(resolveHostMetricsOptions(options), {});
}

/** Injection points for tests (not part of the public API). */
export interface HostMetricsDeps {
  readText?: ReadText;
  now?: () => number;
  platform?: NodeJS.Platform;
}

/** The handle, with counters the tests assert on. */
export interface HostMetricsInternals extends HostMetricsHandle {
  /** Readings of /proc (or the fallback) taken so far. */
  readonly hostReads: number;
  /** Readings taken by @opentelemetry/host-metrics so far. */
  readonly libraryReads: number;
  /** true: `system.network.*` come from /proc/net/dev; false: from host-metrics (systeminformation). */
  readonly networkFromProc: boolean;
}

/**
 * host-metrics 0.39's metric groups without `system.network`: its network read
 * (systeminformation's `networkStats`) runs `execSync('ip route')` and a shell
 * on every reading (~25 ms CPU with its children, a median 4-6 ms of blocked
 * event loop here, tens of ms for three readers back to back) and covers only
 * the default-route interface. With the group off its callback never reads it.
 */
export const HOST_METRICS_GROUPS_WITHOUT_NETWORK: readonly string[] = Object.freeze([
  'system.cpu',
  'system.memory',
  'process.cpu',
  'process.memory',
]);

/** @internal */
export function startHostMetricsWith(
  resolved: ResolvedHostMetricsOptions,
  deps: HostMetricsDeps,
): HostMetricsInternals {
  const now = deps.now ?? (() => performance.now());
  const readText = deps.readText ?? readTextSync;
  const linux = (deps.platform ?? process.platform) === 'linux';
  const maxAgeMillis = resolved.intervalMillis * 0.9;
  // On Linux the network counters come from /proc/net/dev when it can be read
  // (a sandbox may hide it: host-metrics keeps the network then).
  const procNetwork = linux && isReadable(readText, '/proc/net/dev');

  // The library's callback runs at most once per interval, replayed to every reader. Its meter is
  // taken without the library's version, so the scope (otel_scope_name) stays as it always was.
  const library: MeterProvider = { getMeter: (name) => resolved.meterProvider.getMeter(name) };
  const adapter = new CachingMeterProvider(library, {
    maxAgeMillis,
    now,
    // The library's utilization divides by wall time since its previous call (module load, for the
    // first), so a scrape right after start reads above 1, and per CPU it cannot be averaged by a
    // View (a View dropping an attribute on a gauge keeps the last value): host-extra.ts registers
    // one from /proc/stat instead.
    // On Linux host-extra.ts emits system.cpu.time from /proc/stat, with iowait and steal.
    omit: linux ? ['system.cpu.utilization', 'system.cpu.time'] : ['system.cpu.utilization'],
    ...(resolved.perCpu ? {} : { reduce: sumCpuTimeOverCpus }),
    // host-metrics 0.39 writes the old convention names, kinds and empty units: brought to those in force.
    shape: (name, kind, options) => ({
      name: renamedInstrument(resolved.semconvStability, name),
      ...conventionShape(resolved.semconvStability, name, kind, options),
    }),
    mapAttributes: (name, attributes) => conventionAttributes(resolved.semconvStability, name, attributes),
  });
  new HostMetrics({
    meterProvider: adapter,
    name: HOST_METRICS_LIBRARY_METER,
    ...(procNetwork ? { metricGroups: [...HOST_METRICS_GROUPS_WITHOUT_NETWORK] } : {}),
  }).start();

  const extra = startExtraHostMetrics(resolved, { readText, now, linux, procNetwork, maxAgeMillis });
  let stopped = false;
  return {
    get hostReads() {
      return extra.cache.reads;
    },
    get libraryReads() {
      return adapter.reads;
    },
    networkFromProc: procNetwork,
    shutdown() {
      if (stopped) return;
      stopped = true;
      adapter.shutdown();
      extra.shutdown();
    },
  };
}

/** The library's name for an instrument the conventions renamed, under `stability` ('dup': the new one). */
function renamedInstrument(stability: SemconvStability, name: string): string {
  if (stability === 'old') return name;
  const current = Object.keys(RENAMED_INSTRUMENTS).find((n) => RENAMED_INSTRUMENTS[n] === name);
  return current ?? name;
}

function expectStability(value: unknown, field: string): SemconvStability {
  if ((SEMCONV_STABILITIES as readonly unknown[]).includes(value)) return value as SemconvStability;
  throw new ConfigError(field, `must be one of 'new', 'old', 'dup', got ${describe(value)}`);
}

function isReadable(readText: ReadText, path: string): boolean {
  try {
    readText(path);
    return true;
  } catch {
    return false;
  }
}

/** Options of {@link hostMetricViews}. */
export interface HostMetricViewsOptions {
  /** Same meaning as {@link HostMetricsOptions.perCpu}. @default false */
  perCpu?: boolean;
}

/** Bound on per-device series (network interfaces, disks): container hosts can have hundreds of veths. */
export const HOST_DEVICE_CARDINALITY_LIMIT = 256;

/**
 * Views for the MeterProvider that hosts these metrics. Correctness does not
 * depend on them (the per-CPU folding happens before the SDK sees the data);
 * they bound per-device cardinality (network from either meter, disks) and, with `perCpu: false`, keep only
 * the mode on host-metrics' `system.cpu.time` (off Linux) as a guard.
 *
 * @example new MeterProvider({ views: [...hostMetricViews({ perCpu: false })], readers })
 */
export function hostMetricViews(options: HostMetricViewsOptions = {}): ViewOptions[] {
  const views: ViewOptions[] = [
    {
      meterName: HOST_METRICS_LIBRARY_METER,
      instrumentName: 'system.network.*',
      aggregationCardinalityLimit: HOST_DEVICE_CARDINALITY_LIMIT,
    },
    {
      meterName: HOST_METER,
      instrumentName: 'system.network.*',
      aggregationCardinalityLimit: HOST_DEVICE_CARDINALITY_LIMIT,
    },
    {
      meterName: HOST_METER,
      instrumentName: 'system.disk.*',
      aggregationCardinalityLimit: HOST_DEVICE_CARDINALITY_LIMIT,
    },
  ];
  if (!options.perCpu) {
    views.push({
      meterName: HOST_METRICS_LIBRARY_METER,
      instrumentName: 'system.cpu.time',
      attributesProcessors: [createAllowListAttributesProcessor(['cpu.mode', 'system.cpu.state'])],
    });
  }
  return views;
}
