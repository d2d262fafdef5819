// Where the soak's native memory rise comes from (issue 13):
//   npx tsc -p tsconfig.json && node bench/malloc-churn.js [--minutes 120] [--variants manager,manager@mmap64k,manager@jemalloc,slabs,plain] [--no-scrape-bodies]
// Replays the soak's memory-manager load (bench/fixtures/memory-cycle.js: allocations of 1–256 KiB,
// 20 to 200 held on a 5-minute cycle, 250 operations a second, a cleanup tick every 30 s) about 100× faster than real time,
// next to what the soak's scrapes do to malloc (a ~1.5 MiB body a second, held until the next). Each
// variant runs in its own process and prints glibc's main arena (the `[heap]` mapping's RSS, where the
// soaks put the rise) every simulated 10 minutes, after a full GC:
//   manager          UnifiedMemoryManager (dist/), maxMemoryMb 64: size-class free lists that decay per tick
//   manager@mmap64k  the same, the process started with MALLOC_MMAP_THRESHOLD_=65536 (glibc's fixed threshold)
//   manager@jemalloc the same on jemalloc (LD_PRELOAD; Debian's libjemalloc2), which returns idle pages
//                    on a 10 s clock that this replay outruns: judge jemalloc in a real-time soak
//   slabs            a sketch: every class carved from uniform 256 KiB slabs, a slab freed when empty
//                    for two ticks, so every malloc the pool makes is one size
//   plain            Buffer.allocUnsafeSlow per allocation, dropped on release (no pool; what is not
//                    reused waits for the GC, so its level says more about the GC than about malloc)
// glibc raises its mmap threshold to the size of each mmapped chunk it frees (up to 32 MiB), so after
// the first freed scrape body every buffer up to that size comes from the main arena, which returns
// memory only from its top; a fixed threshold keeps big buffers in their own mappings.
// Linux only (reads /proc/self/smaps). Bounded: each child stops after --minutes simulated minutes.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sizeClass as managerSizeClass } from '../dist/src/memory/pool.js';
import { MemoryCycle, OPS_PER_SECOND } from './fixtures/memory-cycle.js';
import { lastHalfSlopePer10Min } from './lib.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '120' },
    variants: { type: 'string', default: 'manager,manager@mmap64k,manager@jemalloc,slabs' },
    'scrape-bodies': { type: 'boolean', default: true },
    child: { type: 'string' },
  },
  allowNegative: true,
});
const minutes = Number(args.minutes);
if (!(minutes >= 20)) {
  console.error(
    'usage: node bench/malloc-churn.js [--minutes 120 (≥ 20)] [--variants manager,manager@mmap64k,manager@jemalloc,slabs,plain] [--no-scrape-bodies]',
  );
  process.exit(2);
}

const TICK_OPS = 30 * OPS_PER_SECOND; // the manager's cleanup tick (30 s) in operations
const SLAB_BYTES = 256 * 1024;
/** The manager's default pooled range: every request here is class-sized. */
const sizeClass = (bytes) => managerSizeClass(bytes, 8 * 1024 * 1024);
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
/** The simulated 30 s cleanup tick in real time. */
const TICK_MILLIS = 20;

if (args.child === undefined) {
  const self = fileURLToPath(import.meta.url);
  console.log(
    `node ${process.version}; simulated ${minutes} min of the soak's memory load` +
      `${args['scrape-bodies'] ? ' and scrape bodies' : ''}; [heap] RSS in MB every 10 simulated minutes`,
  );
  for (const variant of args.variants.split(',')) {
    const [name, tuning] = variant.split('@');
    const env = { ...process.env };
    delete env.MALLOC_MMAP_THRESHOLD_;
    if (tuning === 'mmap64k') env.MALLOC_MMAP_THRESHOLD_ = '65536';
    else if (tuning === 'jemalloc') {
      if (!existsSync(JEMALLOC)) {
        console.log(`  ${variant.padEnd(16)} skipped: ${JEMALLOC} is not installed (Debian: libjemalloc2)`);
        continue;
      }
      env.LD_PRELOAD = JEMALLOC;
    } else if (tuning !== undefined) throw new Error(`unknown tuning ${tuning}`);
    const out = execFileSync(
      process.execPath,
      [
        '--expose-gc',
        self,
        '--child',
        name,
        '--minutes',
        String(minutes),
        args['scrape-bodies'] ? '--scrape-bodies' : '--no-scrape-bodies',
      ],
      { encoding: 'utf8', env, timeout: 15 * 60_000 },
    );
    const samples = JSON.parse(out);
    const slope = (key) => {
      const perTen = lastHalfSlopePer10Min(samples, key);
      return `${perTen >= 0 ? '+' : ''}${perTen.toFixed(2)}`;
    };
    console.log(
      `  ${variant.padEnd(16)} ${samples.map((s) => s.heapMb.toFixed(1).padStart(6)).join('')}   ` +
        `last half ${slope('heapMb')} MB/10 min; RSS ${samples[0].rssMb.toFixed(0)} → ${samples.at(-1).rssMb.toFixed(0)} MB, last half ${slope('rssMb')} MB/10 min`,
    );
  }
  process.exit(0);
}

