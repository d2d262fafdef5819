import { metrics } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { DURATION_SECONDS_BUCKETS } from '../../src/core/buckets.js';
import {
  bindLocalHistograms,
  boundHistogram,
  LocalHistograms,
  observedUpDownCounter,
} from '../../src/core/local-histogram.js';
import { LocalHistogramProducer } from '../../src/sdk/local-producer.js';

const VALUES = [0, 0.001, 0.0011, 0.5, 2, 2.0000001, 5, 59.9, 60, 61, 1e6, -1, Number.NaN];
const OPTIONS = { description: 'Bench.', unit: 's', boundaries: DURATION_SECONDS_BUCKETS };
const providers: MeterProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

function provider(local?: LocalHistograms) {
  const reader = new PrometheusExporter({
    preventServerStart: true,
    metricProducers: local ? [new LocalHistogramProducer(local)] : undefined,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  providers.push(meterProvider);
  if (local) bindLocalHistograms(meterProvider, local);
  return { reader, meterProvider };
}

const body = async (reader: PrometheusExporter) =>
  new PrometheusSerializer().serialize((await reader.collect()).resourceMetrics);

describe('local histograms: bound series aggregated by us, exported as sdk-metrics would', () => {
  it('writes the same exposition as the SDK histogram for the same records (edges, negatives, NaN)', async () => {
    const ours = provider(new LocalHistograms());
    const sdk = provider();
    for (const { meterProvider } of [ours, sdk]) {
      const bind = boundHistogram(meterProvider, 'scope-a', 'work.duration', OPTIONS);
      const a = bind({ task: 'a', outcome: 'ok' });
      const b = bind({ task: 'b', outcome: 'error' });
      bind({ task: 'never' }); // bound, never recorded: no series, as in sdk-metrics
      for (const value of VALUES) a(value);
      b(3);
    }
    expect(await body(ours.reader)).toBe(await body(sdk.reader));
    expect(await body(ours.reader)).toContain(
      'work_duration_count{task="a",outcome="ok",otel_scope_name="scope-a"} 11',
    );
  });

  it('keeps counting between collections (cumulative), each collection a snapshot', async () => {
    const { reader, meterProvider } = provider(new LocalHistograms());
    const record = boundHistogram(meterProvider, 's', 'h', OPTIONS)({});
    record(1);
    const first = (await reader.collect()).resourceMetrics;
    record(1);
    const second = await body(reader);
    expect(new PrometheusSerializer().serialize(first)).toContain('h_count{otel_scope_name="s"} 1\n');
    expect(second).toContain('h_count{otel_scope_name="s"} 2\n');
  });

  it('hands an unchanged series its previous value (no garbage per scrape), a changed one a new snapshot', async () => {
    const local = new LocalHistograms();
    const { meterProvider } = provider(local);
    const bind = boundHistogram(meterProvider, 's', 'h', OPTIONS);
    const quiet = bind({ series: 'quiet' });
    const busy = bind({ series: 'busy' });
    quiet(1);
    busy(1);
    const producer = new LocalHistogramProducer(local);
    const collectedValue = async (series: string) =>
      (await producer.collect()).resourceMetrics.scopeMetrics[0]!.metrics[0]!.dataPoints.find(
        (p) => p.attributes.series === series,
      )!.value as { count: number };
    const [quietBefore, busyBefore] = [await collectedValue('quiet'), await collectedValue('busy')];
    busy(2);
    expect(await collectedValue('quiet')).toBe(quietBefore);
    const busyAfter = await collectedValue('busy');
    expect(busyAfter).not.toBe(busyBefore);
    expect([busyBefore.count, busyAfter.count]).toEqual([1, 2]);
  });

  it('records through the API instrument for a provider the SDK did not bind (e.g. NodeSDK)', async () => {
    const { reader, meterProvider } = provider();
    boundHistogram(meterProvider, 's', 'api.path', OPTIONS)({ k: 'v' })(0.5);
    expect(await body(reader)).toContain('api_path_count{k="v",otel_scope_name="s"} 1');
  });

  it('records nothing and throws nothing with the no-op global provider', () => {
    const record = boundHistogram(metrics.getMeterProvider(), 's', 'noop', OPTIONS)({});
    expect(() => record(1)).not.toThrow();
  });
});

describe("local observed sums: read at each collection, exported as the SDK's observable up-down counter", () => {
  it('writes the same exposition as the SDK instrument, reads current values each time (NaN as the SDK writes it)', async () => {
    const ours = provider(new LocalHistograms());
    const sdk = provider();
    const running = new Map([
      ['a', 2],
      ['b', 0],
      ['c', Number.NaN],
    ]);
    for (const { meterProvider } of [ours, sdk]) {
      observedUpDownCounter(
        meterProvider,
        'scope-a',
        'work.active',
        { description: 'Running.', unit: '{task}' },
        (report) => {
          for (const [task, value] of running) report(value, { task });
        },
      );
    }
    expect(await body(ours.reader)).toBe(await body(sdk.reader));
    expect(await body(ours.reader)).toContain('work_active{task="a",otel_scope_name="scope-a"} 2\n');
    running.set('a', 1);
    expect(await body(ours.reader)).toBe(await body(sdk.reader));
    expect(await body(ours.reader)).toContain('work_active{task="a",otel_scope_name="scope-a"} 1\n');
    expect(await body(ours.reader)).toContain('work_active{task="c",otel_scope_name="scope-a"} NaN\n');
  });

  it('a callback that throws drops that collection of the metric, not the others', async () => {
    const local = new LocalHistograms();
    const { reader, meterProvider } = provider(local);
    let fail = true;
    observedUpDownCounter(meterProvider, 's', 'flaky.active', { description: 'd', unit: '1' }, (report) => {
      if (fail) throw new Error('broken');
      report(3, {});
    });
    boundHistogram(meterProvider, 's', 'h', OPTIONS)({})(1);
    const first = await body(reader);
    expect(first).not.toContain('flaky_active');
    expect(first).toContain('h_count{otel_scope_name="s"} 1');
    fail = false;
    expect(await body(reader)).toContain('flaky_active{otel_scope_name="s"} 3');
  });
});
