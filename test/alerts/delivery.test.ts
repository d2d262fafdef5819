import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type DeliveryOptions, DeliveryQueue } from '../../src/alerts/delivery.js';
import type { AlertNotification, Notifier } from '../../src/alerts/types.js';
import { fakeLogger, harness } from './helpers.js';

const OPTS: DeliveryOptions = {
  maxQueue: 5,
  maxRetries: 2,
  backoffMillis: 100,
  timeoutMillis: 1000,
  maxBatch: 10,
};
const note = (id: string): AlertNotification =>
  ({ status: 'firing', alert: { id, name: id } }) as unknown as AlertNotification;

function queue(send: Notifier['send'], options: Partial<DeliveryOptions> = {}) {
  const counts: Record<string, number> = {};
  const q = new DeliveryQueue(
    { name: 'n', send },
    { ...OPTS, ...options },
    (_n, outcome, n) => {
      counts[outcome] = (counts[outcome] ?? 0) + n;
    },
    fakeLogger(),
  );
  return { q, counts };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DeliveryQueue', () => {
  it('delivers and counts success', async () => {
    const send = vi.fn(async () => {});
    const { q, counts } = queue(send);
    q.enqueue([note('a'), note('b')]);
    await vi.advanceTimersByTimeAsync(0);
    expect(send).toHaveBeenCalledTimes(1);
    expect(counts).toEqual({ success: 2 });
  });

  it('retries a throwing notifier with exponential backoff, then counts the failure', async () => {
    const calls: number[] = [];
    const send = vi.fn(async () => {
      calls.push(Date.now());
      throw new Error('500');
    });
    const { q, counts } = queue(send);
    q.enqueue([note('a')]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toEqual([0, 100, 300]);
    expect(counts).toEqual({ failure: 1 });
  });

  it('a notifier that recovers on retry counts as success', async () => {
    let n = 0;
    const { q, counts } = queue(async () => {
      if (n++ === 0) throw new Error('503');
    });
    q.enqueue([note('a')]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(counts).toEqual({ success: 1 });
  });

  it('a hanging notifier is timed out and aborted', async () => {
    const signals: AbortSignal[] = [];
    const { q, counts } = queue(
      (_b, signal) => {
        signals.push(signal);
        return new Promise(() => {});
      },
      { maxRetries: 0 },
    );
    q.enqueue([note('a')]);
    await vi.advanceTimersByTimeAsync(999);
    expect(counts).toEqual({});
    await vi.advanceTimersByTimeAsync(1);
    expect(counts).toEqual({ failure: 1 });
    expect(signals[0]?.aborted).toBe(true);
  });

  it('is bounded: the oldest notifications are dropped and counted', async () => {
    const { q, counts } = queue(() => new Promise(() => {}), { maxRetries: 0, maxQueue: 3, maxBatch: 1 });
    q.enqueue([note('1')]); // taken by the sender at once
    q.enqueue([note('2'), note('3'), note('4'), note('5'), note('6')]);
    expect(q.pending).toBe(3);
    expect(counts).toEqual({ dropped: 2 });
  });

  it('close() waits within its bound, then drops what is left', async () => {
    const { q, counts } = queue(() => new Promise(() => {}), {
      maxRetries: 0,
      maxBatch: 1,
      timeoutMillis: 60_000,
    });
    q.enqueue([note('1'), note('2')]);
    const closing = q.close(500);
    await vi.advanceTimersByTimeAsync(500);
    await closing;
    expect(counts.dropped).toBe(1);
    q.enqueue([note('3')]);
    expect(counts.dropped).toBe(2);
  });
});

describe('notifiers inside the engine', () => {
  it('a throwing or hanging notifier never stops evaluation or the other notifiers; failures are counted', async () => {
    const good = vi.fn(async (_batch: readonly AlertNotification[]) => {});
    const { engine, host } = harness({
      notifiers: [
        {
          name: 'throws',
          send: async () => {
            throw new Error('down');
          },
        },
        { name: 'hangs', send: () => new Promise(() => {}) },
        { name: 'good', send: good },
      ],
      delivery: { maxRetries: 1, backoffMillis: 10, timeoutMillis: 100 },
    });
    host.queue = 100;
    engine.addRule({ name: 'Q', metric: 'queue_size', threshold: 10 });
    await engine.evaluate();
    expect(engine.list()[0]?.state).toBe('firing');
    await vi.advanceTimersByTimeAsync(0);
    expect(good).toHaveBeenCalledTimes(1);
    host.queue = 0;
    await engine.evaluate();
    expect(engine.list()[0]?.state).toBe('inactive');
    await vi.advanceTimersByTimeAsync(1000);
    expect(good).toHaveBeenCalledTimes(2);
    expect(good.mock.calls[1]?.[0]).toEqual([expect.objectContaining({ status: 'resolved' })]);
    await engine.shutdown();
  });

  it('counts notification outcomes in aiva.alerts.notifications', async () => {
    const { engine, host, reader } = harness({
      notifiers: [
        {
          name: 'throws',
          send: async () => {
            throw new Error('down');
          },
        },
      ],
      delivery: { maxRetries: 0 },
    });
    host.queue = 100;
    engine.addRule({ name: 'Q', metric: 'queue_size', threshold: 10 });
    await engine.evaluate();
    await vi.advanceTimersByTimeAsync(0);
    const { flattenMetrics } = await import('../../src/core/query.js');
    const snap = flattenMetrics(await reader.collect());
    expect(snap.select('aiva.alerts.notifications').map((s) => [s.attributes, s.value])).toEqual([
      [{ notifier: 'throws', outcome: 'failure' }, 1],
    ]);
    await engine.shutdown();
  });

  it('re-sends firing alerts to notifiers with a resend delay', async () => {
    const send = vi.fn(async () => {});
    const { engine, host } = harness({
      intervals: { warning: 1000 },
      notifiers: [{ name: 'am', resendDelayMillis: 3000, send }],
    });
    host.queue = 100;
    engine.addRule({ name: 'Q', metric: 'queue_size', threshold: 10 });
    engine.start();
    await vi.advanceTimersByTimeAsync(7000);
    // fired at 1 s, re-sent at 4 s and 7 s
    expect(send).toHaveBeenCalledTimes(3);
    await engine.shutdown();
  });

  it('removing (or replacing) a firing rule sends it as resolved, so Alertmanager is not left with a ghost', async () => {
    const send = vi.fn(async (_batch: readonly AlertNotification[]) => {});
    const { engine, host } = harness({ notifiers: [{ name: 'am', resendDelayMillis: 60_000, send }] });
    host.queue = 100;
    engine.setAlert({ metric: 'queue_size', threshold: 10 });
    await engine.evaluate();
    engine.setAlert({ metric: 'queue_size', threshold: 500 }); // replaces the firing rule
    await vi.advanceTimersByTimeAsync(0);
    expect(send.mock.calls.map((c) => c[0].map((n) => n.status))).toEqual([['firing'], ['resolved']]);
    expect(send.mock.calls[1]?.[0][0]?.alert.resolvedAt).toBe(new Date(0).toISOString());
    await engine.shutdown();
  });
});
