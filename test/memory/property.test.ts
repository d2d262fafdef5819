import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import {
  type Allocation,
  AllocationStateError,
  MEMORY_KINDS,
  MemoryBudgetError,
  type MemoryKind,
  type MemoryStats,
  UnifiedMemoryManager,
} from '../../src/memory/index.js';
import { sizeClass } from '../../src/memory/pool.js';
import { testProvider } from './helpers.js';

const MiB = 1024 * 1024;
const POOL_MAX_BUFFER = 128 * 1024;

type Op =
  | { op: 'alloc'; bytes: number; kind: MemoryKind; label: string; asMb: boolean }
  | { op: 'badAlloc'; req: Record<string, unknown> }
  | { op: 'release'; index: number }
  | { op: 'releaseAgain'; index: number }
  | { op: 'set'; key: string; bytes: number }
  | { op: 'get'; key: string }
  | { op: 'delete'; key: string }
  | { op: 'optimize' }
  | { op: 'configure'; patch: Record<string, unknown> };

const key = fc.constantFrom('k0', 'k1', 'k2', 'k3', 'k4');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('alloc' as const),
      bytes: fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 400_000 })),
      kind: fc.constantFrom(...MEMORY_KINDS),
      label: fc.constantFrom('a', 'b', 'c'),
      asMb: fc.boolean(),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('badAlloc' as const),
      req: fc.constantFrom<Record<string, unknown>>(
        { bytes: 0 },
        { bytes: -5 },
        { bytes: 2.5 },
        { bytes: Number.NaN },
        { sizeMb: Number.POSITIVE_INFINITY },
        { bytes: 10, sizeMb: 1 },
        {},
        { bytes: 10, kind: 'gpu' },
        { bytes: 10, label: '' },
        { bytes: 2 * MiB },
      ),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant('release' as const), index: fc.nat() }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('releaseAgain' as const), index: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      key,
      bytes: fc.integer({ min: 1, max: 200_000 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('get' as const), key }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), key }), weight: 1 },
  { arbitrary: fc.constant({ op: 'optimize' as const }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('configure' as const),
      patch: fc.record(
        {
          gcThreshold: fc.oneof(fc.double({ min: 0.1, max: 1, noNaN: true }), fc.constant(1.5)),
          cacheSizeMb: fc.oneof(fc.double({ min: 0.05, max: 1, noNaN: true }), fc.constant(-1)),
          enableCompression: fc.boolean(),
          enableAutoCleanup: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
    }),
    weight: 1,
  },
);

const optionsArb = fc.record({
  gcThreshold: fc.double({ min: 0.3, max: 1, noNaN: true }),
  cacheSizeMb: fc.double({ min: 0.1, max: 0.6, noNaN: true }),
  enableAutoCleanup: fc.boolean(),
  enableCompression: fc.boolean(),
  leakDetection: fc.constantFrom('off' as const, 'sampled' as const, 'full' as const),
  poolMaxFreeMb: fc.constantFrom(0.05, 0.25, 1),
  kindLimitsMb: fc.record({ scratch: fc.constantFrom(0.25, 0.5, 1) }, { requiredKeys: [] }),
});

/** Content of a cache value, so a get can be checked byte for byte. */
function valueFor(k: string, version: number, bytes: number): Buffer {
  return Buffer.alloc(bytes, `${k}:${version};`);
}

interface Live {
  a: Allocation;
  tag: number;
  reserved: number;
}

/** A plain assertion: checkBooks runs ~100,000 times, where expect() would dominate the run time. */
function check(ok: boolean, what: string, s: MemoryStats): void {
  if (!ok) throw new Error(`books out of balance: ${what}\n${JSON.stringify({ ...s, process: undefined })}`);
}

