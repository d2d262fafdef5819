import type { Meter } from '@opentelemetry/api';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { WorkerMetricsMerger } from '../../src/parallel/bridge-merge.js';
import { ArraySink, RingReader, RingWriter, readInline } from '../../src/parallel/bridge-ring.js';
import { WorkerMeterProvider } from '../../src/parallel/worker-meter.js';
import { meterFixture, points } from './helpers.js';

/** Every record a reader visits, as `[instrument, cell, ...values]`. */
function drain(reader: RingReader): number[][] {
  const seen: number[][] = [];
  reader.read((instrument, cell, values) => {
    const record = [instrument, cell];
    for (let i = 0; i < values.length; i++) record.push(values.at(i));
    seen.push(record);
  });
  return seen;
}

function write(sink: RingWriter | ArraySink, instrument: number, cell: number, values: number[]): void {
  sink.begin(instrument, cell);
  for (const value of values) sink.push(value);
  sink.end();
}

describe('metrics ring (thread mode)', () => {
  it('records round-trip across many wrap-arounds of a small ring', () => {
    const writer = new RingWriter(16);
    const reader = new RingReader(writer.buffer);
    for (let commit = 0; commit < 200; commit++) {
      const values = Array.from({ length: commit % 5 }, (_, i) => commit * 10 + i + 0.5);
      expect(writer.fits(values.length)).toBe(true);
      write(writer, commit % 3, commit, values);
      reader.answered(writer.publish());
      expect(drain(reader)).toEqual([[commit % 3, commit, ...values]]);
    }
  });

  it('reads only up to the newest position an answer carried; an older answer arriving late changes nothing', () => {
    const writer = new RingWriter(64);
    const reader = new RingReader(writer.buffer);
    write(writer, 0, 0, [1]);
    const first = writer.publish();
    write(writer, 0, 0, [2]);
    const second = writer.publish();
    write(writer, 0, 0, [3]); // published, but its answer never arrives (the worker died)
    writer.publish();
    reader.answered(second);
    reader.answered(first);
    expect(drain(reader)).toEqual([
      [0, 0, 1],
      [0, 0, 2],
    ]);
    expect(drain(reader)).toEqual([]);
  });

  it('the writer never overwrites what the reader has not read, and a rollback drops an unpublished commit', () => {
    const writer = new RingWriter(16);
    const reader = new RingReader(writer.buffer);
    write(writer, 1, 1, [1, 2, 3, 4, 5]); // 8 slots
    reader.answered(writer.publish());
    // 8 unread; a record of n values takes n + 3 slots
    expect(writer.fits(6)).toBe(false);
    expect(writer.fits(5)).toBe(true);
    write(writer, 2, 2, [9, 9, 9]);
    writer.rollback();
    reader.answered(writer.publish());
    expect(drain(reader)).toEqual([[1, 1, 1, 2, 3, 4, 5]]);
    expect(writer.fits(13)).toBe(true);
  });

  it('an inline commit reads as the ring does (null for what JSON cannot carry)', () => {
    const sink = new ArraySink();
    write(sink, 3, 7, [1.5, Number.POSITIVE_INFINITY]);
    write(sink, 4, 0, []);
    const seen: unknown[][] = [];
    readInline(JSON.parse(JSON.stringify(sink.values)), (instrument, cell, values) => {
      const record: unknown[] = [instrument, cell];
      for (let i = 0; i < values.length; i++) record.push(values.at(i));
      seen.push(record);
    });
    expect(seen).toEqual([
      [3, 7, 1.5, Number.NaN],
      [4, 0],
    ]);
  });
});

