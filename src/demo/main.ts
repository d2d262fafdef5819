/**
 * `npm start`: a small demo service. It starts the SDK with the development preset on an embedded
 * default (no Prometheus or Grafana needed), does some tracked work, and prints where to look.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { defineTask, registerQueue, startPerformanceSdk, trackTask } from '../index.js';
import { DEMO_ALERT_RULE, startExercise } from './exercise.js';

const port = Number(process.env.PORT ?? process.env.OTEL_EXPORTER_PROMETHEUS_PORT ?? 9464);
// AIVA_DEMO_TOKEN protects every route like a production token; AIVA_DEMO_INTERVAL_MS samples faster
// (the browser test uses 1000); AIVA_DEMO_EXTRA_TASK tracks one more task name (the test uses
// markup, to see it rendered as text).
const token = process.env.AIVA_DEMO_TOKEN || undefined;
const intervalMillis = Number(process.env.AIVA_DEMO_INTERVAL_MS ?? 5000);
const extraTask = process.env.AIVA_DEMO_EXTRA_TASK || undefined;
const perf = await startPerformanceSdk({
  serviceName: 'aiva-demo',
  preset: 'development',
  // Native histograms are offered only to a Prometheus that asks for protobuf; text scrapes are unchanged.
  prometheus: { port, nativeHistograms: true, ...(token ? { token } : {}) },
  monitor: { intervalMillis },
  dashboard: true,
  alerts: { rules: [DEMO_ALERT_RULE] },
});

const checksum = defineTask<number, number>(new URL('./tasks.js', import.meta.url), 'checksum');
const pending: number[] = [];
const unregisterQueue = registerQueue('demo_jobs', () => pending.length);

async function handleJob(job: number): Promise<void> {
  await trackTask('demo_job', async () => {
    // Scratch memory from the budgeted manager: recorded in aiva_memory_* and returned to its pool.
    using scratch = perf.memory?.allocate({ bytes: 64 * 1024, label: 'demo_job', kind: 'scratch' });
    scratch?.buffer.fill(job & 0xff);
    await sleep(5 + (job % 7) * 10);
    if (job % 13 === 0) throw new Error(`job ${job} failed`);
  });
  if (extraTask && job % 5 === 0) await trackTask(extraTask, () => sleep(2));
}

async function runBatch(): Promise<void> {
  const seeds = Array.from({ length: 16 }, (_, i) => nextJob * 31 + i);
  await trackTask('demo_batch', () => perf.processor.map(checksum, seeds));
}

let nextJob = 1;
const producer = setInterval(() => {
  for (let i = 0; i < 3; i++) pending.push(nextJob++);
}, 200);
const consumer = setInterval(() => {
  const job = pending.shift();
  if (job !== undefined) handleJob(job).catch(() => {});
}, 60);
const batches = setInterval(() => void runBatch().catch(() => {}), 2000);
const exercise = startExercise(perf, checksum);

const access = token ? '?access_token=<token>' : '';
console.log(`aiva-performance demo '${perf.config.serviceName}' running`);
console.log(`  dashboard: ${perf.url}/dashboard${access}`);
console.log(`  metrics:  ${perf.url}/metrics`);
console.log(`  health:   ${perf.url}/healthz`);
console.log(`  alerts:   ${perf.url}/alerts`);
console.log('Press Ctrl-C to stop.');

// The development preset is verbose: the monitor prints one summary line per sample.
perf.monitor.start({ intervalMillis });

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: shutting down`);
  clearInterval(producer);
  clearInterval(consumer);
  clearInterval(batches);
  exercise.stop();
  unregisterQueue();
  await perf.shutdown();
  console.log('stopped cleanly');
}
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));

const runForMillis = Number(process.env.AIVA_DEMO_DURATION_MS ?? 0);
if (runForMillis > 0) setTimeout(() => void stop('timeout'), runForMillis).unref();
