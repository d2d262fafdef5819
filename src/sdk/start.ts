import { type MeterProvider as ApiMeterProvider, diag, type Meter, metrics } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  InstrumentType,
  MeterProvider,
  type MetricReader,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import type { AlertEngine } from '../alerts/engine.js';
import { setCardinalityLimit } from '../core/bounded-attributes.js';
import { ConfigError } from '../core/errors.js';
import { bindLocalHistograms } from '../core/local-histogram.js';
import { hostMetricViews, startHostMetrics } from '../instrumentation/host.js';
import { startRuntimeMetrics } from '../instrumentation/runtime.js';
import {
  type EndTimer,
  registerQueue,
  type TaskRecorder,
  taskRecorderFor,
} from '../instrumentation/tasks.js';
import type { UnifiedMemoryManager } from '../memory/index.js';
import type { ParallelProcessor } from '../parallel/index.js';
import { type Cleanup, startComponents } from './components.js';
import { resolveConfig } from './config.js';
import { PerformanceDashboard } from './dashboard/dashboard.js';
import { startDisabled } from './disabled.js';
import { createMetricsEndpoint } from './exposition/endpoint.js';
import { EXPOSITION_FORMATS } from './exposition/negotiate.js';
import { PROMETHEUS_PROTOBUF } from './exposition/prometheus-protobuf.js';
import { PerformanceMonitor } from './monitor.js';
import type { PerformanceSdkOptions, ResolvedSdkConfig } from './options.js';
import { createReaders, type Readers } from './readers.js';
import { buildResource } from './resource.js';
import { type MetricsServer, startMetricsServer } from './server.js';
import { runCleanups, shutdownWithin } from './shutdown.js';

export const SDK_METER_NAME = 'aiva-performance';

/** The handle {@link startPerformanceSdk} resolves to. */
export interface PerformanceSdk {
  /** The MeterProvider the SDK records into (also the global one unless `registerGlobal: false`). */
  readonly meterProvider: ApiMeterProvider;
  /** A meter for the app's own instruments. */
  readonly meter: Meter;
  readonly monitor: PerformanceMonitor;
  /** Base URL of the metrics server (e.g. `http://127.0.0.1:9464`); `undefined` with `prometheus: false`. */
  readonly url: string | undefined;
  /** The options in force after presets and environment variables. */
  readonly config: Readonly<ResolvedSdkConfig>;
  /** The budgeted memory manager (`options.memory`); `undefined` with `memory: false`. */
  readonly memory: UnifiedMemoryManager | undefined;
  /** The worker pool (`options.parallel`), created on first access. Throws {@link ConfigError} with `parallel: false`. */
  readonly processor: ParallelProcessor;
  /** The alert engine (`options.alerts`); `undefined` with `alerts: false`. */
  readonly alerts: AlertEngine | undefined;
  /** {@link trackTask} recording into this SDK's provider, whether or not it is global. */
  trackTask<T>(name: string, fn: () => T): T;
  startTimer(name: string): EndTimer;
  registerQueue(name: string, size: () => number): () => void;
  /**
   * Exports one last time to every push reader while all producers still answer, then stops every
   * timer and observer and closes the server. Resolves within `shutdownTimeoutMillis` (default 5000)
   * and says through the diag logger what it could not flush. Idempotent.
   */
  shutdown(): Promise<void>;
}

/**
 * Readers, views and resource for an app that builds its own MeterProvider, such as the OpenTelemetry
 * NodeSDK: pass all three to it, start it, then {@link attachPerformanceSdk}.
 */
export interface PerformanceMetricsComponents {
  readonly metricReaders: MetricReader[];
  readonly views: ViewOptions[];
  /**
   * `service.name`/`service.version` as resolved (option > `OTEL_SERVICE_NAME` > `OTEL_RESOURCE_ATTRIBUTES`
   * > package.json) over the SDK's default resource. A provider built without it labels every series
   * `unknown_service`. @example new NodeSDK({ resource: components.resource, ... })
   */
  readonly resource: Resource;
}

const componentState = new WeakMap<
  PerformanceMetricsComponents,
  { config: ResolvedSdkConfig; readers: Readers }
>();

let running: PerformanceSdk | undefined;
let starting = false;

/**
 * Registers the SDK: MeterProvider with Prometheus pull, in-process and optional OTLP readers; host,
 * runtime and task metrics; the `/metrics` + `/healthz` server. Rejects with {@link ConfigError}
 * (or {@link PortInUseError}) and leaves nothing started when it cannot start.
 * @example const perf = await startPerformanceSdk({ serviceName: 'scanner', preset: 'production' });
 */
