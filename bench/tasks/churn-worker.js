// A worker for bench/worker-churn.js `--via bare`: loads what a pool worker loads (the OpenTelemetry
// API), builds some heap, runs 5 ms, then dies as the soak's faulty items make workers die: by
// process.exit(), or (workerData 'timeout') by running on until the main thread terminates it.
import { parentPort, workerData } from 'node:worker_threads';
import { metrics } from '@opentelemetry/api';

const garbage = [];
for (let i = 0; i < 20_000; i++) garbage.push({ i, s: `x${i}` });
metrics.getMeter('churn').createCounter('churn.items').add(garbage.length);
let end = performance.now() + 5;
while (performance.now() < end) {
  // busy, as a task would be
}
if (workerData !== 'timeout') process.exit(3);
parentPort.postMessage('running');
end = performance.now() + 2000;
while (performance.now() < end) {
  // synchronous: only terminate() stops it
}
