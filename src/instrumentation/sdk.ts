import { diag, type Meter, metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  MeterProvider,
  type MetricReader,
  PeriodicExportingMetricReader,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import { type PerformanceSdkOptions, type ResolvedSdkConfig, resolveConfig } from './config.js';
import { ConfigError } from './errors.js';
import { hostMetricViews, startHostMetrics } from './host.js';
import { PerformanceMonitor } from './monitor.js';
import { InProcessMetricReader } from './reader.js';
import { buildResource } from './resource.js';
import { startRuntimeMetrics } from './runtime.js';
import { type MetricsServer, startMetricsServer } from './server.js';
import { type EndTimer, registerQueue, type TaskRecorder, taskRecorderFor } from './tasks.js';

export const SDK_METER_NAME = 'aiva-performance';

/** The handle {@link startPerformanceSdk} resolves to. */
export interface PerformanceSdk {
  /** The SDK's MeterProvider (also the global one unless `registerGlobal: false`). */
  readonly meterProvider: MeterProvider;
  /** A meter for the app's own instruments. */
  readonly meter: Meter;
  readonly monitor: PerformanceMonitor;
  /** Base URL of the metrics server (e.g. `http://127.0.0.1:9464`); `undefined` with `prometheus: false`. */
  readonly url: string | undefined;
  /** The options in force after presets and environment variables. */
  readonly config: Readonly<ResolvedSdkConfig>;
  /** {@link trackTask} recording into this SDK's provider, whether or not it is global. */
  trackTask<T>(name: string, fn: () => T): T;
  startTimer(name: string): EndTimer;
  registerQueue(name: string, size: () => number): () => void;
  /** Flushes OTLP, stops every timer and observer, closes the server. Idempotent. */
  shutdown(): Promise<void>;
}

/** Undo steps of a start, run in reverse; shared by a failed start and by shutdown(). */
type Cleanup = () => unknown;

let running: PerformanceSdk | undefined;
let starting = false;

/**
 * Registers the SDK: MeterProvider with Prometheus pull, in-process and optional OTLP readers; host,
 * runtime and task metrics; the `/metrics` + `/healthz` server. Rejects with {@link ConfigError}
 * (or {@link PortInUseError}) and leaves nothing started when it cannot start.
 * @example const perf = await startPerformanceSdk({ serviceName: 'scanner', preset: 'production' });
 */
export async function startPerformanceSdk(options: PerformanceSdkOptions = {}): Promise<PerformanceSdk> {
  if (running || starting) {
    throw new ConfigError(
      'startPerformanceSdk',
      'was already called; call shutdown() on the running SDK first',
    );
  }
  starting = true;
  const cleanups: Cleanup[] = [];
  try {
    const sdk = await start(resolveConfig(options), cleanups);
    running = sdk;
    return sdk;
  } catch (error) {
    await runCleanups(cleanups);
    throw error;
  } finally {
    starting = false;
  }
}

async function start(config: ResolvedSdkConfig, cleanups: Cleanup[]): Promise<PerformanceSdk> {
  const inProcessReader = new InProcessMetricReader({ cardinalityLimit: config.cardinalityLimit });
  const readers: MetricReader[] = [inProcessReader];
  let server: MetricsServer | undefined;
  if (config.prometheus) {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    readers.push(exporter);
    const startedAt = Date.now();
    server = await startMetricsServer({
      ...config.prometheus,
      serveMetrics: (request, response) => exporter.getMetricsRequestHandler(request, response),
      health: () => ({
        status: 'ok',
        service: config.serviceName,
        version: config.serviceVersion,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      }),
    });
    cleanups.push(() => server?.close());
  }
  if (config.otlp) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: config.otlp.url, headers: config.otlp.headers }),
        exportIntervalMillis: config.otlp.intervalMillis,
        exportTimeoutMillis: Math.min(config.otlp.timeoutMillis, config.otlp.intervalMillis),
        cardinalityLimits: { default: config.cardinalityLimit },
      }),
    );
  }

  const meterProvider = new MeterProvider({
    resource: buildResource(config.serviceName, config.serviceVersion),
    readers,
    views: performanceViews(config),
  });
  cleanups.push(() => meterProvider.shutdown());

  if (config.hostMetrics) {
    const host = startHostMetrics({ meterProvider, ...config.hostMetrics });
    cleanups.push(() => host.shutdown());
  }
  if (config.runtimeMetrics) {
    const runtime = startRuntimeMetrics(meterProvider, config.runtimeMetrics);
    cleanups.push(() => runtime.shutdown());
  }
  const tasks: TaskRecorder = taskRecorderFor(meterProvider);

  if (config.registerGlobal) {
    if (metrics.setGlobalMeterProvider(meterProvider)) {
      cleanups.push(() => metrics.disable());
    } else {
      diag.warn(
        'aiva-performance: a global MeterProvider is already registered; keeping it (registerGlobal ignored)',
      );
    }
  }

  const monitor = new PerformanceMonitor({
    reader: inProcessReader,
    intervalMillis: config.monitor.intervalMillis,
    historyLimit: historyLimit(config),
  });
  cleanups.push(() => monitor.stop());
  // The first reading's rates then cover "since start" rather than "since boot".
  await monitor.getCurrentMetrics();

  let stopped: Promise<void> | undefined;
  return {
    meterProvider,
    meter: meterProvider.getMeter(SDK_METER_NAME),
    monitor,
    url: server?.url,
    config,
    trackTask: (name, fn) => tasks.trackTask(name, fn),
    startTimer: (name) => tasks.startTimer(name),
    registerQueue,
    shutdown() {
      stopped ??= runCleanups(cleanups).finally(() => {
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
  return [
    { instrumentName: 'aiva.*', aggregationCardinalityLimit: config.cardinalityLimit },
    ...(config.hostMetrics ? hostMetricViews({ perCpu: config.hostMetrics.perCpu }) : []),
  ];
}

/** Enough samples for the retention period, capped so the history stays a few MB. */
function historyLimit(config: ResolvedSdkConfig): number {
  const samples = (config.monitor.retentionDays * 86_400_000) / config.monitor.intervalMillis;
  return Math.max(1, Math.min(10_000, Math.floor(samples)));
}

async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      diag.error('aiva-performance: error during shutdown', error);
    }
  }
}