export async function startPerformanceSdk(options: PerformanceSdkOptions = {}): Promise<PerformanceSdk> {
  return launch(() => {
    const config = resolveConfig(options);
    return { config, readers: createReaders(config), meterProvider: undefined };
  });
}

/**
 * Validates `options` and creates the readers, views and resource to hand to a MeterProvider you build
 * yourself. Throws {@link ConfigError}.
 * @example
 * const components = createPerformanceMetricsComponents({ serviceName: 'api' });
 * const { resource, metricReaders, views } = components;
 * const otel = new NodeSDK({ resource, metricReaders, views });
 * otel.start();
 * const perf = await attachPerformanceSdk(components);
 */
export function createPerformanceMetricsComponents(
  options: PerformanceSdkOptions = {},
): PerformanceMetricsComponents {
  const config = resolveConfig(options);
  const readers = createReaders(config);
  const components = {
    metricReaders: readers.all,
    views: config.disabled ? [] : performanceViews(config),
    resource: buildResource(config),
  };
  componentState.set(components, { config, readers });
  return components;
}

/**
 * Starts the server, host, runtime and task metrics and the monitor over a MeterProvider that already
 * has `components`' readers (default: the global one). Its shutdown leaves that provider running.
 */
export async function attachPerformanceSdk(
  components: PerformanceMetricsComponents,
  meterProvider: ApiMeterProvider = metrics.getMeterProvider(),
): Promise<PerformanceSdk> {
  const state = componentState.get(components);
  if (!state) {
    throw new ConfigError('components', 'must come from createPerformanceMetricsComponents()');
  }
  return launch(() => ({ ...state, meterProvider }));
}

async function launch(
  prepare: () => { config: ResolvedSdkConfig; readers: Readers; meterProvider: ApiMeterProvider | undefined },
): Promise<PerformanceSdk> {
  if (running || starting) {
    throw new ConfigError(
      'startPerformanceSdk',
      'was already called; call shutdown() on the running SDK first',
    );
  }
  starting = true;
  const cleanups: Cleanup[] = [];
  try {
    const { config, readers, meterProvider } = prepare();
    const sdk = await start(config, readers, cleanups, meterProvider);
    running = sdk;
    return sdk;
  } catch (error) {
    await runCleanups(cleanups);
    throw error;
  } finally {
    starting = false;
  }
}

