import type { MeterProvider as ApiMeterProvider, Attributes, Meter } from '@opentelemetry/api';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import type { DataPoint, Histogram } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkerMetricsMerger } from '../../src/parallel/bridge-merge.js';
import { WORKER_CARDINALITY_LIMIT, WorkerMeterProvider } from '../../src/parallel/worker-meter.js';
import { meterFixture, points } from './helpers.js';

/** Runs `record` against a meter of `provider`. */
type Recording = (meter: Meter) => void;

const POOL = {};
/** What a process-mode worker's answer carries: its commit, received by the merger (not merged yet). */
function send(
  merger: WorkerMetricsMerger,
  worker: WorkerMeterProvider,
  id = 1,
  pool: object = POOL,
): boolean {
  const commit = worker.commitRecords();
  if (commit === undefined) return false;
  merger.receivedRecords(pool, id, commit.records, commit.text);
  return true;
}
/** {@link send}, then merged at once (as a job's end does). */
function mergeNow(merger: WorkerMetricsMerger, worker: WorkerMeterProvider, id = 1): void {
  send(merger, worker, id);
  merger.flush();
}

/** Records `flushes` times straight into an SDK and as often through a worker provider (committed each time) + merger into another SDK. */
async function both(record: Recording, flushes = 1) {
  const direct = meterFixture();
  for (let i = 0; i < flushes; i++) record(direct.meterProvider.getMeter('user-task', '2.0.0'));
  const bridged = meterFixture();
  const merger = new WorkerMetricsMerger(bridged.meterProvider);
  const worker = new WorkerMeterProvider();
  const meter = worker.getMeter('user-task', '2.0.0');
  for (let i = 0; i < flushes; i++) {
    record(meter);
    mergeNow(merger, worker);
  }
  return { direct: await direct.collect(), bridged: await bridged.collect(), merger, worker };
}

function sorted(list: DataPoint<unknown>[]): { attributes: Attributes; value: unknown }[] {
  return list
    .map((p) => ({ attributes: p.attributes, value: p.value }))
    .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
}

