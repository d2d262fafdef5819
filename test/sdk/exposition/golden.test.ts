import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../../src/sdk/exposition/families.js';
import { OPENMETRICS_TEXT } from '../../../src/sdk/exposition/openmetrics.js';
import { PROMETHEUS_TEXT } from '../../../src/sdk/exposition/prometheus-text.js';
import { collectEveryInstrument, writeAll } from '../../helpers/every-instrument.js';

let collected: Awaited<ReturnType<typeof collectEveryInstrument>>;
let exporterBody: string;

beforeAll(async () => {
  collected = await collectEveryInstrument();
  // The exporter's defaults, as our reader uses them: no prefix, no timestamps, scope labels, target_info.
  exporterBody = new PrometheusSerializer().serialize(collected.resourceMetrics);
});
afterAll(() => collected.provider.shutdown());

describe('golden: our text 0.0.4 writer against exporter-prometheus PrometheusSerializer', () => {
  it('writes the same bytes minus the # UNIT lines 0.0.4 does not define, on every instrument kind', () => {
    const ours = writeAll(PROMETHEUS_TEXT.write(buildModel(collected.resourceMetrics)));
    expect(exporterBody).toMatch(/^# UNIT /m); // the comparison would be vacuous without units
    expect(ours).toBe(exporterBody.replace(/^# UNIT .*\n/gm, ''));
    expect(ours).not.toMatch(/^# UNIT /m);
  });

  it('covers counter, up-down counter, histogram, gauge and the three observables', () => {
    for (const line of [
      '# TYPE golden_requests_total counter',
      '# TYPE golden_in_flight gauge',
      '# TYPE golden_duration histogram',
      '# TYPE golden_temperature gauge',
      '# TYPE golden_cpu_time_total counter',
      '# TYPE golden_queue_depth gauge',
      '# TYPE golden_ratio gauge',
    ])
      expect(exporterBody).toContain(line);
  });

  it('is the same again on a second scrape (the per-series label cache changes nothing)', () => {
    const model = buildModel(collected.resourceMetrics);
    expect(writeAll(PROMETHEUS_TEXT.write(model))).toBe(writeAll(PROMETHEUS_TEXT.write(model)));
  });

  it('writes the same sample lines in OpenMetrics, only ordered buckets-first per series', () => {
    const samples = (body: string) =>
      body
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('target_info'))
        .sort();
    const om = writeAll(OPENMETRICS_TEXT.write(buildModel(collected.resourceMetrics)));
    expect(samples(om)).toEqual(samples(exporterBody));
    expect(om.endsWith('# EOF\n')).toBe(true);
  });
});
