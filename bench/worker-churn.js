// What the soak's pool faults cost in native memory (issue 13):
//   node --expose-gc bench/worker-churn.js [--workers 3000] [--via bare|pool] [--death exit|timeout]
// Ends worker threads two at a time and prints RSS by kind of mapping (bench/fixtures/mappings.js) every
// 10 % of the run, after a full GC. `--via bare` (default): plain worker threads that load the
// OpenTelemetry API, build some heap and exit with process.exit() (or, `--death timeout`, run on until
// terminate()), nothing of ours in them: a rise that grows with the workers is Node's per-worker
// residue. `--via pool`: the same deaths through our ParallelProcessor in thread mode, one faulty item
// per map, by process.exit() or by a synchronous item cut at its time limit. Bounded by --workers.
// Linux only.
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { residentByMapping } from './fixtures/mappings.js';
import { watchWorkerThreads } from './fixtures/worker-threads.js';
import { lastHalfSlopePer10Min } from './lib.js';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '3000' },
    via: { type: 'string', default: 'bare' },
    death: { type: 'string', default: 'exit' },
  },
});
const total = Number(args.workers);
if (
  !(Number.isInteger(total) && total >= 100) ||
  !['bare', 'pool'].includes(args.via) ||
  !['exit', 'timeout'].includes(args.death)
) {
  console.error(
    'usage: node --expose-gc bench/worker-churn.js [--workers 3000 (≥ 100)] [--via bare|pool] [--death exit|timeout]',
  );
  process.exit(2);
}
const mb = (value) => value.toFixed(1).padStart(6);
const rows = [];
function sample(created) {
  globalThis.gc?.();
  const parts = residentByMapping() ?? {};
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  // the slope helper's x axis is minutes: a thousand workers stand in for one
  rows.push({ minute: created / 1000, rssMb, ...parts });
  console.log(
    `${String(created).padStart(6)} workers  rss ${mb(rssMb)}  ` +
      Object.entries(parts)
        .map(([kind, value]) => `${kind} ${mb(value)}`)
        .join('  '),
  );
}

// counts every thread that ends, the pool's included: each death must really end one
const threads = watchWorkerThreads();
const { Worker } = await import('node:worker_threads');

/** Ends one worker thread, and resolves when it has ended. */
async function bareDeath() {
  const worker = new Worker(new URL('./tasks/churn-worker.js', import.meta.url), { workerData: args.death });
  if (args.death === 'timeout') {
    await once(worker, 'message');
    // as the pool cuts an item: its 50 ms limit and 250 ms grace
    await sleep(300);
    await worker.terminate();
  } else await once(worker, 'exit');
}

let pool;
let die;
if (args.via === 'pool') {
  const { defineTask, ParallelProcessor } = await import(
    new URL('../dist/src/index.js', import.meta.url).href
  );
  pool = new ParallelProcessor({ name: 'churn', maxWorkers: 2, workers: 2 });
  die = defineTask(new URL('./tasks/churn-task.js', import.meta.url), 'die');
}
/** One faulty item through the pool: its worker dies (the pool replaces it for the next map). */
async function poolDeath() {
  // 2 s: past the 50 ms limit and the pool's grace for the worker's own timer, so the pool ends the thread
  await pool.map(die, [{ death: args.death, ms: 2000 }], { settle: true, timeoutMillis: 50, mode: 'thread' });
}

console.log(
  `node ${process.version}; ${total} worker threads ended two at a time, ` +
    (args.via === 'bare' ? `plain workers, by ${args.death}` : `through the pool, by ${args.death}`),
);
const death = args.via === 'bare' ? bareDeath : poolDeath;
let started = 0;
let ended = 0;
const every = Math.max(1, Math.round(total / 10));
async function lane() {
  while (started < total) {
    started++;
    await death();
    if (++ended % every === 0) sample(ended);
  }
}
sample(0);
await Promise.all([lane(), lane()]);
// a map settles when its item failed; the terminated thread's own exit may come a moment later
for (let waited = 0; threads.ended < total && waited < 5000; waited += 50) await sleep(50);
const endedByDeaths = threads.ended;
await pool?.close();
if (endedByDeaths < total) {
  console.error(
    `only ${endedByDeaths} of ${total} deaths ended a worker thread: the figures below are not per dead worker`,
  );
  process.exitCode = 1;
}
console.log('\nslope per 1,000 workers over the last half (MB):');
for (const field of ['rssMb', 'brk', 'arenas', 'pages', 'small', 'large'])
  console.log(`  ${field.padEnd(6)} ${(lastHalfSlopePer10Min(rows, field) / 10).toFixed(2)}`);
