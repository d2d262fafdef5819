import type { Attributes } from '@opentelemetry/api';
import {
  DataPointType,
  type HistogramMetricData,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildModel, type ScrapeModel } from '../../../src/sdk/exposition/families.js';
import type { ExpositionFormat } from '../../../src/sdk/exposition/format.js';
import { OPENMETRICS_TEXT } from '../../../src/sdk/exposition/openmetrics.js';
import { PROMETHEUS_TEXT } from '../../../src/sdk/exposition/prometheus-text.js';
import { MetricSeriesCache, SeriesTextCache } from '../../../src/sdk/exposition/series-cache.js';
import { writeAll } from '../../helpers/every-instrument.js';

class Reader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

let provider: MeterProvider | undefined;
afterEach(() => provider?.shutdown());

function setup() {
  const reader = new Reader();
  provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('cache-test');
  const duration = meter.createHistogram('task.duration', {
    unit: 's',
    advice: { explicitBucketBoundaries: [0.01, 0.1, 1, 10] },
  });
  const size = meter.createHistogram('task.size', { unit: 'By' });
  const model = async (): Promise<ScrapeModel> => buildModel((await reader.collect()).resourceMetrics);
  return { duration, size, model };
}

/** The pieces `format` writes for `model` through `cache`, and the body they make. */
function write(format: ExpositionFormat, model: ScrapeModel, cache: SeriesTextCache) {
  cache.begin();
  const pieces = [...format.write(model, cache)];
  return { pieces, body: writeAll(pieces), bytes: pieces.filter((p) => typeof p !== 'string') };
}

const A: Attributes = { 'aiva.task.name': 'a', 'aiva.task.outcome': 'ok' };
const B: Attributes = { 'aiva.task.name': 'b', 'aiva.task.outcome': 'ok' };

describe.each([PROMETHEUS_TEXT, OPENMETRICS_TEXT])('SeriesTextCache with the $id writer', (format) => {
  it('writes the same body as without a cache, and copies an unchanged series from the last body', async () => {
    const { duration, model } = setup();
    duration.record(0.05, A);
    duration.record(3, B);
    const cache = new SeriesTextCache();
    const first = await model();
    const once = write(format, first, cache);
    expect(once.body).toBe(writeAll(format.write(first)));
    expect(once.bytes).toHaveLength(2);

    duration.record(0.5, B); // b changes, a does not
    const second = await model();
    const twice = write(format, second, cache);
    expect(twice.body).toBe(writeAll(format.write(second)));
    expect(twice.bytes[0]).toBe(once.bytes[0]); // a: the very same bytes
    expect(twice.bytes[1]).not.toBe(once.bytes[1]); // b: written again
    expect(twice.body).toMatch(/task_duration_count\{aiva_task_name="b".*\} 2\n/);
  });

  it('writes a series again when one bucket moved while count and sum stayed', async () => {
    const { duration, model } = setup();
    duration.record(0.05, A);
    duration.record(5, A);
    const cache = new SeriesTextCache();
    const first = write(format, await model(), cache);
    const moved = await model();
    const point = (
      moved.families.find((f) => f.name === 'task_duration')!.members[0]!.metric as HistogramMetricData
    ).dataPoints[0]!;
    expect(point.value.count).toBe(2);
    // 0.05 and 5 -> 0.5 and 4.55: the same count and sum, one recording in another bucket
    const counts = point.value.buckets.counts;
    counts[1]!--;
    counts[2]!++;
    const second = write(format, moved, cache);
    expect(second.bytes[0]).not.toBe(first.bytes[0]);
    expect(second.body).toBe(writeAll(format.write(moved)));
    expect(second.body).not.toBe(first.body);
  });

  it('patches a changed series to the very text a fresh write gives, over rounds of random recordings', async () => {
    const { duration, model } = setup();
    // spaces, quotes, a newline and multi-byte characters in label values: the value offsets must hold
    const awkward: Attributes[] = [
      A,
      { 'aiva.task.name': 'tâche lente "x" \n y', 'aiva.task.outcome': 'ok' },
      { 'aiva.task.name': '日本 語', 'aiva.task.outcome': 'error' },
    ];
    const cache = new SeriesTextCache();
    const patched = vi.spyOn(MetricSeriesCache.prototype, 'patched');
    let random = 7;
    const next = () => {
      random = (random * 48271) % 2147483647;
      return random / 2147483647;
    };
    for (let round = 0; round < 25; round++) {
      for (const attributes of awkward)
        if (next() < 0.6)
          for (let n = Math.floor(next() * 1000); n >= 0; n--) duration.record(next() ** 3 * 20, attributes);
      const collected = await model();
      expect(write(format, collected, cache).body).toBe(writeAll(format.write(collected)));
    }
    const patches = patched.mock.results.filter((result) => result.value !== undefined).length;
    patched.mockRestore();
    expect(patches).toBeGreaterThan(10);
  });

  it('keeps apart two instruments recorded with the same attributes object', async () => {
    const { duration, size, model } = setup();
    duration.record(0.05, A);
    size.record(4096, A);
    const cache = new SeriesTextCache();
    write(format, await model(), cache);
    size.record(8192, A);
    const next = await model();
    const { body } = write(format, next, cache);
    expect(body).toBe(writeAll(format.write(next)));
    expect(body).toMatch(/task_size_count\{aiva_task_name="a".*\} 2\n/);
    expect(body).toMatch(/task_duration_count\{aiva_task_name="a".*\} 1\n/);
  });

  it('forgets a series the previous body did not write', async () => {
    const { duration, model } = setup();
    duration.record(0.05, A);
    const cache = new SeriesTextCache();
    const withA = await model();
    const first = write(format, withA, cache);
    const withoutA: ScrapeModel = {
      ...withA,
      families: withA.families.filter((f) => f.name !== 'task_duration'),
    };
    write(format, withoutA, cache);
    const again = write(format, withA, cache);
    expect(again.body).toBe(first.body);
    expect(again.bytes[0]).not.toBe(first.bytes[0]);
  });

  it('keeps no more than its byte budget, and writes every series correctly past it', async () => {
    const { duration, model } = setup();
    duration.record(0.05, A);
    duration.record(0.05, B);
    const single = write(format, await model(), new SeriesTextCache());
    const oneSeries = single.bytes[0]!.length;
    const cache = new SeriesTextCache(oneSeries); // room for one of the two series
    const first = write(format, await model(), cache);
    const second = write(format, await model(), cache);
    expect(second.body).toBe(first.body);
    const reused = second.bytes.filter((bytes, i) => bytes === first.bytes[i]);
    expect(reused).toHaveLength(1);
  });
});

it('the data points a collection hands over are histograms keyed by the attributes object they were recorded with', async () => {
  // The cache rests on this sdk-metrics behaviour; if an upgrade copied attributes per collection the
  // cache would never hit (still correct), and this test says why the scrape got slower.
  const { duration, model } = setup();
  duration.record(1, A);
  const [first, second] = [await model(), await model()];
  const pointOf = (m: ScrapeModel) =>
    (m.families.find((f) => f.name === 'task_duration')!.members[0]!.metric as HistogramMetricData)
      .dataPoints[0]!;
  expect(pointOf(first).attributes).toBe(pointOf(second).attributes);
  expect(pointOf(first).value.buckets.boundaries).toBe(pointOf(second).value.buckets.boundaries);
  expect(first.families.find((f) => f.name === 'task_duration')!.members[0]!.metric.dataPointType).toBe(
    DataPointType.HISTOGRAM,
  );
});
