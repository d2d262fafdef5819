import { MetricReader } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../src/alerts/types.js';
import { flattenMetrics } from '../../src/core/query.js';
import { GAUGES_DELTA, harness } from './helpers.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('AlertEngine scheduling and transitions', () => {
  it('goes pending then firing after `for`, then resolved, on its severity interval', async () => {
    const { engine, host } = harness({ intervals: { critical: 1000 } });
    engine.addRule({ name: 'Cpu', metric: 'cpu_percent', threshold: 80, severity: 'critical', for: '3s' });
    const seen: string[] = [];
    for (const ev of ['pending', 'firing', 'resolved'] as const)
      engine.on(ev, (a) => seen.push(`${ev}@${Date.now()}:${a.state}`));
    engine.start();
    host.cpuIdle = 0.05; // 95 %
    await vi.advanceTimersByTimeAsync(4000);
    expect(seen).toEqual(['pending@1000:pending', 'firing@4000:firing']);
    const [alert] = engine.list();
    expect(alert?.value).toBeCloseTo(95, 6);
    expect(alert?.activeAt).toBe(new Date(1000).toISOString());
    host.cpuIdle = 0.9;
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen.at(-1)).toBe('resolved@5000:inactive');
    expect(engine.list()[0]?.resolvedAt).toBe(new Date(5000).toISOString());
    await engine.shutdown();
  });

  it('on the timer: flapping before `for`, keepFiringFor across a dip, resolve, nodata, re-pending', async () => {
    const { engine, host, collect } = harness({ intervals: { critical: 1000 } });
    engine.addRule({
      name: 'Cpu',
      metric: 'cpu_percent',
      threshold: 80,
      severity: 'critical',
      for: '2s',
      keepFiringFor: '3s',
    });
    const seen: string[] = [];
    for (const ev of ['pending', 'firing', 'resolved', 'nodata'] as const) {
      engine.on(ev, () => seen.push(`${ev}@${Date.now() / 1000}`));
    }
    // idle share per second: 0.05 = 95 % busy (breach), 0.95 = 5 % busy, 'down' = the reader fails (no data).
    // (Once observed, the SDK keeps reporting a gauge's last value, so "no data" here is a failed collection.)
    const script = [0.05, 0.95, 0.05, 0.05, 0.05, 0.95, 0.05, 0.95, 0.95, 0.95, 'down', 0.05] as const;
    engine.start();
    for (const idle of script) {
      if (idle === 'down') collect.mockRejectedValueOnce(new Error('reader down'));
      else host.cpuIdle = idle;
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(seen).toEqual([
      'pending@1', // breach, dropped silently at 2 (flap before `for`)
      'pending@3',
      'firing@5', // held 2 s at every evaluation
      // the dips at 6 and 8 are covered by keepFiringFor (last true at 7)
      'resolved@10',
      'nodata@11',
      'pending@12',
    ]);
    await engine.shutdown();
  });

  it('evaluates each severity on its own interval and shares one collect() per tick', async () => {
    const { engine, collect } = harness({ intervals: { critical: 1000, warning: 5000, normal: 30_000 } });
    engine.addRule({ name: 'Crit', metric: 'cpu_percent', threshold: 99, severity: 'critical' });
    engine.addRule({ name: 'Warn', metric: 'queue_size', threshold: 99, severity: 'warning' });
    const evaluated: Record<string, number> = { Crit: 0, Warn: 0 };
    engine.start();
    for (let t = 1; t <= 10; t++) {
      await vi.advanceTimersByTimeAsync(1000);
      for (const a of engine.list())
        if (a.lastEvaluatedAt === new Date(t * 1000).toISOString()) evaluated[a.name]! += 1;
    }
    expect(evaluated).toEqual({ Crit: 10, Warn: 2 });
    expect(collect).toHaveBeenCalledTimes(10); // at 5 s and 10 s both severities share one collection
    await engine.shutdown();
  });

  it('a slow collect() makes later ticks skip instead of piling up rounds', async () => {
    const { engine, reader, collect } = harness({ intervals: { critical: 1000 } });
    engine.addRule({ name: 'Crit', metric: 'cpu_percent', threshold: 99, severity: 'critical' });
    let release: () => void = () => {};
    collect.mockImplementationOnce(async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      return MetricReader.prototype.collect.call(reader);
    });
    engine.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(collect).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(collect).toHaveBeenCalledTimes(2);
    expect(engine.list()[0]?.lastEvaluatedAt).toBe(new Date(6000).toISOString());
    await engine.shutdown();
  });

  it('setIntervals changes the cadence from now on', async () => {
    const { engine, collect } = harness({ intervals: { critical: 1000 } });
    engine.addRule({ name: 'Crit', metric: 'cpu_percent', threshold: 99, severity: 'critical' });
    engine.start();
    await vi.advanceTimersByTimeAsync(3000);
    expect(collect).toHaveBeenCalledTimes(3);
    engine.setIntervals({ critical: 10_000 });
    await vi.advanceTimersByTimeAsync(9000);
    expect(collect).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(collect).toHaveBeenCalledTimes(4);
    await engine.shutdown();
  });

  it('runs an action once per transition to firing, not on every evaluation', async () => {
    const action = vi.fn();
    const { engine, host } = harness({ intervals: { warning: 1000 } });
    engine.addRule({ name: 'Q', metric: 'queue_size', threshold: 10, action });
    engine.start();
    host.queue = 50;
    await vi.advanceTimersByTimeAsync(5000);
    expect(action).toHaveBeenCalledTimes(1);
    expect((action.mock.calls[0]?.[0] as Alert | undefined)?.state).toBe('firing');
    host.queue = 0;
    await vi.advanceTimersByTimeAsync(1000);
    host.queue = 50;
    await vi.advanceTimersByTimeAsync(3000);
    expect(action).toHaveBeenCalledTimes(2);
    await engine.shutdown();
  });

  it('reports nodata for a missing metric, and NaN never fires', async () => {
    const { engine, host, logger } = harness();
    host.queue = undefined;
    engine.addRule({ name: 'Q', metric: 'queue_size', threshold: 10 });
    engine.addRule({ name: 'N', metric: 'cpu_percent', threshold: 0, transform: () => Number.NaN, op: '!=' });
    const nodata = vi.fn();
    engine.on('nodata', nodata);
    await engine.evaluate();
    await engine.evaluate();
    expect(nodata).toHaveBeenCalledTimes(1);
    const byName = Object.fromEntries(engine.list().map((a) => [a.name, a]));
    expect(byName.Q?.state).toBe('nodata');
    expect(byName.Q?.value).toBeNull();
    expect(byName.N?.state).toBe('inactive');
    expect(logger.warn).toHaveBeenCalledWith(
      'alert Q has no data',
      expect.objectContaining({ rule: 'Q/warning' }),
    );
    await engine.shutdown();
  });

  it('a gauge that stops being observed is nodata with a delta-gauge reader (cumulative keeps its last value)', async () => {
    for (const [readerOptions, expected] of [
      [GAUGES_DELTA, 'nodata'],
      [undefined, 'firing'], // sdk-metrics 2.12, cumulative: the stale 100 is reported forever
    ] as const) {
      const { engine, host } = harness({}, readerOptions);
      engine.addRule({ name: 'Q', metric: 'queue_size', threshold: 10 });
      host.queue = 100;
      await engine.evaluate();
      expect(engine.list()[0]?.state).toBe('firing');
      host.queue = undefined; // queue unregistered
      await engine.evaluate();
      expect(engine.list()[0]?.state).toBe(expected);
      await engine.shutdown();
    }
  });

  it('a collect() that rejects is no data, not "fine"', async () => {
    const { engine, reader } = harness();
    engine.addRule({ name: 'Cpu', metric: 'cpu_percent', threshold: 80 });
    vi.spyOn(reader, 'collect').mockRejectedValueOnce(new Error('reader down'));
    await engine.evaluate();
    expect(engine.list()[0]?.state).toBe('nodata');
    await engine.shutdown();
  });

  it('a listener or a transform that throws does not stop evaluation', async () => {
    const { engine, host, logger } = harness();
    host.queue = 100;
    engine.addRule({
      name: 'Bad',
      metric: 'queue_size',
      threshold: 1,
      transform: () => {
        throw new Error('boom');
      },
    });
    engine.addRule({ name: 'Good', metric: 'queue_size', threshold: 1 });
    engine.on('firing', () => {
      throw new Error('listener');
    });
    await engine.evaluate();
    const byName = Object.fromEntries(engine.list().map((a) => [a.name, a.state]));
    expect(byName).toEqual({ Bad: 'inactive', Good: 'firing' });
    expect(logger.error).toHaveBeenCalledWith('alert listener threw', expect.anything());
    await engine.shutdown();
  });

  it('exposes alerts as data: aiva.alerts.active, evaluations and duration', async () => {
    const { engine, host, reader } = harness();
    host.queue = 100;
    engine.addRule({ name: 'Q', metric: 'queue_size', threshold: { warning: 10, critical: 1000 } });
    await engine.evaluate();
    const snap = flattenMetrics(await reader.collect());
    const active = snap.select('aiva.alerts.active');
    expect(active.map((s) => s.attributes)).toEqual([
      { alertname: 'Q', severity: 'warning', alertstate: 'firing' },
    ]);
    const evals = snap.select('aiva.alerts.evaluations', { outcome: 'ok' });
    expect(evals.reduce((a, s) => a + s.value, 0)).toBe(2);
    expect(snap.select('aiva.alerts.evaluation.duration')[0]?.value).toBe(1);
    host.queue = 0; // resolved: the firing series drops to 0 (not left at a stale 1, not silently kept)
    await engine.evaluate();
    const after = flattenMetrics(await reader.collect()).select('aiva.alerts.active');
    expect(after.map((s) => [s.attributes.alertstate, s.value])).toEqual([['firing', 0]]);
    host.queue = 100;
    await engine.evaluate();
    await engine.shutdown(); // after shutdown there are no alerts
    const closed = flattenMetrics(await reader.collect()).select('aiva.alerts.active');
    expect(closed.map((s) => s.value)).toEqual([0]);
  });

  it('status() is JSON for GET /alerts', async () => {
    const { engine, host } = harness();
    host.queue = 100;
    engine.addRule({
      name: 'Q',
      metric: 'queue_size',
      threshold: 10,
      annotations: { summary: '{{value}} > {{threshold}} on {{labels.service}}' },
    });
    await engine.evaluate();
    const json = JSON.parse(JSON.stringify(engine.status()));
    expect(json.service).toBe('svc');
    expect(json.alerts[0]).toMatchObject({
      name: 'Q',
      state: 'firing',
      value: 100,
      labels: { alertname: 'Q', severity: 'warning', service: 'svc' },
      annotations: { summary: '100.00 > 10 on svc' },
    });
    await engine.shutdown();
  });

  it('shutdown stops the timers and later evaluate() rejects', async () => {
    const { engine, collect } = harness({ intervals: { critical: 1000 } });
    engine.addRule({ name: 'Crit', metric: 'cpu_percent', threshold: 99, severity: 'critical' });
    engine.start();
    await engine.shutdown();
    await vi.advanceTimersByTimeAsync(5000);
    expect(collect).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    await expect(engine.evaluate()).rejects.toThrow('AlertEngine was shut down');
  });
});
