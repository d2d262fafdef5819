import { readFileSync } from 'node:fs';
import { UnifiedMemoryManager } from './dist/src/index.js';
const brk = () => { const t = readFileSync('/proc/self/smaps', 'utf8'); const i = t.indexOf('[heap]'); if (i < 0) return 0; return Number(/Rss:\s+(\d+)/.exec(t.slice(i))[1]) / 1024; };
const memory = new UnifiedMemoryManager({ maxMemoryMb: 64, cleanupIntervalMillis: 0 });
const held = []; const out = [];
for (let tick = 0; tick < 3000 * 60; tick++) { // one simulated hour of 20 ms ticks
  for (let i = 0; i < 5; i++) {
    if (held.length > 0 && (held.length > 200 || Math.random() < 0.5)) held.splice(Math.floor(Math.random() * held.length), 1)[0].release();
    else try { held.push(memory.allocate({ bytes: 1024 * (1 + Math.floor(Math.random() * 256)), label: 'soak', kind: 'scratch' })); } catch {}
  }
  if (tick % 3000 === 0) memory.cleanup?.();
  if (tick % (3000 * 10) === 0) { globalThis.gc(); out.push(`${tick / 3000}m brk ${brk().toFixed(1)} ab ${(process.memoryUsage().arrayBuffers / 2 ** 20).toFixed(1)} rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)}`); }
}
console.log(out.join(' | '));