/** Records into a worker provider and merges through the ring, one commit per round; `answer` decides which answers arrive. */
async function throughRing(
  record: (meter: Meter, round: number) => void,
  {
    rounds,
    slots,
    answer = () => true,
  }: { rounds: number; slots: number; answer?: (round: number) => boolean },
) {
  const direct = meterFixture();
  const bridged = meterFixture();
  const merger = new WorkerMetricsMerger(bridged.meterProvider);
  const worker = new WorkerMeterProvider();
  const pool = {};
  let ring: RingWriter | undefined;
  let inline = 0;
  for (let round = 0; round < rounds; round++) {
    record(worker.getMeter('user-task'), round);
    const first = ring === undefined;
    const commit = worker.commit(() => {
      ring ??= new RingWriter(slots);
      return ring;
    }, ring);
    if (commit === undefined || !answer(round)) continue;
    const { position, text } = typeof commit === 'number' ? { position: commit, text: undefined } : commit;
    if (text?.includes('"r":')) inline++;
    record(direct.meterProvider.getMeter('user-task'), round);
    merger.received(pool, 1, position, text, first ? ring?.buffer : undefined);
  }
  merger.flush();
  return { want: await direct.collect(), got: await bridged.collect(), inline };
}

describe('worker MeterProvider + merge through the ring', () => {
  const record = (meter: Meter, round: number): void => {
    const h = meter.createHistogram('user.size', { advice: { explicitBucketBoundaries: [1, 10, 100] } });
    const c = meter.createCounter('user.count');
    const g = meter.createGauge('user.temp');
    for (let i = 0; i < 20; i++) {
      h.record(((i * 37 + round * 11) % 250) / 3, { kind: `k${(i + round) % 7}` });
      c.add(i % 3, { kind: `k${i % 5}` });
    }
    g.record(round, { room: 'r' });
  };
  const histograms = (data: Awaited<ReturnType<typeof throughRing>>['want']) =>
    points(data, 'user.size')
      .map(({ attributes, value }) => {
        const { buckets, count, min, max, sum } = value as Histogram;
        return { attributes, buckets, count, min, max, sum: Math.round(sum! * 1e6) };
      })
      .sort((a, b) => String(a.attributes.kind).localeCompare(String(b.attributes.kind)));
  const values = (data: Awaited<ReturnType<typeof throughRing>>['want'], name: string) =>
    points(data, name)
      .map(({ attributes, value }) => ({ attributes, value }))
      .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));

  it('is exact when a ring too small for some commits sends those inline', async () => {
    // every third round records into every cell (~100 slots: inline), the others into one or two
    const mixed = (meter: Meter, round: number): void => {
      if (round % 3 === 0) record(meter, round);
      else meter.createCounter('user.count').add(round, { kind: `k${round % 5}` });
    };
    const { want, got, inline } = await throughRing(mixed, { rounds: 30, slots: 64 });
    expect(inline).toBeGreaterThan(0);
    expect(inline).toBeLessThan(30);
    expect(histograms(got)).toEqual(histograms(want));
    expect(histograms(got)).toHaveLength(7);
    expect(values(got, 'user.count')).toEqual(values(want, 'user.count'));
    expect(values(got, 'user.temp')).toEqual(values(want, 'user.temp'));
  });

  it('is exact with a ring that wraps many times', async () => {
    const { want, got, inline } = await throughRing(record, { rounds: 200, slots: 1024 });
    expect(inline).toBe(0);
    expect(histograms(got)).toEqual(histograms(want));
    expect(values(got, 'user.count')).toEqual(values(want, 'user.count'));
  });

  it("a commit whose answer never arrives (its worker died) is not merged: only answered chunks' totals count", async () => {
    const counter = (meter: Meter): void => meter.createCounter('user.count').add(1);
    // the last commit's answer is lost with its worker; what it recorded must not reach the SDK
    const { want, got } = await throughRing(counter, {
      rounds: 5,
      slots: 1024,
      answer: (round) => round < 4,
    });
    expect(values(got, 'user.count').map((p) => p.value)).toEqual([4]);
    expect(values(want, 'user.count').map((p) => p.value)).toEqual([4]);
  });
});
