import { describe, expect, it } from 'vitest';
import { evaluateRuleValue, normalizeRule } from '../../src/alerts/rules.js';
import type { AlertRuleInput } from '../../src/alerts/types.js';
import { RangeMemory } from '../../src/alerts/window.js';
import { flattenMetrics, MetricSnapshot, type Series } from '../../src/core/query.js';
import { testProvider } from './helpers.js';

const compile = (input: Partial<AlertRuleInput>) =>
  normalizeRule({ name: 'R', metric: 'm', threshold: 0, ...input })[0]!;

describe('friendly metrics on real instruments', () => {
  it('memory_percent, memory_used_mb, swap_percent (0 without swap), load_average_1m, cpu_percent over per-CPU series', async () => {
    const { provider, reader } = testProvider();
    const meter = provider.getMeter('host');
    const GiB = 2 ** 30;
    meter.createObservableUpDownCounter('system.memory.limit').addCallback((r) => r.observe(8 * GiB));
    meter
      .createObservableUpDownCounter('system.memory.linux.available')
      .addCallback((r) => r.observe(2 * GiB));
    meter.createObservableUpDownCounter('system.paging.usage').addCallback((r) => {
      r.observe(0, { 'system.paging.state': 'used' });
      r.observe(0, { 'system.paging.state': 'free' });
    });
    meter.createObservableGauge('system.cpu.load_average.1m').addCallback((r) => r.observe(3.5));
    meter.createObservableGauge('system.cpu.utilization').addCallback((r) => {
      r.observe(0.2, { 'cpu.mode': 'idle', 'cpu.logical_number': 0 });
      r.observe(0.4, { 'cpu.mode': 'idle', 'cpu.logical_number': 1 });
      r.observe(0.8, { 'cpu.mode': 'user', 'cpu.logical_number': 0 });
    });
    const snap = flattenMetrics(await reader.collect());
    const value = (metric: string) =>
      evaluateRuleValue(compile({ metric }), { snap, nowMs: 0, memory: new RangeMemory(1) });
    expect(value('memory_percent')).toBe(75);
    expect(value('memory_used_mb')).toBe(6144);
    expect(value('swap_percent')).toBe(0);
    expect(value('load_average_1m')).toBe(3.5);
    expect(value('cpu_percent')).toBeCloseTo(70, 10);
    expect(value('queue_size')).toBeUndefined();
    expect(value('response_time')).toBeUndefined();
    await provider.shutdown();
  });

  it('response_time is the windowed p95 and error_rate the failed share, over the range', async () => {
    const { provider, reader } = testProvider();
    const hist = provider
      .getMeter('tasks')
      .createHistogram('aiva.task.duration', { advice: { explicitBucketBoundaries: [0.5, 1, 2, 5, 10] } });
    const ok = { 'aiva.task.name': 'scan', 'aiva.task.outcome': 'ok' };
    const err = { 'aiva.task.name': 'scan', 'aiva.task.outcome': 'error' };
    for (let i = 0; i < 100; i++) hist.record(0.1, ok);
    const rt = compile({ metric: 'response_time', rangeMillis: 60_000 });
    const er = compile({ metric: 'error_rate', rangeMillis: 60_000 });
    const rtMem = new RangeMemory(rt.rangeMillis);
    const erMem = new RangeMemory(er.rangeMillis);
    const at = async (nowMs: number) => {
      const snap = flattenMetrics(await reader.collect());
      return [
        evaluateRuleValue(rt, { snap, nowMs, memory: rtMem }),
        evaluateRuleValue(er, { snap, nowMs, memory: erMem }),
      ];
    };
    const [p95a, erra] = await at(0);
    expect(p95a).toBeCloseTo(0.475, 10); // since start: all fast
    expect(erra).toBe(0);
    await at(30_000);
    for (let i = 0; i < 10; i++) hist.record(3, err);
    const [p95b] = await at(61_000);
    // window is [0 s baseline → 61 s]: 100 fast + 10 slow tasks
    expect(p95b).toBeGreaterThan(2);
    for (let i = 0; i < 30; i++) hist.record(3, ok);
    const [p95c, errc] = await at(92_000); // baseline is the 30 s sample: 40 slow tasks, 10 failed
    expect(p95c).toBeCloseTo(2 + 3 * 0.95, 10);
    expect(errc).toBe(0.25);
    await provider.shutdown();
  });
});

const counter = (value: number, startTimeMs: number, endTimeMs: number): Series => ({
  name: 'c',
  type: 'sum',
  monotonic: true,
  attributes: {},
  value,
  startTimeMs,
  endTimeMs,
});
const snapOf = (s: Series) => new MetricSnapshot(new Map([['c', [s]]]), s.endTimeMs);

describe('generic aggregates in rules', () => {
  it('rate survives a counter reset', () => {
    const rule = compile({ metric: 'c', aggregate: 'rate', rangeMillis: 10_000 });
    const memory = new RangeMemory(rule.rangeMillis);
    const v = (s: Series) => evaluateRuleValue(rule, { snap: snapOf(s), nowMs: s.endTimeMs, memory });
    expect(v(counter(100, 0, 10_000))).toBe(10);
    expect(v(counter(200, 0, 20_000))).toBe(10);
    // process restarted at 25 s: counter back to 50 by 30 s
    expect(v(counter(50, 25_000, 30_000))).toBe(10);
    expect(v(counter(150, 25_000, 40_000))).toBe(10);
  });

  it('ratio of two selections, and sum/min/max/count with where', () => {
    const snap = new MetricSnapshot(
      new Map([
        [
          'g',
          [
            { ...counter(2, 0, 1), name: 'g', type: 'gauge', monotonic: false, attributes: { k: 'a' } },
            { ...counter(6, 0, 1), name: 'g', type: 'gauge', monotonic: false, attributes: { k: 'b' } },
          ],
        ],
      ]),
      1,
    );
    const v = (input: Partial<AlertRuleInput>) =>
      evaluateRuleValue(compile({ metric: 'g', ...input }), { snap, nowMs: 1, memory: new RangeMemory(1) });
    expect(v({ aggregate: 'sum' })).toBe(8);
    expect(v({ aggregate: 'min' })).toBe(2);
    expect(v({ aggregate: 'max', where: { k: 'a' } })).toBe(2);
    expect(v({ aggregate: 'count' })).toBe(2);
    expect(v({ aggregate: 'count', where: { k: 'z' } })).toBe(0);
    expect(v({ metric: 'absent', aggregate: 'count' })).toBeUndefined();
    expect(v({ aggregate: 'ratio', ratioOf: 'sum', where: { k: 'a' }, denominator: {} })).toBe(0.25);
    expect(v({ aggregate: 'avg', transform: (x) => x * 10 })).toBe(40);
  });
});
