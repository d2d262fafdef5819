import { describe, expect, it, vi } from 'vitest';
import { scaledUp, throttledDown } from '../../src/alerts/actions.js';
import type { AlertActionTargets } from '../../src/alerts/types.js';
import { harness } from './helpers.js';

function pool(workers: number, minWorkers = 1, maxWorkers = 8) {
  const state = { workers };
  const p = {
    minWorkers,
    maxWorkers,
    stats: () => ({ workers: state.workers }),
    resize: vi.fn((n: number) => {
      state.workers = n;
    }),
  };
  return { p, state };
}

describe('built-in actions do real work', () => {
  it('scale grows the pool ×1.5 up to maxWorkers; throttle shrinks it down to minWorkers', () => {
    expect(scaledUp(4, 8)).toBe(6);
    expect(scaledUp(6, 8)).toBe(8);
    expect(scaledUp(8, 8)).toBe(8);
    expect(scaledUp(1, undefined)).toBe(1);
    expect(throttledDown(8, 1)).toBe(6);
    expect(throttledDown(2, 1)).toBe(1);
    expect(throttledDown(2, 2)).toBe(2);
    // a pool that does not exist yet (0 workers) is neither grown by throttle nor shrunk by scale
    expect(throttledDown(0, undefined)).toBe(0);
    expect(scaledUp(10, 8)).toBe(10);
  });

  it('clean runs memory.optimize(), scale resizes the pool, once per firing', async () => {
    const memory = { optimize: vi.fn() };
    const { p, state } = pool(4);
    const actions: AlertActionTargets = { memory, pool: p };
    const { engine, host } = harness({ actions });
    engine.addRule({ name: 'Q', metric: 'queue_size', threshold: 10, action: ['scale', 'clean'] });
    host.queue = 100;
    await engine.evaluate();
    await engine.evaluate();
    expect(p.resize).toHaveBeenCalledTimes(1);
    expect(state.workers).toBe(6);
    expect(memory.optimize).toHaveBeenCalledTimes(1);
    await engine.shutdown();
  });

  it('throttle shrinks the pool; warn/critical log at that level; a failing action is logged', async () => {
    const { p, state } = pool(8);
    const { engine, host, logger } = harness({ actions: { pool: p } });
    engine.addRule({
      name: 'Cpu',
      metric: 'cpu_percent',
      threshold: { warning: 50, critical: 80 },
      action: {
        warning: 'warn',
        critical: ['throttle', 'critical', () => Promise.reject(new Error('nope'))],
      },
    });
    host.cpuIdle = 0.1;
    await engine.evaluate();
    await Promise.resolve();
    expect(state.workers).toBe(6);
    expect(logger.warn).toHaveBeenCalledWith(
      'alert Cpu firing',
      expect.objectContaining({ severity: 'warning' }),
    );
    expect(logger.error).toHaveBeenCalledWith(
      'alert Cpu firing',
      expect.objectContaining({ severity: 'critical' }),
    );
    expect(logger.error).toHaveBeenCalledWith(
      'alert action failed',
      expect.objectContaining({ error: 'nope' }),
    );
    await engine.shutdown();
  });

  it('actions without a target log a warning instead of throwing', async () => {
    const { engine, host, logger } = harness();
    engine.addRule({ name: 'Q', metric: 'queue_size', threshold: 10, action: ['clean', 'scale'] });
    host.queue = 100;
    await engine.evaluate();
    expect(logger.warn).toHaveBeenCalledWith(
      'alert action clean: no memory manager configured',
      expect.anything(),
    );
    expect(logger.warn).toHaveBeenCalledWith(
      'alert action scale: no worker pool configured',
      expect.anything(),
    );
    await engine.shutdown();
  });
});

describe('monitor façade', () => {
  it('setAlert calls back once per transition and replaces a previous setAlert on that metric', async () => {
    const { engine, host } = harness();
    const first = vi.fn();
    const second = vi.fn();
    engine.setAlert({ metric: 'queue_size', threshold: 10, callback: first });
    engine.setAlert({ metric: 'queue_size', threshold: 20, callback: second });
    expect(engine.rules().map((r) => [r.name, r.threshold])).toEqual([['alert_queue_size', 20]]);
    host.queue = 50;
    await engine.evaluate();
    await engine.evaluate();
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
    expect(second.mock.calls[0]?.[0]).toMatchObject({ name: 'alert_queue_size', value: 50, state: 'firing' });
    await engine.shutdown();
  });

  it('configureAlerts makes one rule per metric; action critical makes it critical; a second call replaces', () => {
    const { engine } = harness();
    engine.configureAlerts({
      cpu_percent: { threshold: 80, action: 'warn' },
      memory_percent: { threshold: 90, action: 'critical' },
      queue_size: { threshold: 1000, action: 'scale' },
    });
    engine.configureAlerts({ cpu_percent: { threshold: 85, action: 'warn' } });
    expect(engine.rules().map((r) => [r.id, r.threshold, r.actions])).toEqual([
      ['memory_percent/critical', 90, ['critical']],
      ['queue_size/warning', 1000, ['scale']],
      ['cpu_percent/warning', 85, ['warn']],
    ]);
  });

  it('defaults load the original thresholds; a user rule with the same name overrides them', () => {
    const { engine } = harness({
      defaults: true,
      rules: [{ name: 'HighCpuUsage', metric: 'cpu_percent', threshold: 99 }],
    });
    const ids = engine.rules().map((r) => `${r.id}=${r.threshold}`);
    expect(ids).toEqual([
      'HighMemoryUsage/warning=80',
      'HighMemoryUsage/critical=95',
      'TaskQueueBacklog/warning=500',
      'TaskQueueBacklog/critical=1000',
      'SlowTasks/warning=2',
      'SlowTasks/critical=5',
      'HighCpuUsage/warning=99',
    ]);
  });
});