describe('worker MeterProvider + main-thread merge', () => {
  afterEach(() => diag.disable());

  it('a histogram merges exactly: buckets, count, min, max, and the sum to rounding', async () => {
    const values = Array.from({ length: 5_000 }, (_, i) => ((i * 7919) % 3001) / 7);
    const record: Recording = (meter) => {
      const h = meter.createHistogram('user.size', {
        unit: 'By',
        advice: { explicitBucketBoundaries: [1, 10, 100] },
      });
      for (const [i, v] of values.entries()) h.record(v, { kind: i % 3 === 0 ? 'a' : 'b' });
    };
    const { direct, bridged } = await both(record);
    const want = sorted(points(direct, 'user.size'));
    const got = sorted(points(bridged, 'user.size'));
    expect(got).toHaveLength(2);
    for (const [i, w] of want.entries()) {
      const g = got[i]!;
      expect(g.attributes).toEqual(w.attributes);
      const [gv, wv] = [g.value as Histogram, w.value as Histogram];
      expect(gv.buckets).toEqual(wv.buckets);
      expect(gv.count).toBe(wv.count);
      expect(gv.min).toBe(wv.min);
      expect(gv.max).toBe(wv.max);
      expect(gv.sum).toBeCloseTo(wv.sum!, 6);
    }
  });

  it('histograms without advice use the SDK default boundaries; values on a bucket edge stay in their bucket', async () => {
    const record: Recording = (meter) => {
      const h = meter.createHistogram('user.ms');
      for (let i = 0; i < 30; i++) h.record(i % 2 === 0 ? 5 : 10);
      h.record(0);
      h.record(20_000);
    };
    const { direct, bridged } = await both(record, 3);
    expect((points(bridged, 'user.ms')[0]!.value as Histogram).buckets).toEqual(
      (points(direct, 'user.ms')[0]!.value as Histogram).buckets,
    );
  });

  it('commits queued from several workers and merged in one flush are as exact as one by one', async () => {
    const record = (meter: Meter, round: number): void => {
      const h = meter.createHistogram('user.size', { advice: { explicitBucketBoundaries: [1, 10, 100] } });
      const c = meter.createCounter('user.count');
      const g = meter.createGauge('user.temp');
      for (let i = 0; i < 50; i++) {
        h.record(((i * 37 + round * 11) % 250) / 3, { kind: i % 2 === 0 ? 'a' : 'b' });
        c.add(i % 3, { kind: i % 2 === 0 ? 'a' : 'b' });
      }
      g.record(round, { room: 'r' });
    };
    const direct = meterFixture();
    const queued = meterFixture();
    const merger = new WorkerMetricsMerger(queued.meterProvider);
    const workers = [new WorkerMeterProvider(), new WorkerMeterProvider()];
    for (let round = 0; round < 12; round++) {
      record(direct.meterProvider.getMeter('user-task'), round);
      const worker = workers[round % 2]!;
      record(worker.getMeter('user-task'), round);
      send(merger, worker, (round % 2) + 1);
    }
    expect(points(await queued.collect(), 'user.count')).toEqual([]); // nothing merged before the flush
    merger.flush();
    const [want, got] = [await direct.collect(), await queued.collect()];
    expect(sorted(points(got, 'user.count'))).toEqual(sorted(points(want, 'user.count')));
    expect(sorted(points(got, 'user.temp'))).toEqual(sorted(points(want, 'user.temp')));
    const histograms = (data: typeof want) =>
      sorted(points(data, 'user.size')).map(({ attributes, value }) => {
        const { buckets, count, min, max, sum } = value as Histogram;
        return { attributes, buckets, count, min, max, sum: Math.round(sum! * 1e6) };
      });
    expect(histograms(got)).toEqual(histograms(want));
    expect(histograms(got)).toHaveLength(2);
  });

  it('a received commit merges by itself shortly after', async () => {
    const fixture = meterFixture();
    const merger = new WorkerMetricsMerger(fixture.meterProvider);
    const worker = new WorkerMeterProvider();
    worker.getMeter('user-task').createCounter('user.count').add(5);
    send(merger, worker);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(points(await fixture.collect(), 'user.count').map((p) => p.value)).toEqual([5]);
  });

  it('counters sum, up-down counters net, gauges keep the last value, over several flushes', async () => {
    const record: Recording = (meter) => {
      const c = meter.createCounter('user.count', { description: 'd', unit: '{x}' });
      const u = meter.createUpDownCounter('user.level');
      const g = meter.createGauge('user.temp');
      for (let i = 0; i < 100; i++) {
        c.add(2, { k: String(i % 4) });
        u.add(i % 2 === 0 ? 3 : -1);
        g.record(i, { room: 'r' });
      }
      c.add(-1); // a negative counter increment is dropped (and reported)
    };
    const { direct, bridged } = await both(record, 4);
    for (const name of ['user.count', 'user.level', 'user.temp']) {
      expect(sorted(points(bridged, name))).toEqual(sorted(points(direct, name)));
    }
    expect(sorted(points(bridged, 'user.count')).map((p) => p.value)).toEqual([200, 200, 200, 200]);
    expect(points(bridged, 'user.level')[0]!.value).toBe(400);
    expect(points(bridged, 'user.temp')[0]!.value).toBe(99);
  });

  it('observable counters ship increases, observable gauges the last value; the main thread reports them', async () => {
    const bridged = meterFixture();
    const merger = new WorkerMetricsMerger(bridged.meterProvider);
    const worker = new WorkerMeterProvider();
    const meter = worker.getMeter('user-task');
    let total = 0;
    let temperature = 20;
    meter.createObservableCounter('user.done').addCallback((r) => r.observe(total, { q: 'x' }));
    const g = meter.createObservableGauge('user.heat');
    const u = meter.createObservableUpDownCounter('user.open');
    meter.addBatchObservableCallback(
      (r) => {
        r.observe(g, temperature);
        r.observe(u, total % 7);
      },
      [g, u],
    );
    for (let i = 0; i < 3; i++) {
      total += 10;
      temperature += 1;
      mergeNow(merger, worker);
    }
    const collected = await bridged.collect();
    expect(points(collected, 'user.done')[0]!.value).toBe(30);
    expect(points(collected, 'user.done')[0]!.attributes).toEqual({ q: 'x' });
    expect(points(collected, 'user.heat')[0]!.value).toBe(23);
    expect(points(collected, 'user.open')[0]!.value).toBe(30 % 7);
    // unchanged observations ship nothing
    expect(worker.commitRecords()).toBeUndefined();
  });

  it('keeps the meter name and version, unit and description', async () => {
    const { bridged } = await both((meter) =>
      meter.createCounter('user.count', { description: 'd', unit: '{x}' }).add(1),
    );
    const scope = bridged.scopeMetrics.find((s) => s.scope.name === 'user-task');
    expect(scope?.scope.version).toBe('2.0.0');
    expect(scope?.metrics[0]?.descriptor).toMatchObject({
      name: 'user.count',
      unit: '{x}',
      description: 'd',
    });
  });

  it('bounds attribute sets per instrument in the worker; the rest share the overflow series', async () => {
    const { bridged } = await both((meter) => {
      const c = meter.createCounter('user.wide');
      for (let i = 0; i < WORKER_CARDINALITY_LIMIT + 500; i++) c.add(1, { id: i });
    });
    const list = points(bridged, 'user.wide');
    expect(list.length).toBeLessThanOrEqual(WORKER_CARDINALITY_LIMIT);
    const overflow = list.find((p) => p.attributes['otel.metric.overflow'] === true);
    expect(overflow?.value).toBe(501);
    expect(list.reduce((t, p) => t + (p.value as number), 0)).toBe(WORKER_CARDINALITY_LIMIT + 500);
  });

  it('the main SDK cardinality limit applies to bridged attribute sets too', async () => {
    const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
    class Reader extends MetricReader {
      protected override async onForceFlush(): Promise<void> {}
      protected override async onShutdown(): Promise<void> {}
    }
    const reader = new Reader({ cardinalitySelector: () => 10 });
    const provider: ApiMeterProvider = new MeterProvider({ readers: [reader] });
    const merger = new WorkerMetricsMerger(provider);
    const worker = new WorkerMeterProvider();
    const c = worker.getMeter('m').createCounter('user.wide');
    for (let i = 0; i < 50; i++) c.add(1, { id: i });
    mergeNow(merger, worker);
    const { resourceMetrics } = await reader.collect();
    const list = points(resourceMetrics, 'user.wide');
    expect(list).toHaveLength(10);
    expect(list.reduce((t, p) => t + (p.value as number), 0)).toBe(50);
  });

  it("forwards the worker's diag warnings to the main thread's diag logger, once each", async () => {
    const warn = vi.fn();
    diag.setLogger({ warn, error: warn, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
    await both((meter) => {
      meter.createCounter('user.count').add(-5);
      meter.createHistogram('user.size').record(-1);
    }, 3);
    const messages = warn.mock.calls
      .map((call) => String(call[0]))
      .filter((m) => m.startsWith('pool worker:'));
    expect(messages.filter((m) => m.includes('negative value provided to counter user.count'))).toHaveLength(
      1,
    );
    expect(messages.filter((m) => m.includes('negative value provided to histogram user.size'))).toHaveLength(
      1,
    );
  });

  it('attributes that are not JSON drop the measurement with a warning, never throw', async () => {
    const warn = vi.fn();
    diag.setLogger({ warn, error: warn, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
    const worker = new WorkerMeterProvider();
    const c = worker.getMeter('m').createCounter('user.odd');
    expect(() => c.add(1, { big: 1n } as unknown as Attributes)).not.toThrow();
    c.add(2, { ok: 'yes' });
    const bridged = meterFixture();
    mergeNow(new WorkerMetricsMerger(bridged.meterProvider), worker);
    expect(sorted(points(await bridged.collect(), 'user.odd'))).toEqual([
      { attributes: { ok: 'yes' }, value: 2 },
    ]);
    expect(warn.mock.calls.some((call) => String(call[0]).includes('user.odd cannot be bridged'))).toBe(true);
  });

  it('nothing recorded: commitRecords() returns undefined, so the answer carries nothing', () => {
    const worker = new WorkerMeterProvider();
    worker.getMeter('m').createCounter('c');
    expect(worker.commitRecords()).toBeUndefined();
  });

  it('unreadable commit text is reported, not thrown', () => {
    const warn = vi.fn();
    diag.setLogger({ warn, error: warn, info() {}, debug() {}, verbose() {} }, DiagLogLevel.WARN);
    const merger = new WorkerMetricsMerger(meterFixture().meterProvider);
    expect(() => merger.receivedRecords(POOL, 1, [0, 0, 1, 5], '{not json')).not.toThrow();
    expect(() => merger.receivedRecords(POOL, 2, [0, 0, 1, 5], '12 {not json')).not.toThrow();
    expect(() => merger.flush()).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(2);
  });

  describe('commits: what changed since the previous one, as numbers', () => {
    const histogramOf = (data: Awaited<ReturnType<ReturnType<typeof meterFixture>['collect']>>) =>
      sorted(points(data, 'user.size')).map(({ attributes, value }) => {
        const { buckets, count, min, max, sum } = value as Histogram;
        return { attributes, buckets, count, min, max, sum: Math.round(sum! * 1e6) };
      });

    it('text only announces instruments and attribute sets, once per worker; steady commits are records and parse nothing', async () => {
      const direct = meterFixture();
      const bridged = meterFixture();
      const merger = new WorkerMetricsMerger(bridged.meterProvider);
      const worker = new WorkerMeterProvider();
      const texts: (string | undefined)[] = [];
      const parse = vi.spyOn(JSON, 'parse');
      for (let i = 0; i < 100; i++) {
        for (const meter of [direct.meterProvider.getMeter('t'), worker.getMeter('t')]) {
          meter.createCounter('user.count').add(1, { k: String(i % 3) });
          if (i === 50) meter.createUpDownCounter('user.level').add(-4, { late: 'yes' });
          meter
            .createHistogram('user.size', { advice: { explicitBucketBoundaries: [1, 10, 100] } })
            .record((i * 7) % 150, { k: 'h' });
        }
        const commit = worker.commitRecords()!;
        texts.push(commit.text);
        merger.receivedRecords(POOL, 1, commit.records, commit.text);
        if (i % 10 === 0) merger.flush();
      }
      merger.flush();
      // texts: the first commit (2 instruments, 2 cells), k=1 and k=2's first, the late up-down counter
      expect(texts.map((t, i) => (t === undefined ? -1 : i)).filter((i) => i >= 0)).toEqual([0, 1, 2, 50]);
      // the four texts, and each instrument's descriptor once as it is re-created (3)
      expect(parse).toHaveBeenCalledTimes(4 + 3);
      parse.mockRestore();
      const [want, got] = [await direct.collect(), await bridged.collect()];
      for (const name of ['user.count', 'user.level'])
        expect(sorted(points(got, name))).toEqual(sorted(points(want, name)));
      expect(histogramOf(got)).toEqual(histogramOf(want));
    });

    it('a commit carries only the cells changed since the previous one, however many the worker has', () => {
      const worker = new WorkerMeterProvider();
      const counter = worker.getMeter('t').createCounter('user.count');
      for (let i = 0; i < 800; i++) counter.add(1, { k: String(i) });
      worker.commitRecords();
      counter.add(1, { k: '7' });
      counter.add(1, { k: '700' });
      const commit = worker.commitRecords()!;
      expect(commit.text).toBeUndefined();
      // two records of `instrument, cell, 1, total`
      expect(commit.records).toEqual([0, 7, 1, 2, 0, 700, 1, 2]);
    });

    it("a worker's later commits never overwrite another worker's newer gauge value with an older one", async () => {
      const bridged = meterFixture();
      const merger = new WorkerMetricsMerger(bridged.meterProvider);
      const [a, b] = [new WorkerMeterProvider(), new WorkerMeterProvider()];
      a.getMeter('t').createGauge('user.temp').record(5);
      mergeNow(merger, a, 1);
      b.getMeter('t').createGauge('user.temp').record(7);
      mergeNow(merger, b, 2);
      a.getMeter('t').createCounter('user.count').add(1);
      mergeNow(merger, a, 1);
      expect(points(await bridged.collect(), 'user.temp')[0]!.value).toBe(7);
    });
  });

  describe('retiring the sessions of exited workers', () => {
    it('merges what an exited worker sent, then keeps nothing of it, and drops a late commit of it', async () => {
      const bridged = meterFixture();
      const merger = new WorkerMetricsMerger(bridged.meterProvider);
      const pool = {};
      const [a, b] = [new WorkerMeterProvider(), new WorkerMeterProvider()];
      a.getMeter('t').createCounter('user.count').add(3);
      send(merger, a, 1, pool);
      b.getMeter('t').createCounter('user.count').add(4);
      send(merger, b, 2, pool);
      merger.retire(pool, new Set([2])); // worker 1 exited: its queued commit is merged first
      expect(merger.sessions).toBe(1);
      expect(points(await bridged.collect(), 'user.count')[0]!.value).toBe(7);
      // a late commit of the retired worker carries its totals: dropped, not counted again from zero
      a.getMeter('t').createCounter('user.count').add(1);
      send(merger, a, 1, pool);
      merger.flush();
      expect(points(await bridged.collect(), 'user.count')[0]!.value).toBe(7);
      expect(merger.sessions).toBe(1);
    });

    it("retires only the given pool's workers (thread ids and pids may repeat across pools)", () => {
      const merger = new WorkerMetricsMerger(meterFixture().meterProvider);
      const [threads, processes] = [{}, {}];
      for (const pool of [threads, processes]) {
        const worker = new WorkerMeterProvider();
        worker.getMeter('t').createCounter('user.count').add(1);
        send(merger, worker, 7, pool);
      }
      merger.flush();
      expect(merger.sessions).toBe(2);
      merger.retire(threads, new Set());
      expect(merger.sessions).toBe(1);
    });
  });
});
