import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

/** A reader the test collects from by hand, as the SDK's in-process reader. */
export class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export function testProvider(): { provider: MeterProvider; reader: TestReader } {
  const reader = new TestReader();
  const provider = new MeterProvider({ readers: [reader] });
  return { provider, reader };
}
