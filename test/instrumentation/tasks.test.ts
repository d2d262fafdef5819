import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flattenMetrics, type MetricSnapshot } from '../../src/core/query.js';
import { registerQueue, TaskRecorder } from '../../src/instrumentation/tasks.js';
import { InProcessMetricReader } from '../../src/sdk/in-process-reader.js';

let reader: InProcessMetricReader;
let provider: MeterProvider;
let tasks: TaskRecorder;

beforeEach(() => {
  reader = new InProcessMetricReader({ cardinalityLimit: 100 });
  provider = new MeterProvider({ readers: [reader] });
  tasks = new TaskRecorder(provider);
});
afterEach(() => provider.shutdown());

async function snapshot(): Promise<MetricSnapshot> {
  return flattenMetrics(await reader.collect());
}

function countOf(snap: MetricSnapshot, task: string, outcome: string): number {
  return snap
    .select('aiva.task.duration', { 'aiva.task.name': task, 'aiva.task.outcome': outcome })
    .reduce((n, s) => n + s.value, 0);
}

describe('trackTask', () => {
  it('records sync and async successes as outcome ok and passes the value through', async () => {
    expect(tasks.trackTask('sync', () => 41 + 1)).toBe(42);
    await expect(tasks.trackTask('async', async () => 'done')).resolves.toBe('done');
    const snap = await snapshot();
    expect(countOf(snap, 'sync', 'ok')).toBe(1);
    expect(countOf(snap, 'async', 'ok')).toBe(1);
  });

  it('records throws and rejections as outcome error and rethrows the same error', async () => {
    const boom = new Error('boom');
    expect(() =>
      tasks.trackTask('sync_fail', () => {
        throw boom;
      }),
    ).toThrow(boom);
    await expect(tasks.trackTask('async_fail', async () => Promise.reject(boom))).rejects.toBe(boom);
    const snap = await snapshot();
    expect(countOf(snap, 'sync_fail', 'error')).toBe(1);
    expect(countOf(snap, 'async_fail', 'error')).toBe(1);
    expect(countOf(snap, 'sync_fail', 'ok')).toBe(0);
  });

  it('records the duration in seconds into explicit second buckets', async () => {
    await tasks.trackTask('slow', () => new Promise((resolve) => setTimeout(resolve, 30)));
    const [series] = (await snapshot()).select('aiva.task.duration', { 'aiva.task.name': 'slow' });
    expect(series?.histogram?.sum).toBeGreaterThanOrEqual(0.025);
    expect(series?.histogram?.sum).toBeLessThan(5);
    expect(series?.histogram?.boundaries).toContain(2);
    expect(series?.histogram?.boundaries).toContain(5);
  });

  it('counts active tasks while they run', async () => {
    let release!: () => void;
    const running = tasks.trackTask('held', () => new Promise<void>((resolve) => (release = resolve)));
    const during = (await snapshot()).select('aiva.task.active', { 'aiva.task.name': 'held' });
    expect(during[0]?.value).toBe(1);
    release();
    await running;
    const after = (await snapshot()).select('aiva.task.active', { 'aiva.task.name': 'held' });
    expect(after[0]?.value).toBe(0);
  });

  it('rejects an empty name and a non-function with a TypeError naming them', () => {
    expect(() => tasks.trackTask('', () => 1)).toThrow(/task name must be a non-empty string/);
    expect(() => tasks.trackTask('x', 5 as unknown as () => number)).toThrow(/fn must be a function/);
  });
});

describe('startTimer', () => {
  it('records once with the given outcome; a second end() records nothing and returns the same seconds', async () => {
    const end = tasks.startTimer('timed');
    const first = end('timeout');
    expect(end('ok')).toBe(first);
    const snap = await snapshot();
    expect(countOf(snap, 'timed', 'timeout')).toBe(1);
    expect(countOf(snap, 'timed', 'ok')).toBe(0);
  });
});

describe('registerQueue', () => {
  it('exports each queue size at collection time, and 0 after unregister (not a stale size)', async () => {
    const jobs = [1, 2, 3];
    const unregister = registerQueue('jobs', () => jobs.length);
    const broken = registerQueue('broken', () => {
      throw new Error('size failed');
    });
    try {
      expect((await snapshot()).select('aiva.task.queue.size', { 'aiva.queue.name': 'jobs' })[0]?.value).toBe(
        3,
      );
      jobs.push(4);
      expect((await snapshot()).select('aiva.task.queue.size', { 'aiva.queue.name': 'jobs' })[0]?.value).toBe(
        4,
      );
      expect((await snapshot()).select('aiva.task.queue.size', { 'aiva.queue.name': 'broken' })).toHaveLength(
        0,
      );
    } finally {
      unregister();
      broken();
    }
    expect((await snapshot()).select('aiva.task.queue.size', { 'aiva.queue.name': 'jobs' })[0]?.value).toBe(
      0,
    );
  });

  it('refuses a duplicate name and bad arguments', () => {
    const unregister = registerQueue('dup', () => 0);
    try {
      expect(() => registerQueue('dup', () => 1)).toThrow(/already registered/);
    } finally {
      unregister();
    }
    expect(() => registerQueue('', () => 0)).toThrow(/name must be a non-empty string/);
    expect(() => registerQueue('q', 3 as unknown as () => number)).toThrow(/size must be a function/);
  });
});
