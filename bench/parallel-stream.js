// mapStream memory bound, against the build:
//   npx tsc -p tsconfig.json && node --expose-gc bench/parallel-stream.js [items=10000000]
// Streams N trivial items from an async generator through processor.mapStream (maxPending 1024) and samples
// the heap; beside it, processor.map over a materialized array of N/10 items, the obvious alternative,
// whose memory grows with N.
import { performance } from 'node:perf_hooks';
import { defineTask, ParallelProcessor } from '../dist/src/parallel/index.js';

const N = Number(process.argv[2] ?? 10_000_000);
const trivial = defineTask(new URL('./tasks/parallel-tasks.js', import.meta.url), 'trivial');
const mb = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;
const heap = () => process.memoryUsage().heapUsed;

const processor = new ParallelProcessor({ name: 'bench-stream', maxWorkers: 2, minWorkers: 2 });
await processor.map(trivial, [1, 2, 3]);

async function* source(n) {
  for (let i = 0; i < n; i++) yield i;
}

global.gc?.();
const base = heap();
let peak = base;
let count = 0;
let checksum = 0;
const t = performance.now();
for await (const value of processor.mapStream(trivial, source(N), { maxPending: 1024 })) {
  checksum += value;
  if (++count % 500_000 === 0) {
    global.gc?.(); // live memory, not garbage waiting for a collection
    peak = Math.max(peak, heap());
  }
}
const streamMs = performance.now() - t;
console.log(`mapStream: ${count.toLocaleString()} items in ${(streamMs / 1000).toFixed(1)} s`);
console.log(
  `  heap at start ${mb(base)}, peak live heap while streaming ${mb(peak)} (growth ${mb(peak - base)})`,
);
console.log(`  checksum ok: ${checksum === (N * (N + 1)) / 2}`);

const M = Math.round(N / 10);
global.gc?.();
const before = heap();
const items = Array.from({ length: M }, (_, i) => i);
const t2 = performance.now();
const results = await processor.map(trivial, items);
const mapMs = performance.now() - t2;
const after = heap();
console.log(
  `map over an array of ${M.toLocaleString()} items: ${(mapMs / 1000).toFixed(1)} s, heap growth ${mb(after - before)} (${results.length} results held)`,
);
await processor.close();
