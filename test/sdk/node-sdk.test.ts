import { metrics } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { attachPerformanceSdk, createPerformanceMetricsComponents } from '../../src/sdk/start.js';

describe('with the OpenTelemetry NodeSDK', () => {
  it('serves /metrics and the monitor from readers and views handed to NodeSDK', async () => {
    const components = createPerformanceMetricsComponents({
      serviceName: 'node-sdk-app',
      prometheus: { port: 0 },
      runtimeMetrics: false,
      memory: false,
      parallel: false,
      alerts: false,
    });
    const otel = new NodeSDK({
      resource: components.resource,
      metricReaders: components.metricReaders,
      views: components.views,
      instrumentations: [],
      traceExporter: undefined,
    });
    otel.start();
    const perf = await attachPerformanceSdk(components);
    try {
      metrics.getMeter('app').createCounter('app.orders').add(2);
      await perf.trackTask('via_node_sdk', async () => {});
      const body = await (await fetch(`${perf.url}/metrics`)).text();
      expect(body).toMatch(/^app_orders_total\{otel_scope_name="app"\} 2$/m);
      expect(body).toContain('aiva_task_duration_count{aiva_task_name="via_node_sdk"');
      expect(body).toContain('system_memory_linux_available');
      expect(body).not.toContain('cpu_logical_number'); // our views reached NodeSDK
      // Our resource reached NodeSDK's provider: the service name, over the SDK's default resource.
      const targetInfo = body.split('\n').find((line) => line.startsWith('target_info{')) ?? '';
      expect(targetInfo).toContain('service_name="node-sdk-app"');
      expect(targetInfo).toContain('telemetry_sdk_language="nodejs"');
      expect((await perf.monitor.getCurrentMetrics()).memoryTotalMb).toBeGreaterThan(0);
    } finally {
      await perf.shutdown();
      await otel.shutdown();
    }
  });

  it('rejects components that did not come from createPerformanceMetricsComponents', async () => {
    await expect(
      attachPerformanceSdk({ metricReaders: [], views: [], resource: resourceFromAttributes({}) }),
    ).rejects.toThrow(ConfigError);
  });
});
