import type { Alert, AlertAction, AlertActionTargets, AlertLogger } from './types.js';

/** New pool size for `'scale'`: ×1.5 (at least +1), capped at `maxWorkers` (no growth when unknown); never shrinks. */
export function scaledUp(workers: number, maxWorkers: number | undefined): number {
  const max = maxWorkers ?? workers;
  return Math.max(workers, Math.min(max, workers + Math.max(1, Math.ceil(workers / 2))));
}

/** New pool size for `'throttle'`: ×0.75 (at least −1), not below `minWorkers` (default 1); never grows. */
export function throttledDown(workers: number, minWorkers: number | undefined): number {
  const min = Math.max(1, minWorkers ?? 1);
  return Math.min(workers, Math.max(min, workers - Math.max(1, Math.floor(workers / 4))));
}

/**
 * Runs a rule's actions for one transition to firing. An action that throws
 * or rejects is logged and does not stop the others; returns how many failed
 * synchronously (rejections are logged when they happen).
 */
export function runActions(
  actions: readonly AlertAction[],
  alert: Alert,
  targets: AlertActionTargets,
  logger: AlertLogger,
): number {
  let failed = 0;
  for (const action of actions) {
    try {
      const result = runOne(action, alert, targets, logger);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<unknown>).then(undefined, (error: unknown) =>
          logFailure(logger, alert, action, error),
        );
      }
    } catch (error) {
      failed++;
      logFailure(logger, alert, action, error);
    }
  }
  return failed;
}

function logFailure(logger: AlertLogger, alert: Alert, action: AlertAction, error: unknown): void {
  logger.error('alert action failed', {
    alertname: alert.name,
    severity: alert.severity,
    action: typeof action === 'function' ? action.name || 'function' : action,
    error: error instanceof Error ? error.message : String(error),
  });
}

function runOne(
  action: AlertAction,
  alert: Alert,
  targets: AlertActionTargets,
  logger: AlertLogger,
): unknown {
  const fields = {
    alertname: alert.name,
    severity: alert.severity,
    value: alert.value,
    threshold: alert.threshold,
  };
  if (typeof action === 'function') return action(alert);
  switch (action) {
    case 'none':
      return undefined;
    case 'warn':
      return logger.warn(`alert ${alert.name} firing`, fields);
    case 'critical':
      return logger.error(`alert ${alert.name} firing`, fields);
    case 'clean': {
      if (!targets.memory) return logger.warn('alert action clean: no memory manager configured', fields);
      return targets.memory.optimize();
    }
    case 'scale':
    case 'throttle': {
      const pool = targets.pool;
      if (!pool) return logger.warn(`alert action ${action}: no worker pool configured`, fields);
      const workers = pool.stats().workers;
      const next =
        action === 'scale' ? scaledUp(workers, pool.maxWorkers) : throttledDown(workers, pool.minWorkers);
      if (next === workers)
        return logger.info(`alert action ${action}: pool already at its bound`, { ...fields, workers });
      logger.info(`alert action ${action}: resizing pool`, { ...fields, from: workers, to: next });
      return pool.resize(next);
    }
  }
}