function checkBooks(m: UnifiedMemoryManager, live: Live[], cacheLimit: number): MemoryStats {
  const s = m.getMemoryStats();
  check(s.usedBytes + s.pooledFreeBytes <= s.maxBytes, 'used + pooled <= max', s);
  const mineTotal = live.reduce((n, l) => n + l.reserved, 0);
  check(s.usedBytes === mineTotal + s.cacheBytes, 'used = live allocations + cache entries', s);
  check(s.allocations === live.length + s.cacheEntries, 'allocation count', s);
  let kindBytes = 0;
  for (const k of MEMORY_KINDS) {
    const u = s.byKind[k];
    const mine = live.filter((l) => l.a.kind === k);
    const extra = k === 'cache' ? s.cacheBytes : 0;
    check(u.bytes === mine.reduce((n, l) => n + l.reserved, 0) + extra, `byKind.${k}.bytes`, s);
    check(u.count === mine.length + (k === 'cache' ? s.cacheEntries : 0), `byKind.${k}.count`, s);
    check(u.bytes <= u.limitBytes, `byKind.${k} within its limit`, s);
    kindBytes += u.bytes;
  }
  check(kindBytes === s.usedBytes, 'sum of byKind = used', s);
  const labelBytes = Object.values(s.byLabel).reduce((n, u) => n + u.bytes, 0);
  check(labelBytes === s.usedBytes, 'sum of byLabel = used', s);
  check(s.cacheBytes <= cacheLimit, 'cache within cacheSizeMb', s);
  check(s.peakBytes >= s.usedBytes, 'peak >= used', s);
  return s;
}

function run(m: UnifiedMemoryManager, ops: Op[], cacheSizeMb: number): void {
  const live: Live[] = [];
  const released: Allocation[] = [];
  const model = new Map<string, Buffer>();
  let cacheLimit = Math.floor(cacheSizeMb * MiB);
  let tag = 0;
  for (const o of ops) {
    const before = m.getMemoryStats();
    try {
      switch (o.op) {
        case 'alloc': {
          const req = o.asMb ? { sizeMb: o.bytes / MiB } : { bytes: o.bytes };
          const a = m.allocate({ ...req, kind: o.kind, label: o.label });
          expect(a.bytes).toBe(o.asMb ? Math.ceil((o.bytes / MiB) * MiB) : o.bytes);
          const t = ++tag & 0xff;
          a.buffer[0] = t;
          a.buffer[a.bytes - 1] = t;
          let reserved = sizeClass(a.bytes, POOL_MAX_BUFFER);
          if (reserved > MiB) reserved = a.bytes;
          live.push({ a, tag: t, reserved });
          break;
        }
        case 'badAlloc': {
          expect(() => m.allocate({ label: 'x', kind: 'scratch', ...o.req } as never)).toThrow(/request/);
          expect(m.getMemoryStats()).toEqual(before);
          break;
        }
        case 'release': {
          if (live.length === 0) break;
          const [l] = live.splice(o.index % live.length, 1);
          // nobody else wrote into this buffer while it was live (no double hand-out)
          expect(l!.a.buffer[0]).toBe(l!.tag);
          expect(l!.a.buffer[l!.a.bytes - 1]).toBe(l!.tag);
          l!.a.release();
          released.push(l!.a);
          break;
        }
        case 'releaseAgain': {
          if (released.length === 0) break;
          const a = released[o.index % released.length]!;
          expect(() => a.release()).toThrow(AllocationStateError);
          expect(() => a.buffer).toThrow(AllocationStateError);
          break;
        }
        case 'set': {
          const v = valueFor(o.key, ++tag, o.bytes);
          m.cache.set(o.key, v);
          model.set(o.key, v);
          break;
        }
        case 'get': {
          const got = m.cache.get(o.key);
          if (got === undefined) model.delete(o.key);
          else expect(got.equals(model.get(o.key)!)).toBe(true);
          break;
        }
        case 'delete':
          expect(m.cache.delete(o.key)).toBe(model.delete(o.key) && true);
          break;
        case 'optimize': {
          const r = m.optimize();
          const after = m.getMemoryStats();
          expect(r.freedBytes).toBe(
            before.usedBytes + before.pooledFreeBytes - after.usedBytes - after.pooledFreeBytes,
          );
          break;
        }
        case 'configure': {
          m.configure(o.patch);
          if (typeof o.patch.cacheSizeMb === 'number') cacheLimit = Math.floor(o.patch.cacheSizeMb * MiB);
          break;
        }
      }
    } catch (e) {
      if (e instanceof MemoryBudgetError) {
        expect(['alloc', 'set']).toContain(o.op);
        expect(e.requestedBytes).toBeGreaterThan(0);
      } else if (e instanceof ConfigError || e instanceof RangeError) {
        // configure with a bad value (ConfigError) / cache value larger than the bound: nothing changed
        expect(['configure', 'set']).toContain(o.op);
        const after = m.getMemoryStats();
        expect(after.usedBytes).toBe(before.usedBytes);
        expect(after.cacheEntries).toBe(before.cacheEntries);
      } else throw e;
    }
    // entries may be evicted at any time; keep the model to what the cache still has
    for (const k of [...model.keys()]) if (!m.cache.has(k)) model.delete(k);
    expect(m.cache.keys().sort()).toEqual([...model.keys()].sort());
    checkBooks(m, live, cacheLimit);
  }
  for (const l of live) l.a.release();
  m.cache.clear();
  const end = m.getMemoryStats();
  expect(end).toMatchObject({ usedBytes: 0, allocations: 0, cacheBytes: 0 });
  expect(end.byLabel).toEqual({});
}

