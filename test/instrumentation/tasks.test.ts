import { DiagLogLevel, diag } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withLiveSeries } from '../../src/core/live-series.js';
import { flattenMetrics, type MetricSnapshot } from '../../src/core/query.js';
import {
  INVALID_NAME,
  MAX_TASK_NAMES,
  OVERFLOW_TASK_NAME,
  registerQueue,
  TaskRecorder,
} from '../../src/instrumentation/tasks.js';
import { InProcessMetricReader } from '../../src/sdk/in-process-reader.js';
import { TestReader } from './host-helpers.js';

let reader: InProcessMetricReader;
let provider: MeterProvider;
let tasks: TaskRecorder;
/** What the OpenTelemetry diag logger received at warn level. */
let warnings: string[];

beforeEach(() => {
  // The SDK's default limit, so the test sees our name bound rather than the SDK's overflow.
  reader = withLiveSeries(new InProcessMetricReader({ cardinalityLimit: 2000 }));
  provider = new MeterProvider({ readers: [reader] });
  tasks = new TaskRecorder(provider);
  warnings = [];
  const ignore = () => {};
  diag.setLogger(
    {
      warn: (message) => warnings.push(message),
      error: ignore,
      info: ignore,
      debug: ignore,
      verbose: ignore,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
});
afterEach(async () => {
  diag.disable();
  await provider.shutdown();
});

async function snapshot(): Promise<MetricSnapshot> {
  return flattenMetrics(await reader.collect());
}

function countOf(snap: MetricSnapshot, task: string, outcome: string): number {
  return snap
    .select('aiva.task.duration', { 'aiva.task.name': task, 'aiva.task.outcome': outcome })
    .reduce((n, s) => n + s.value, 0);
}

/** The overflow series of an instrument (`otel.metric.overflow: true`, no name). */
function overflowOf(snap: MetricSnapshot, instrument: string, outcome?: string) {
  return snap
    .select(instrument)
    .filter(
      (s) =>
        s.attributes[OVERFLOW_TASK_NAME] === true &&
        (outcome === undefined || s.attributes['aiva.task.outcome'] === outcome),
    );
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

  it('records the duration in seconds; in-process as an exponential histogram', async () => {
    await tasks.trackTask('slow', () => new Promise((resolve) => setTimeout(resolve, 30)));
    const [series] = (await snapshot()).select('aiva.task.duration', { 'aiva.task.name': 'slow' });
    expect(series?.histogram?.sum).toBeGreaterThanOrEqual(0.025);
    expect(series?.histogram?.sum).toBeLessThan(5);
    expect(series?.histogram?.exponential?.count).toBe(1);
  });

  it('advises explicit second buckets with edges at the 2 s and 5 s alert levels (what Prometheus gets)', async () => {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    await new TaskRecorder(provider).trackTask('slow', async () => {});
    const [series] = flattenMetrics(await reader.collect()).select('aiva.task.duration');
    expect(series?.histogram?.boundaries).toContain(2);
    expect(series?.histogram?.boundaries).toContain(5);
    await provider.shutdown();
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

  it('never throws for a bad name: runs fn, records under "invalid", warns once through diag', async () => {
    const long = 'x'.repeat(256);
    expect(tasks.trackTask('', () => 1)).toBe(1);
    expect(tasks.trackTask(42 as unknown as string, () => 2)).toBe(2);
    await expect(tasks.trackTask(long, async () => 3)).resolves.toBe(3);
    const boom = new Error('boom');
    expect(() =>
      tasks.trackTask(undefined as unknown as string, () => {
        throw boom;
      }),
    ).toThrow(boom);
    tasks.startTimer(null as unknown as string)('timeout');
    const snap = await snapshot();
    expect(countOf(snap, INVALID_NAME, 'ok')).toBe(3);
    expect(countOf(snap, INVALID_NAME, 'error')).toBe(1);
    expect(countOf(snap, INVALID_NAME, 'timeout')).toBe(1);
    expect(snap.select('aiva.task.duration', { 'aiva.task.name': long })).toHaveLength(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/task name must be a non-empty string of at most 255 characters, got ""/);
    expect(warnings[0]).toContain('recorded as "invalid"');
  });

  it('accepts a name of exactly 255 characters', async () => {
    const longest = 'y'.repeat(255);
    tasks.trackTask(longest, () => undefined);
    expect(countOf(await snapshot(), longest, 'ok')).toBe(1);
    expect(warnings).toEqual([]);
  });

  it("still refuses an fn that is not a function (the caller's call, not recording, is wrong)", () => {
    expect(() => tasks.trackTask('x', 5 as unknown as () => number)).toThrow(/fn must be a function/);
  });
});

describe('task name bound (past 1,000 names aiva.task.active silently stopped observing new names)', () => {
  it('gives names past the bound one overflow series in both duration and active, and warns once', async () => {
    for (let i = 0; i < MAX_TASK_NAMES; i++) tasks.trackTask(`task_${i}`, () => undefined);
    expect(warnings).toEqual([]);
    let release!: () => void;
    const held = tasks.trackTask('late_held', () => new Promise<void>((resolve) => (release = resolve)));
    tasks.trackTask('late_a', () => undefined);
    tasks.trackTask('late_b', () => undefined);

    const during = await snapshot();
    const activeNames = new Set(during.select('aiva.task.active').map((s) => s.attributes['aiva.task.name']));
    const durationNames = new Set(
      during.select('aiva.task.duration').map((s) => s.attributes['aiva.task.name']),
    );
    // One bound for both: the first MAX_TASK_NAMES names plus the overflow series, nothing else.
    expect(activeNames.size).toBe(MAX_TASK_NAMES + 1);
    expect(durationNames).toEqual(activeNames);
    expect(activeNames.has('late_a')).toBe(false);
    expect(activeNames.has(undefined)).toBe(true); // the overflow series carries no name
    expect(overflowOf(during, 'aiva.task.active')[0]?.value).toBe(1);
    expect(overflowOf(during, 'aiva.task.duration', 'ok')[0]?.value).toBe(2);
    expect(during.select('aiva.task.active', { 'aiva.task.name': 'task_0' })[0]?.value).toBe(0);

    release();
    await held;
    const after = await snapshot();
    expect(overflowOf(after, 'aiva.task.active')[0]?.value).toBe(0);
    expect(overflowOf(after, 'aiva.task.duration', 'ok')[0]?.value).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`more than ${MAX_TASK_NAMES} task names`);
  });

  it('keeps recording a known name after the bound is reached', async () => {
    for (let i = 0; i <= MAX_TASK_NAMES; i++) tasks.trackTask(`task_${i}`, () => undefined);
    tasks.trackTask('task_7', () => undefined);
    expect(countOf(await snapshot(), 'task_7', 'ok')).toBe(2);
  });

  it('exports no overflow or invalid series until one is used', async () => {
    tasks.trackTask('only', () => undefined);
    const names = (await snapshot()).select('aiva.task.active').map((s) => s.attributes['aiva.task.name']);
    expect(names).toEqual(['only']);
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

  it('records an outcome outside the closed set (from untyped code) as error, without throwing', async () => {
    tasks.startTimer('odd')('toString' as never);
    tasks.startTimer('odd')('unknown' as never);
    expect(countOf(await snapshot(), 'odd', 'error')).toBe(2);
  });
});

describe('registerQueue', () => {
  it('exports each queue size at collection time, and nothing after unregister (not a stale size)', async () => {
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
    expect((await snapshot()).select('aiva.task.queue.size', { 'aiva.queue.name': 'jobs' })).toHaveLength(0);
  });

  it('never throws: a duplicate name replaces the earlier size(), the first unregister is then a no-op', async () => {
    const first = registerQueue('dup', () => 1);
    const second = registerQueue('dup', () => 2);
    try {
      first(); // no longer the registered callback: must not remove the second
      expect((await snapshot()).select('aiva.task.queue.size', { 'aiva.queue.name': 'dup' })[0]?.value).toBe(
        2,
      );
    } finally {
      second();
    }
    expect(warnings).toEqual([expect.stringContaining('"dup" was already registered')]);
  });

  it('never throws: a bad name is recorded as "invalid" (warned once), a non-function size registers nothing', async () => {
    const a = registerQueue('', () => 5);
    const b = registerQueue(7 as unknown as string, () => 6);
    const c = registerQueue('q', 3 as unknown as () => number);
    try {
      const snap = await snapshot();
      expect(snap.select('aiva.task.queue.size', { 'aiva.queue.name': INVALID_NAME })[0]?.value).toBe(6);
      expect(snap.select('aiva.task.queue.size', { 'aiva.queue.name': 'q' })).toHaveLength(0);
    } finally {
      a();
      b();
      c();
    }
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/queue name must be a non-empty string .* got ""; recorded as "invalid"/);
    expect(warnings[1]).toMatch(/size must be a function returning a number, got number/);
  });
});