async function start(
  config: ResolvedSdkConfig,
  readers: Readers,
  cleanups: Cleanup[],
  externalProvider: ApiMeterProvider | undefined,
): Promise<PerformanceSdk> {
  if (config.disabled) return startDisabled(config, cleanups, () => (running = undefined));
  let started = false;
  let server: MetricsServer | undefined;
  const exporter = readers.prometheus;
  if (config.prometheus && exporter) {
    const startedAt = Date.now();
    // exporter-prometheus stays the pull reader; the exposition (formats, gzip, coalescing) is ours.
    const endpoint = createMetricsEndpoint(() => exporter.collect(), {
      formats: config.prometheus.nativeHistograms
        ? [...EXPOSITION_FORMATS, PROMETHEUS_PROTOBUF]
        : EXPOSITION_FORMATS,
    });
    server = await startMetricsServer({
      ...config.prometheus,
      serveMetrics: (request, response) => endpoint.handle(request, response),
      health: () => ({
        status: 'ok',
        service: config.serviceName,
        version: config.serviceVersion,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      }),
    });
    cleanups.push(() => server?.close());
  }

  // Not a cleanup: shutdown() shuts our provider last, after the final export (see shutdown.ts).
  const ownProvider = externalProvider
    ? undefined
    : new MeterProvider({
        resource: buildResource(config),
        readers: readers.all,
        views: performanceViews(config),
      });
  cleanups.push(() => {
    // A failed start never reaches shutdown(): release the provider's readers here instead.
    if (!started) return ownProvider?.shutdown();
  });
  const meterProvider: ApiMeterProvider = externalProvider ?? (ownProvider as MeterProvider);
  // Our provider's readers all carry the local-histogram producer: hot paths record into it. A foreign
  // provider (NodeSDK) may have readers of its own, so its components keep the API instruments.
  if (ownProvider && readers.localHistograms) bindLocalHistograms(ownProvider, readers.localHistograms);
  // Components bound the attribute sets they create by this limit (core/bounded-attributes.ts).
  setCardinalityLimit(meterProvider, config.cardinalityLimit);

  if (config.hostMetrics) {
    const host = startHostMetrics({
      meterProvider,
      ...config.hostMetrics,
      semconvStability: config.semconvStability,
    });
    cleanups.push(() => host.shutdown());
  }
  if (config.runtimeMetrics) {
    const runtime = startRuntimeMetrics(meterProvider, {
      ...config.runtimeMetrics,
      semconvStability: config.semconvStability,
      readingIntervalMillis: config.hostMetrics
        ? config.hostMetrics.intervalMillis
        : config.monitor.intervalMillis,
    });
    cleanups.push(() => runtime.shutdown());
  }
  const tasks: TaskRecorder = taskRecorderFor(meterProvider);

  if (config.registerGlobal && !externalProvider) {
    if (metrics.setGlobalMeterProvider(meterProvider)) {
      cleanups.push(() => metrics.disable());
    } else {
      diag.warn(
        'aiva-performance: a global MeterProvider is already registered; keeping it (registerGlobal ignored)',
      );
    }
  }

  const components = startComponents(config, meterProvider, readers.inProcess, server, cleanups);

  const monitor = new PerformanceMonitor({
    reader: readers.inProcess,
    intervalMillis: config.monitor.intervalMillis,
    retentionDays: config.monitor.retentionDays,
    alerts: components.alerts,
    alertSource: components.alerts,
    serviceName: config.serviceName,
    log: config.monitor.verbose ? (line) => console.log(`[aiva-performance] ${line}`) : undefined,
  });
  cleanups.push(() => monitor.stop());
  // The first reading's rates then cover "since start" rather than "since boot".
  await monitor.getCurrentMetrics();
  if (config.dashboard && server) {
    const dashboard = new PerformanceDashboard(monitor, config.dashboard);
    dashboard.mount(server);
    cleanups.push(() => dashboard.close());
  }

  // sdk-metrics keeps, per reader, what other readers' collections produced until that reader collects;
  // with no alert engine and an unstarted monitor nothing collects the in-process reader, so every
  // Prometheus scrape would add to its backlog forever. Collect it when nobody else has for a while.
  const drain = setInterval(() => {
    if (performance.now() - readers.inProcess.lastCollectedAt >= IN_PROCESS_DRAIN_MILLIS) {
      readers.inProcess.collect().catch(() => {});
    }
  }, IN_PROCESS_DRAIN_MILLIS).unref();
  cleanups.push(() => clearInterval(drain));

  let stopped: Promise<void> | undefined;
  started = true;
  return {
    meterProvider,
    meter: meterProvider.getMeter(SDK_METER_NAME),
    monitor,
    url: server?.url,
    config,
    memory: components.memory,
    get processor() {
      return components.processor();
    },
    alerts: components.alerts,
    trackTask: (name, fn) => tasks.trackTask(name, fn),
    startTimer: (name) => tasks.startTimer(name),
    registerQueue,
    shutdown() {
      stopped ??= shutdownWithin({
        timeoutMillis: config.shutdownTimeoutMillis,
        quiet: () => monitor.stop(),
        push: readers.push,
        cleanups,
        provider: ownProvider,
      }).finally(() => {
        running = undefined;
      });
      return stopped;
    },
  };
}

/** Views every reader shares: the cardinality limit on our instruments, and the host-metric views. */
export function performanceViews(
  config: Pick<ResolvedSdkConfig, 'cardinalityLimit' | 'hostMetrics'>,
): ViewOptions[] {
  // Not histograms: a View fixes one aggregation for every reader, and histograms must be left to each
  // reader's selector (explicit buckets for Prometheus, exponential in-process, per OTLP option). Their
  // series are bounded by construction (task names) and by each reader's cardinality selector.
  const cardinality = NON_HISTOGRAM_TYPES.map((instrumentType) => ({
    instrumentName: 'aiva.*',
    instrumentType,
    aggregationCardinalityLimit: config.cardinalityLimit,
  }));
  return [
    ...cardinality,
    ...(config.hostMetrics ? hostMetricViews({ perCpu: config.hostMetrics.perCpu }) : []),
  ];
}

/** How long the in-process reader may go uncollected before the SDK collects (and drops) its backlog. */
const IN_PROCESS_DRAIN_MILLIS = 60_000;

const NON_HISTOGRAM_TYPES = [
  InstrumentType.COUNTER,
  InstrumentType.UP_DOWN_COUNTER,
  InstrumentType.GAUGE,
  InstrumentType.OBSERVABLE_COUNTER,
  InstrumentType.OBSERVABLE_UP_DOWN_COUNTER,
  InstrumentType.OBSERVABLE_GAUGE,
] as const;
