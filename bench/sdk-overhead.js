// Foundation benchmarks (issue 2): trackTask overhead, and the cost of one /metrics scrape,
// each beside the obvious alternative in the same run.
//   node bench/sdk-overhead.js
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import client from 'prom-client';
import { startPerformanceSdk, trackTask } from '../dist/src/index.js';
import { fmt, median, nsPerOp, printTable } from './lib.js';

const emptyAsync = async () => {};

const perf = await startPerformanceSdk({ serviceName: 'bench', prometheus: { port: 0 }, alerts: false });

// --- trackTask around an empty async function vs calling it bare (and vs prom-client's timer)
const promHistogram = new client.Histogram({
  name: 'bench_task_duration_seconds',
  help: 'bench',
  labelNames: ['task', 'outcome'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
});
const bare = await nsPerOp(emptyAsync);
const tracked = await nsPerOp(() => trackTask('bench_empty', emptyAsync));
const promTimed = await nsPerOp(async () => {
  const end = promHistogram.startTimer({ task: 'bench_empty' });
  await emptyAsync();
  end({ outcome: 'ok' });
});
printTable('trackTask around an empty async function (median of 7 × 100k calls)', [
  ['variant', 'ns/call', 'overhead ns', 'ratio vs bare'],
  ['bare `await fn()`', fmt(bare, 0), '0', '1.00×'],
  ['`await trackTask(name, fn)`', fmt(tracked, 0), fmt(tracked - bare, 0), `${fmt(tracked / bare)}×`],
  [
    'prom-client `startTimer()`/`end()`',
    fmt(promTimed, 0),
    fmt(promTimed - bare, 0),
    `${fmt(promTimed / bare)}×`,
  ],
]);

// --- one scrape of the default metric set, over HTTP, ours vs prom-client's default metrics
client.collectDefaultMetrics();
const promServer = createServer(async (_request, response) => {
  const body = await client.register.metrics();
  response.writeHead(200, { 'Content-Type': client.register.contentType });
  response.end(body);
});
await new Promise((resolve) => promServer.listen(0, '127.0.0.1', resolve));
const promUrl = `http://127.0.0.1:${promServer.address().port}/metrics`;

async function scrapeCost(url, rounds = 40) {
  const times = [];
  let bytes = 0;
  let series = 0;
  for (let i = 0; i < rounds + 5; i++) {
    const start = performance.now();
    const body = await (await fetch(url)).text();
    const elapsed = performance.now() - start;
    if (i >= 5) times.push(elapsed);
    bytes = body.length;
    series = body.split('\n').filter((line) => line && !line.startsWith('#')).length;
  }
  return { ms: median(times), bytes, series };
}

const ours = await scrapeCost(`${perf.url}/metrics`);
const theirs = await scrapeCost(promUrl);
printTable('One scrape of the default metric set over HTTP (median of 40)', [
  ['exporter', 'ms/scrape', 'series', 'bytes', 'µs per series'],
  [
    'aiva-performance (host + runtime + task)',
    fmt(ours.ms),
    ours.series,
    ours.bytes,
    fmt((ours.ms * 1000) / ours.series, 1),
  ],
  [
    'prom-client collectDefaultMetrics()',
    fmt(theirs.ms),
    theirs.series,
    theirs.bytes,
    fmt((theirs.ms * 1000) / theirs.series, 1),
  ],
]);
console.log(`ratio ms/scrape ours / prom-client: ${fmt(ours.ms / theirs.ms)}×`);

promServer.close();
await perf.shutdown();
