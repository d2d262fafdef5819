import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../src/sdk/exposition/families.js';
import { OPENMETRICS_TEXT } from '../../src/sdk/exposition/openmetrics.js';
import { PROMETHEUS_TEXT } from '../../src/sdk/exposition/prometheus-text.js';
import { type PerformanceSdk, startPerformanceSdk } from '../../src/sdk/start.js';
import { collectEveryInstrument, writeAll } from '../helpers/every-instrument.js';
import { parseWithPython, requirePrometheusClientPython } from '../helpers/python.js';

const python = requirePrometheusClientPython();

describe.skipIf(python.skip)("Python prometheus_client's parsers accept our bodies", () => {
  let sdk: PerformanceSdk;
  let collected: Awaited<ReturnType<typeof collectEveryInstrument>>;

  beforeAll(async () => {
    collected = await collectEveryInstrument();
    sdk = await startPerformanceSdk({ serviceName: 'python-parsers', prometheus: { port: 0 } });
    await sdk.trackTask('parsed_task', async () => {});
    await sdk.trackTask('parsed_task', () => Promise.reject(new Error('x'))).catch(() => {});
    sdk.memory?.allocate({ sizeMb: 0.01, label: 'parsed', kind: 'scratch' }).release();
  });
  afterAll(async () => {
    await sdk.shutdown();
    await collected.provider.shutdown();
  });

  const scrape = async (accept: string) =>
    (await fetch(`${sdk.url}/metrics`, { headers: { accept } })).text();

  it('text parser: the SDK /metrics body in text 0.0.4', async () => {
    const families = await parseWithPython(python.path!, 'text', await scrape('text/plain;version=0.0.4'));
    expect(families.find((f) => f.name === 'aiva_task_duration')).toMatchObject({ type: 'histogram' });
  });

  it('OpenMetrics parser: the SDK /metrics body as Prometheus negotiates it', async () => {
    const body = await scrape(
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
    );
    const families = await parseWithPython(python.path!, 'openmetrics', body);
    expect(families.find((f) => f.name === 'target')).toMatchObject({ type: 'info', samples: 1 });
    expect(families.find((f) => f.name === 'aiva_task_duration')).toMatchObject({ type: 'histogram' });
    expect(families.filter((f) => f.type === 'counter').length).toBeGreaterThan(0);
  });

  it('both parsers: every instrument kind with awkward names, values and escapes', async () => {
    const model = buildModel(collected.resourceMetrics);
    const text = await parseWithPython(python.path!, 'text', writeAll(PROMETHEUS_TEXT.write(model)));
    const om = await parseWithPython(python.path!, 'openmetrics', writeAll(OPENMETRICS_TEXT.write(model)));
    expect(text.find((f) => f.name === 'golden_requests')).toMatchObject({ type: 'counter', samples: 4 });
    expect(om.find((f) => f.name === 'golden_requests')).toMatchObject({ type: 'counter', samples: 4 });
    // UNIT only where the name ends with it; the parser checks that rule.
    expect(om.find((f) => f.name === 'golden_latency_seconds')?.unit).toBe('seconds');
    expect(om.find((f) => f.name === 'golden_duration')?.unit).toBe('');
  });

  it('the exporter-prometheus body of the same collection is what the OpenMetrics parser rejected', async () => {
    // Why we write our own: its 0.0.4 body carries # UNIT lines and no # EOF.
    const { PrometheusSerializer } = await import('@opentelemetry/exporter-prometheus');
    const theirs = new PrometheusSerializer().serialize(collected.resourceMetrics);
    await expect(parseWithPython(python.path!, 'openmetrics', theirs)).rejects.toThrow(/parser rejected/);
  });
});
