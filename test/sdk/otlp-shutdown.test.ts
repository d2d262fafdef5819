import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { startPerformanceSdk } from '../../src/sdk/start.js';
import {
  type OtlpReceiver,
  type ReceivedExport,
  startOtlpReceiver,
  unreachableUrl,
} from '../helpers/otlp-receiver.js';

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  diag.disable();
  await receiver?.close();
  receiver = undefined;
});

function warningsInto(lines: string[]): DiagLogger {
  const record = (message: string) => lines.push(message);
  return { error: () => {}, warn: record, info: () => {}, debug: () => {}, verbose: () => {} };
}

describe('shutdown() and the last OTLP export', () => {
  it.each(['cumulative', 'delta'] as const)(
    'the export made by shutdown() holds every metric family of the one before, host and runtime included (%s)',
    async (temporalityPreference) => {
      receiver = await startOtlpReceiver();
      // Nothing else collects between the two exports (no scrape, no alert engine): a delta export
      // then holds only what the producers answer at that very collection.
      const perf = await startPerformanceSdk({
        serviceName: 'final-export',
        prometheus: false,
        alerts: false,
        otlp: { url: receiver.url, intervalMillis: 600_000, temporalityPreference },
      });
      const work = async () => {
        await perf.trackTask('before_shutdown', async () => {});
        perf.memory?.allocate({ sizeMb: 1, label: 'final', kind: 'cache' }).release();
      };
      await work();
      await (perf.meterProvider as MeterProvider).forceFlush();
      expect(receiver.received).toHaveLength(1);
      await work(); // the synchronous instruments get new data for the final delta export too
      await perf.shutdown();

      expect(receiver.received).toHaveLength(2);
      const [first, last] = receiver.received as [ReceivedExport, ReceivedExport];
      const exported = new Set(last.metrics.map((m) => m.name));
      // v8js.gc.duration is recorded only when V8 collects garbage, which this test cannot schedule.
      const expected = first.metrics.map((m) => m.name).filter((name) => name !== 'v8js.gc.duration');
      expect(expected.filter((name) => !exported.has(name))).toEqual([]);
      // Each producer is there: host, runtime, tasks, the memory manager.
      for (const prefix of ['system.', 'process.', 'v8js.', 'nodejs.', 'aiva.task.', 'aiva.memory.']) {
        expect(
          [...exported].some((name) => name.startsWith(prefix)),
          prefix,
        ).toBe(true);
      }
      expect(exported.size).toBeGreaterThanOrEqual(30);
    },
  );

  it('returns within shutdownTimeoutMillis when the collector is unreachable, and says so once', async () => {
    const url = await unreachableUrl();
    const warnings: string[] = [];
    diag.setLogger(warningsInto(warnings), DiagLogLevel.WARN);
    const perf = await startPerformanceSdk({
      prometheus: false,
      hostMetrics: false,
      runtimeMetrics: false,
      alerts: false,
      shutdownTimeoutMillis: 1000,
      otlp: { url, intervalMillis: 600_000 },
    });
    await perf.trackTask('unsent', async () => {});
    const startedAt = performance.now();
    await perf.shutdown();
    const tookMillis = performance.now() - startedAt;
    // The exporter alone would retry for its 10 s request timeout.
    expect(tookMillis).toBeLessThan(1500);
    const ours = warnings.filter((line) => line.startsWith('aiva-performance: shutdown()'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toContain('within shutdownTimeoutMillis (1000 ms)');
    expect(ours[0]).toContain(`OTLP http/protobuf export to ${url}`);
  });

  it('says nothing when the last export arrived', async () => {
    receiver = await startOtlpReceiver();
    const warnings: string[] = [];
    diag.setLogger(warningsInto(warnings), DiagLogLevel.WARN);
    const perf = await startPerformanceSdk({
      prometheus: false,
      hostMetrics: false,
      runtimeMetrics: false,
      alerts: false,
      otlp: { url: receiver.url, intervalMillis: 600_000 },
    });
    await perf.trackTask('sent', async () => {});
    await perf.shutdown();
    expect(receiver.received).toHaveLength(1);
    expect(warnings.filter((line) => line.startsWith('aiva-performance'))).toEqual([]);
  });
});
