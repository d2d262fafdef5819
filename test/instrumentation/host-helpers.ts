import type { Attributes } from '@opentelemetry/api';
import { DataPointType, MeterProvider, type MetricData, MetricReader } from '@opentelemetry/sdk-metrics';

/** A pull reader the test collects from by hand. */
export class TestReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface Point {
  scope: string;
  name: string;
  unit: string;
  /** 'gauge', 'counter' (monotonic sum), 'updowncounter' (non-monotonic sum) or 'histogram'. */
  type: string;
  attributes: Attributes;
  value: number;
}

export function providerWith(
  readerCount: number,
  views: ConstructorParameters<typeof MeterProvider>[0] = {},
) {
  const readers = Array.from({ length: readerCount }, () => new TestReader());
  const meterProvider = new MeterProvider({ ...views, readers });
  return { meterProvider, readers };
}

/** Collects once and flattens every data point. */
export async function collect(reader: MetricReader): Promise<Point[]> {
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new AggregateError(errors, 'collect reported errors');
  const out: Point[] = [];
  for (const sm of resourceMetrics.scopeMetrics) {
    for (const m of sm.metrics as MetricData[]) {
      const type = kindOf(m);
      for (const dp of m.dataPoints) {
        out.push({
          scope: sm.scope.name,
          name: m.descriptor.name,
          unit: m.descriptor.unit,
          type,
          attributes: dp.attributes,
          value: dp.value as number,
        });
      }
    }
  }
  return out;
}

export function pointsNamed(points: Point[], name: string): Point[] {
  return points.filter((p) => p.name === name);
}

function kindOf(m: MetricData): string {
  if (m.dataPointType === DataPointType.GAUGE) return 'gauge';
  if (m.dataPointType === DataPointType.SUM) return m.isMonotonic ? 'counter' : 'updowncounter';
  return 'histogram';
}
