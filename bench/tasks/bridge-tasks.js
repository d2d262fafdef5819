// Tasks for bench/parallel-bridge.js: one counter add and one histogram record per item, as a
// user's task module would write them (global @opentelemetry/api, pre-bound attributes).
import { performance } from 'node:perf_hooks';
import { metrics } from '@opentelemetry/api';

const meter = metrics.getMeter('bench-task');
const items = meter.createCounter('bench.items', { unit: '{item}' });
const latency = meter.createHistogram('bench.latency', {
  unit: 's',
  advice: { explicitBucketBoundaries: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01] },
});
const ATTRIBUTES = Object.freeze({ 'bench.kind': 'scan' });

function spin(micros) {
  if (micros <= 0) return;
  const end = performance.now() + micros / 1000;
  while (performance.now() < end) {}
}

/** `micros` µs of CPU, then one counter add and one histogram record. */
export function recordOne(micros) {
  const start = performance.now();
  spin(micros);
  items.add(1, ATTRIBUTES);
  latency.record((performance.now() - start) / 1000, ATTRIBUTES);
  return micros;
}
