import type { MeterProvider } from '@opentelemetry/api';
import { AlertEngine } from '../alerts/engine.js';
import type { AlertActionTargets, AlertsOptions } from '../alerts/index.js';
import { ConfigError } from '../core/errors.js';
import { registerQueue } from '../instrumentation/tasks.js';
import { UnifiedMemoryManager } from '../memory/index.js';
import { ParallelProcessor, ProcessorClosedError, type ProcessorOptions } from '../parallel/index.js';
import type { InProcessMetricReader } from './in-process-reader.js';
import type { ResolvedSdkConfig } from './options.js';
import type { MetricsServer } from './server.js';
import { sendJson } from './server.js';

/** The original module's components, wired to the SDK: memory manager, worker pool, alert engine. */
export interface Components {
  readonly memory: UnifiedMemoryManager | undefined;
  /** The pool, created on first call. */
  processor(): ParallelProcessor;
  readonly alerts: AlertEngine | undefined;
}

/** Undo steps of a start, run in reverse; shared by a failed start and by shutdown(). */
export type Cleanup = () => unknown;

/**
 * Creates the components from options resolveConfig has already validated with their full paths
 * (`options.memory.maxMemoryMb`), so a bad option fails the start before anything listens. Each started
 * part is pushed to `cleanups` as it starts, so a failure part-way leaves nothing running.
 */
export function startComponents(
  config: ResolvedSdkConfig,
  meterProvider: MeterProvider,
  reader: InProcessMetricReader,
  server: MetricsServer | undefined,
  cleanups: Cleanup[],
): Components {
  const memory = config.memory ? new UnifiedMemoryManager({ ...config.memory, meterProvider }) : undefined;
  if (memory) cleanups.push(() => memory.close());

  const processorOptions: ProcessorOptions | undefined = config.parallel
    ? { name: 'default', ...config.parallel, meterProvider }
    : undefined;
  let created: ParallelProcessor | undefined;
  let unregisterQueue: (() => void) | undefined;
  let shutDown = false;
  const processor = (): ParallelProcessor => {
    if (!processorOptions)
      throw new ConfigError('options.parallel', 'is false, so perf.processor is unavailable');
    // A pool first touched after shutdown() would never be closed.
    if (shutDown && !created) throw new ProcessorClosedError(processorOptions.name ?? 'default');
    if (!created) {
      const pool = new ParallelProcessor(processorOptions);
      unregisterQueue = registerQueue(`pool:${pool.options.name}`, () => pool.stats().queueSize);
      created = pool;
    }
    return created;
  };
  cleanups.push(async () => {
    shutDown = true;
    unregisterQueue?.();
    await created?.close();
  });

  let alerts: AlertEngine | undefined;
  if (config.alerts) {
    const engine = new AlertEngine({
      ...withGeneratorUrl(config.alerts, server),
      source: reader,
      meterProvider,
      serviceName: config.serviceName,
      actions: actionTargets(memory, processorOptions !== undefined, () => created),
    });
    cleanups.push(() => engine.shutdown());
    server?.route('/alerts', (_request, response) => sendJson(response, 200, engine.status()));
    engine.start();
    alerts = engine;
  }
  return { memory, processor, alerts };
}

/**
 * What alert actions act on. `scale`/`throttle` resize the pool only once the app has created it:
 * growing a pool nobody uses would start threads for nothing.
 */
function actionTargets(
  memory: UnifiedMemoryManager | undefined,
  hasPool: boolean,
  existing: () => ParallelProcessor | undefined,
): AlertActionTargets {
  return {
    memory,
    pool: !hasPool
      ? undefined
      : {
          resize: (workers: number) => existing()?.resize(workers),
          stats: () => ({ workers: existing()?.stats().workers ?? 0 }),
          get minWorkers() {
            return existing()?.options.minWorkers;
          },
          get maxWorkers() {
            return existing()?.options.maxWorkers;
          },
        },
  };
}

/** Alertmanager's "source" link points at this service's own `/alerts` unless the user set one. */
function withGeneratorUrl(options: AlertsOptions, server: MetricsServer | undefined): AlertsOptions {
  if (!options.alertmanager || !server || options.alertmanager.generatorUrl !== undefined) return options;
  return { ...options, alertmanager: { ...options.alertmanager, generatorUrl: `${server.url}/alerts` } };
}
