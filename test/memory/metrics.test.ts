import { afterEach, describe, expect, test } from 'vitest';
import { MemoryBudgetError, UnifiedMemoryManager } from '../../src/memory/index.js';
import { testProvider } from './helpers.js';

const KiB = 1024;
const managers: UnifiedMemoryManager[] = [];
afterEach(() => {
  for (const m of managers.splice(0)) m.close();
});

function setup(name = 'default') {
  const { provider, collect } = testProvider();
  const m = new UnifiedMemoryManager({
    name,
    maxMemoryMb: 1,
    cacheSizeMb: 0.5,
    gcThreshold: 0.9,
    leakDetection: 'off',
    processSampleIntervalMillis: 0,
    meterProvider: provider,
  });
  managers.push(m);
  return { m, collect, provider };
}

describe('metrics', () => {
  test('every allocate/release/reject/evict shows in the recorded values', async () => {
    const { m, collect } = setup('scanner');
    const a = m.allocate({ bytes: 5000, label: 'secret-user-123', kind: 'scratch' });
    m.allocate({ bytes: 64 * KiB, label: 'weights', kind: 'model' });
    a.release();
    expect(() => m.allocate({ bytes: 1000 * KiB, label: 'x', kind: 'vector' })).toThrow(MemoryBudgetError);
    const v = Buffer.alloc(200 * KiB);
    m.cache.set('a', v).set('b', v).set('c', v); // 3 × 224 KiB > 512 KiB bound → 'a' evicted, reused by 'c'
    m.cache.delete('b'); // its buffer goes to the free pool

    const c = await collect();
    const pool = 'scanner';
    expect(c.value('aiva.memory.used', { pool, kind: 'model' })).toBe(65536);
    expect(c.value('aiva.memory.used', { pool, kind: 'scratch' })).toBe(0);
    expect(c.value('aiva.memory.used', { pool, kind: 'cache' })).toBe(229376);
    expect(c.value('aiva.memory.limit', { pool })).toBe(1048576);
    expect(c.value('aiva.memory.utilization', { pool })).toBeCloseTo((65536 + 229376) / 1048576, 10);
    // the rejected 1 MiB request trimmed the pool (the 5120-byte scratch buffer) first
    expect(c.value('aiva.memory.pool.free', { pool })).toBe(229376);
    expect(c.value('aiva.memory.allocations', { pool, kind: 'scratch', outcome: 'ok' })).toBe(1);
    expect(c.value('aiva.memory.allocations', { pool, kind: 'vector', outcome: 'rejected' })).toBe(1);
    expect(c.value('aiva.memory.allocations', { pool, kind: 'cache', outcome: 'ok' })).toBe(3);
    expect(c.value('aiva.memory.releases', { pool, kind: 'scratch' })).toBe(1);
    expect(c.value('aiva.memory.releases', { pool, kind: 'cache' })).toBe(2);
    expect(c.value('aiva.memory.evictions', { pool })).toBe(1);
    expect(c.value('aiva.memory.compression.saved', { pool })).toBe(0);
    expect(c.value('aiva.memory.leaks.suspected', { pool })).toBe(0);

    const h = c.histogram('aiva.memory.allocation.size', { kind: 'cache' })!;
    expect(h.count).toBe(3);
    expect(h.sum).toBe(3 * 200 * KiB);
    const scratch = c.histogram('aiva.memory.allocation.size', { kind: 'scratch' })!;
    expect(scratch.count).toBe(1);
    expect(scratch.sum).toBe(5000); // requested bytes, not the size class
    // byte-sized buckets: 5000 lands in (4096, 16384]
    expect(scratch.buckets.boundaries.slice(0, 3)).toEqual([1024, 4096, 16384]);
    expect(scratch.buckets.counts[2]).toBe(1);
  });

  test('attributes are kind, pool and outcome only: never the free-text label', async () => {
    const { m, collect } = setup();
    m.allocate({ bytes: 100, label: 'user@example.com', kind: 'scratch' });
    const c = await collect();
    const keys = new Set<string>();
    for (const name of c.names())
      for (const attrs of c.attributes(name)) for (const k of Object.keys(attrs)) keys.add(k);
    expect([...keys].sort()).toEqual(['kind', 'outcome', 'pool']);
    expect(JSON.stringify(c.names().flatMap((n) => c.attributes(n)))).not.toContain('user@example.com');
    expect(c.names().sort()).toEqual([
      'aiva.memory.allocation.size',
      'aiva.memory.allocations',
      'aiva.memory.compression.saved',
      'aiva.memory.evictions',
      'aiva.memory.leaks.suspected',
      'aiva.memory.limit',
      'aiva.memory.pool.free',
      'aiva.memory.releases',
      'aiva.memory.used',
      'aiva.memory.utilization',
    ]);
  });

  test('two managers on one provider are told apart by pool', async () => {
    const { provider, collect } = testProvider();
    const opts = { maxMemoryMb: 1, leakDetection: 'off' as const, meterProvider: provider };
    const a = new UnifiedMemoryManager({ ...opts, name: 'a' });
    const b = new UnifiedMemoryManager({ ...opts, name: 'b' });
    managers.push(a, b);
    a.allocate({ bytes: 4096, label: 'x', kind: 'vector' });
    b.allocate({ bytes: 8192, label: 'x', kind: 'vector' });
    const c = await collect();
    expect(c.value('aiva.memory.used', { pool: 'a', kind: 'vector' })).toBe(4096);
    expect(c.value('aiva.memory.used', { pool: 'b', kind: 'vector' })).toBe(8192);
  });

  test('close() unregisters the observable callback (values stop moving)', async () => {
    const { m, collect } = setup('closing');
    const a = m.allocate({ bytes: 4096, label: 'x', kind: 'vector' });
    const b = m.allocate({ bytes: 4096, label: 'x', kind: 'vector' });
    a.release();
    const used = { pool: 'closing', kind: 'vector' };
    expect((await collect()).value('aiva.memory.used', used)).toBe(4096);
    m.close();
    b.release();
    expect(m.getMemoryStats().usedBytes).toBe(0);
    // the SDK keeps the last cumulative point, but no callback updates it any more
    expect((await collect()).value('aiva.memory.used', used)).not.toBe(0);
  });

  test('without a meterProvider the global (no-op) provider is used', () => {
    const m = new UnifiedMemoryManager({ maxMemoryMb: 1 });
    managers.push(m);
    expect(m.allocate({ bytes: 10, label: 'x', kind: 'scratch' }).bytes).toBe(10);
  });
});

