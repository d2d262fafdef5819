// A worker for bench/worker-churn.js: loads what a pool worker loads (the OpenTelemetry API), builds
// some heap, runs 5 ms, then dies as the soak's faulty items make workers die (process.exit).
import { metrics } from '@opentelemetry/api';

const garbage = [];
for (let i = 0; i < 20_000; i++) garbage.push({ i, s: `x${i}` });
metrics.getMeter('churn').createCounter('churn.items').add(garbage.length);
const end = performance.now() + 5;
while (performance.now() < end) {
  // busy, as a task would be
}
process.exit(3);