describe('property: random allocate/release/cache/optimize/configure sequences', () => {
  test('the books balance after every step and used + pooled never exceeds max', () => {
    fc.assert(
      fc.property(optionsArb, fc.array(opArb, { minLength: 1, maxLength: 40 }), (options, ops) => {
        const m = new UnifiedMemoryManager({
          ...options,
          maxMemoryMb: 1,
          compressIdleMillis: 0,
          cleanupIntervalMillis: 0,
          processSampleIntervalMillis: 0,
          poolMaxBufferBytes: POOL_MAX_BUFFER,
        });
        try {
          run(m, ops, options.cacheSizeMb);
        } finally {
          m.close();
        }
      }),
      { numRuns: 2000 },
    );
  }, 120_000);

  test('observed metrics equal the stats after any sequence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 30 }), async (ops) => {
        const { provider, collect } = testProvider();
        const m = new UnifiedMemoryManager({
          maxMemoryMb: 1,
          cacheSizeMb: 0.5,
          leakDetection: 'off',
          cleanupIntervalMillis: 0,
          processSampleIntervalMillis: 0,
          poolMaxBufferBytes: POOL_MAX_BUFFER,
          meterProvider: provider,
        });
        try {
          for (const o of ops) {
            try {
              if (o.op === 'alloc') m.allocate({ bytes: o.bytes, kind: o.kind, label: o.label });
              else if (o.op === 'set') m.cache.set(o.key, valueFor(o.key, 0, o.bytes));
              else if (o.op === 'optimize') m.optimize();
            } catch (e) {
              if (!(e instanceof MemoryBudgetError)) throw e;
            }
          }
          const s = m.getMemoryStats();
          const c = await collect();
          for (const kind of MEMORY_KINDS) {
            expect(c.value('aiva.memory.used', { kind })).toBe(s.byKind[kind].bytes);
          }
          expect(c.value('aiva.memory.pool.free')).toBe(s.pooledFreeBytes);
          expect(c.value('aiva.memory.evictions')).toBe(s.evictions);
          const ok = MEMORY_KINDS.reduce(
            (n, kind) => n + c.value('aiva.memory.allocations', { kind, outcome: 'ok' })!,
            0,
          );
          expect(ok).toBe(s.allocationsTotal);
          const sizes = MEMORY_KINDS.reduce(
            (n, kind) => n + (c.histogram('aiva.memory.allocation.size', { kind })?.count ?? 0),
            0,
          );
          expect(sizes).toBe(s.allocationsTotal);
        } finally {
          m.close();
          await provider.shutdown();
        }
      }),
      { numRuns: 200 },
    );
  }, 60_000);
});