describe('Prometheus names (exporter-prometheus serializer)', () => {
  test('the names the README documents are the names Prometheus sees', async () => {
    const { PrometheusSerializer } = await import('@opentelemetry/exporter-prometheus');
    const { TestReader } = await import('./helpers.js');
    const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const m = new UnifiedMemoryManager({ maxMemoryMb: 1, leakDetection: 'off', meterProvider: provider });
    managers.push(m);
    m.allocate({ bytes: 5000, label: 'x', kind: 'scratch' });
    const { resourceMetrics } = await reader.collect();
    const text = new PrometheusSerializer().serialize(resourceMetrics);
    const types = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => [x[1], x[2]]));
    expect(types).toMatchObject({
      aiva_memory_used: 'gauge',
      aiva_memory_limit: 'gauge',
      aiva_memory_utilization: 'gauge',
      aiva_memory_pool_free: 'gauge',
      aiva_memory_allocations_total: 'counter',
      aiva_memory_releases_total: 'counter',
      aiva_memory_allocation_size: 'histogram',
      aiva_memory_evictions_total: 'counter',
      aiva_memory_compression_saved: 'gauge',
      aiva_memory_leaks_suspected: 'gauge',
    });
    expect(text).toMatch(/^aiva_memory_used\{[^}]*pool="default"[^}]*kind="scratch"[^}]*\} 5120/m);
    expect(text).toMatch(/^aiva_memory_allocation_size_bucket\{[^}]*kind="scratch"[^}]*le="16384"\} 1/m);
    await provider.shutdown();
  });
});
