import { afterEach, describe, expect, it, vi } from 'vitest';
import { type PerformanceSdk, startPerformanceSdk } from '../../../src/sdk/start.js';
import { recordDurations } from '../../helpers/durations.js';
import { type DecodedFamily, decodeFamilies, nativeBuckets } from '../../helpers/prometheus-protobuf.js';

const PROTOBUF = 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited';
/** What Prometheus 2.42 sends with --enable-feature=native-histograms. */
const PROMETHEUS_ACCEPT = `${PROTOBUF};q=0.8,application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1`;

let perf: PerformanceSdk | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await perf?.shutdown();
  perf = undefined;
});

const quiet = { hostMetrics: false, runtimeMetrics: false, alerts: false, registerGlobal: false } as const;

/** Tasks that "take" exactly the given seconds (injected clock). */
function record(sdk: PerformanceSdk, name: string, values: readonly number[]): void {
  recordDurations((task) => sdk.startTimer(task), name, values);
}

async function scrape(accept: string): Promise<{ type: string | null; body: Uint8Array }> {
  const response = await fetch(`${perf?.url}/metrics`, { headers: { accept } });
  return { type: response.headers.get('content-type'), body: new Uint8Array(await response.arrayBuffer()) };
}

const family = (families: DecodedFamily[], name: string) => families.find((f) => f.name === name);

describe('Prometheus protobuf exposition with native histograms (prometheus.nativeHistograms)', () => {
  it('is negotiated as Prometheus asks and decodes with the real schema: classic and native buckets', async () => {
    perf = await startPerformanceSdk({ ...quiet, prometheus: { port: 0, nativeHistograms: true } });
    const values = Array.from({ length: 5000 }, (_, i) => 0.02 + (0.095 * i) / 4999);
    record(perf, 'uniform', values);
    const { type, body } = await scrape(PROMETHEUS_ACCEPT);
    expect(type).toBe(
      'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
    );
    const families = decodeFamilies(body);
    expect(family(families, 'target_info')?.metric[0]?.label.some((l) => l.name === 'service_name')).toBe(
      true,
    );
    const duration = family(families, 'aiva_task_duration');
    expect(duration?.type).toBe(4); // HISTOGRAM
    const metric = duration?.metric.find((m) => m.label.some((l) => l.value === 'uniform'));
    expect(metric?.label.map((l) => l.name)).toEqual(
      expect.arrayContaining(['aiva_task_name', 'aiva_task_outcome', 'otel_scope_name']),
    );
    const h = metric?.histogram;
    expect(h?.sample_count).toBe(5000);
    // classic buckets with the 2 s / 5 s edges
    expect(h?.bucket.map((b) => b.upper_bound)).toEqual(expect.arrayContaining([2, 5]));
    expect(h?.bucket.at(-1)?.cumulative_count).toBe(5000);
    // native: schema 4 (16 buckets an octave), counts add up, p95 within one bucket of the truth
    expect(h?.schema).toBe(4);
    const buckets = nativeBuckets(h!);
    expect([...buckets.values()].reduce((a, c) => a + c, 0) + (h?.zero_count ?? 0)).toBe(5000);
    let rank = 0.95 * 5000;
    let p95 = Number.NaN;
    for (const [index, count] of [...buckets].sort((a, b) => a[0] - b[0])) {
      if (rank <= count) {
        p95 = 2 ** (index / 16); // upper bound of Prometheus bucket `index`
        break;
      }
      rank -= count;
    }
    const truth = values[Math.ceil(0.95 * 5000) - 1] as number;
    expect(Math.abs(p95 - truth) / truth).toBeLessThan(2 ** (1 / 16) - 1);
  });

  it('counters and gauges keep their values and types', async () => {
    perf = await startPerformanceSdk({ ...quiet, prometheus: { port: 0, nativeHistograms: true } });
    perf.meter.createCounter('app.orders').add(3, { shop: 'a' });
    perf.meter.createUpDownCounter('app.inflight').add(2);
    const families = decodeFamilies((await scrape(PROTOBUF)).body);
    expect(family(families, 'app_orders_total')).toMatchObject({ type: 0 });
    expect(family(families, 'app_orders_total')?.metric[0]?.counter?.value).toBe(3);
    expect(family(families, 'app_inflight')?.metric[0]?.gauge?.value).toBe(2);
  });

  it('is not offered without the option (text 0.0.4 instead), and text scrapes are unchanged with it', async () => {
    perf = await startPerformanceSdk({ ...quiet, prometheus: { port: 0 } });
    expect((await scrape(PROMETHEUS_ACCEPT)).type).toMatch(/^application\/openmetrics-text/);
    expect((await scrape(PROTOBUF)).type).toMatch(/^text\/plain; version=0.0.4/);
    await perf.shutdown();
    perf = await startPerformanceSdk({ ...quiet, prometheus: { port: 0, nativeHistograms: true } });
    record(perf, 'x', [0.1]);
    const text = new TextDecoder().decode((await scrape('text/plain;version=0.0.4')).body);
    expect(text).toContain('aiva_task_duration_bucket{aiva_task_name="x"');
  });
});
