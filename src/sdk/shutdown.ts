import { diag } from '@opentelemetry/api';
import type { Cleanup } from './components.js';
import type { PushReader } from './readers.js';

/** What `shutdown()` does, in this order, all within `timeoutMillis`. */
export interface ShutdownPlan {
  readonly timeoutMillis: number;
  /** Stops what reads the in-process reader on a timer (the monitor), so nothing collects mid-flush. */
  readonly quiet: Cleanup;
  /**
   * Our push readers: each exports one last time *before* any producer stops, so the last export
   * holds every metric family — host and runtime readings included, whatever the temporality.
   */
  readonly push: readonly PushReader[];
  /** Everything else that started (components, producers, server, global registration), undone in reverse. */
  readonly cleanups: Cleanup[];
  /** Our own MeterProvider, shut last; `undefined` when the app owns the provider (NodeSDK). */
  readonly provider: { shutdown(): Promise<void> } | undefined;
}

/**
 * Runs the plan and resolves by its deadline whatever the collector does (an unreachable one would
 * otherwise hold the exporter's retries for ~10 s). Says once, through the diag logger, what it could
 * not flush. Later steps still run after a step overruns: timers must stop for the process to exit.
 */
export async function shutdownWithin(plan: ShutdownPlan): Promise<void> {
  const deadline = Date.now() + plan.timeoutMillis;
  let overran = false;
  const step = async (run: () => Promise<unknown>): Promise<void> => {
    const finished = await settlesBy(guard(run), deadline);
    if (!finished) overran = true;
  };
  await step(async () => plan.quiet());
  await step(() => Promise.all(plan.push.map(({ reader }) => reader.finalExport())));
  await step(() => runCleanups(plan.cleanups));
  if (plan.provider) {
    const provider = plan.provider;
    await step(() => provider.shutdown());
  }
  const undelivered = plan.push
    .map(({ exporter }) => exporter.undelivered())
    .filter((what): what is string => what !== undefined);
  if (undelivered.length > 0 || overran) {
    const what = undelivered.length > 0 ? undelivered.join('; ') : 'stopping the SDK took too long';
    diag.warn(
      `aiva-performance: shutdown() could not flush${overran ? ` within shutdownTimeoutMillis (${plan.timeoutMillis} ms)` : ''}: ${what}`,
    );
  }
}

/** Undo steps in reverse; one failing does not stop the others. Shared by a failed start. */
export async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      diag.error('aiva-performance: error during shutdown', error);
    }
  }
}

async function guard(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    diag.error('aiva-performance: error during shutdown', error);
  }
}

/** `true` when `work` settles before `deadline`. The timer stays ref'd: unref'd, a script awaiting a stuck step would exit mid-shutdown. */
function settlesBy(work: Promise<void>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([work.then(() => true), expired]).finally(() => clearTimeout(timer));
}