function heapRssMb() {
  const smaps = readFileSync('/proc/self/smaps', 'utf8');
  const at = smaps.indexOf('[heap]');
  return at < 0 ? 0 : Number(/Rss:\s+(\d+) kB/.exec(smaps.slice(at))[1]) / 1024;
}

/** `allocate(bytes)` → handle with `release()`, and `tick()` after each simulated cleanup period. */
async function allocator(variant) {
  if (variant === 'manager') {
    const { UnifiedMemoryManager } = await import('../dist/src/memory/index.js');
    // its own cleanup timer, at a period the replay waits out once per simulated 30 s
    const manager = new UnifiedMemoryManager({ maxMemoryMb: 64, cleanupIntervalMillis: TICK_MILLIS });
    return { allocate: (bytes) => manager.allocate({ bytes, label: 'soak', kind: 'scratch' }), tick() {} };
  }
  if (variant === 'plain') {
    return {
      allocate: (bytes) => ({ buffer: Buffer.allocUnsafeSlow(sizeClass(bytes)), release() {} }),
      tick() {},
    };
  }
  if (variant === 'slabs') return slabAllocator();
  throw new Error(`unknown variant ${variant}`);
}

function slabAllocator() {
  const partial = new Map(); // class → slabs with a free slot
  const slabs = new Set();
  const slabOf = (cls) => {
    let open = partial.get(cls);
    if (open === undefined) {
      open = [];
      partial.set(cls, open);
    }
    let slab = open.at(-1);
    if (slab === undefined) {
      const slots = Math.max(1, Math.floor(SLAB_BYTES / cls));
      slab = { cls, memory: Buffer.allocUnsafeSlow(slots * cls), free: [], used: 0, emptyTicks: 0 };
      for (let i = slots - 1; i >= 0; i--) slab.free.push(i);
      open.push(slab);
      slabs.add(slab);
    }
    return slab;
  };
  return {
    allocate(bytes) {
      const cls = sizeClass(bytes);
      const slab = slabOf(cls);
      const slot = slab.free.pop();
      slab.used++;
      slab.emptyTicks = 0;
      if (slab.free.length === 0) partial.get(cls).pop();
      return {
        buffer: slab.memory.subarray(slot * cls, (slot + 1) * cls),
        release() {
          if (slab.free.length === 0) partial.get(cls).push(slab);
          slab.free.push(slot);
          slab.used--;
        },
      };
    },
    tick() {
      for (const slab of slabs) {
        if (slab.used > 0) continue;
        if (++slab.emptyTicks < 2) continue;
        slabs.delete(slab);
        const open = partial.get(slab.cls);
        open.splice(open.indexOf(slab), 1);
      }
    },
  };
}

const { allocate, tick } = await allocator(args.child);
const load = new MemoryCycle(allocate);
let body; // the scrape body of the current simulated second
const samples = [];
const totalOps = minutes * 60 * OPS_PER_SECOND;
const sampleEvery = 10 * 60 * OPS_PER_SECOND;
// the soak's own load (bench/fixtures/memory-cycle.js), on simulated time
for (let op = 0; op <= totalOps; op++) {
  load.step(op / OPS_PER_SECOND);
  if (op % OPS_PER_SECOND === 0) {
    if (args['scrape-bodies'])
      body = Buffer.allocUnsafeSlow(1.5 * 2 ** 20 + Math.floor(Math.random() * 65536));
    body?.fill(op & 0xff);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (op % TICK_OPS === 0) {
    await sleep(TICK_MILLIS + 5); // the manager's own cleanup timer fires here
    tick();
    // the soak samples after a full GC every 30 s; dropped array buffers are freed there, not at GC's leisure
    globalThis.gc?.();
  }
  if (op % sampleEvery === 0) {
    // let the event loop run (the manager's finalizers, V8's freeing of array buffers) before sampling
    await new Promise((resolve) => setImmediate(resolve));
    globalThis.gc?.();
    samples.push({
      minute: op / OPS_PER_SECOND / 60,
      heapMb: heapRssMb(),
      rssMb: process.memoryUsage().rss / 2 ** 20,
    });
  }
}
process.stdout.write(JSON.stringify(samples));
