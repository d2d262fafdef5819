// What the soak's pool faults cost in native memory without our pool (issue 13):
//   node --expose-gc bench/worker-churn.js [--workers 3000]
// Creates worker threads two at a time, each of which loads the OpenTelemetry API, builds some heap
// and exits with process.exit() (as the soak's faulty items end about three pool workers a second), and
// prints RSS by kind of mapping (bench/fixtures/mappings.js) every 10 % of the run, after a full GC. A
// rise that grows with the workers created and has nothing of ours in it is Node's per-worker residue:
// the soak's slope carries it in proportion to the faults it injects. Bounded by --workers. Linux only.
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { residentByMapping } from './fixtures/mappings.js';
import { lastHalfSlopePer10Min } from './lib.js';

const { values: args } = parseArgs({ options: { workers: { type: 'string', default: '3000' } } });
const total = Number(args.workers);
if (!(Number.isInteger(total) && total >= 100)) {
  console.error('usage: node --expose-gc bench/worker-churn.js [--workers 3000 (≥ 100)]');
  process.exit(2);
}
const task = new URL('./tasks/churn-worker.js', import.meta.url);
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

console.log(
  `node ${process.version}; ${total} worker threads created two at a time, each ending with process.exit()`,
);
let started = 0;
let ended = 0;
const every = Math.max(1, Math.round(total / 10));
async function lane() {
  while (started < total) {
    started++;
    await once(new Worker(task), 'exit');
    if (++ended % every === 0) sample(ended);
  }
}
sample(0);
await Promise.all([lane(), lane()]);
console.log('\nslope per 1,000 workers over the last half (MB):');
for (const field of ['rssMb', 'brk', 'arenas', 'pages', 'small', 'large'])
  console.log(`  ${field.padEnd(6)} ${(lastHalfSlopePer10Min(rows, field) / 10).toFixed(2)}`);
