import { type MeterProvider, metrics } from '@opentelemetry/api';
import { Allocation, type AllocationOwner, allocationAccess } from './allocation.js';
import { Books } from './books.js';
import { MemoryCache } from './cache.js';
import { AllocationStateError, type KindBudget, MemoryBudgetError } from './errors.js';
import { LeakTracker, type TrackRecord } from './leaks.js';
import { MemoryMetrics } from './metrics.js';
import type { MemoryConfigureOptions, MemoryOptions, ResolvedMemoryOptions } from './options.js';
import { BufferPool, sizeClass } from './pool.js';
import { ProcessSampler } from './process-sampler.js';
import { requestBytes } from './request.js';
import { resolveConfigure, resolveMemoryOptions } from './resolve.js';
import { buildStats } from './stats.js';
import {
  type AllocationRequest,
  kindIndex,
  type LeakReport,
  MEMORY_KINDS,
  type MemoryKind,
  type MemoryStats,
  type OptimizeResult,
} from './types.js';

const access = allocationAccess();
const CACHE = 2;
const POISON = 0xde;
let nextId = 0;

/**
 * A budgeted, pooled, leak-checked memory manager. Hands out labelled Buffers
 * from a hard budget (`maxMemoryMb`), grouped by kind, reused through size-class
 * pools, with an LRU task cache (`cache`) and OpenTelemetry metrics.
 *
 * @example
 * const mem = new UnifiedMemoryManager({ maxMemoryMb: 2048, gcThreshold: 0.8 });
 * using a = mem.allocate({ sizeMb: 100, label: 'scan_cache', kind: 'vector' });
 * a.buffer.fill(0);
 */
export class UnifiedMemoryManager implements AllocationOwner {
  /** The task data cache: LRU of `cache`-kind allocations bounded by `cacheSizeMb`. */
  readonly cache: MemoryCache;
  readonly #o: ResolvedMemoryOptions;
  readonly #books = new Books();
  readonly #pool: BufferPool;
  readonly #leaks: LeakTracker;
  readonly #metrics: MemoryMetrics;
  readonly #sampler: ProcessSampler;
  readonly #onLeak: ((leak: LeakReport) => void) | undefined;
  #cleanupTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: MemoryOptions = {}) {
    const o = resolveMemoryOptions(options);
    this.#o = o;
    this.#onLeak = options.onLeak;
    this.#pool = new BufferPool(o.poolMaxFreeBytes, o.poolMaxBufferBytes);
    this.#leaks = new LeakTracker(o.leakDetection, o.leakSampleInterval, o.leakAgeMillis, (rec, report) =>
      this.#reclaim(rec, report),
    );
    this.cache = new MemoryCache(
      {
        allocateEntry: (bytes, exact) => this.#allocate(bytes, 'mem.cache', 'cache', CACHE, exact),
        charge: (bytes) => sizeClass(bytes, this.#o.poolMaxBufferBytes),
        evicted: (n) => {
          this.#books.evictions += n;
        },
      },
      o.cacheBytes,
    );
    this.#sampler = new ProcessSampler(
      o.processSampleIntervalMillis,
      o.processHeadroomBytes,
      o.processRssLimitBytes,
    );
    const provider: MeterProvider = options.meterProvider ?? metrics.getMeterProvider();
    this.#metrics = new MemoryMetrics(provider, o.name, {
      books: this.#books,
      maxBytes: () => this.#o.maxBytes,
      poolFreeBytes: () => this.#pool.freeBytes,
      compressionSavedBytes: () => this.cache.compressedSavedBytes,
      leaksSuspected: () => this.#leaks.suspected(),
    });
    this.#armCleanupTimer();
  }

  /**
   * Hands out `bytes` (or `sizeMb`) of memory, reusing a pooled buffer when one
   * fits. Throws TypeError/RangeError on bad input, MemoryBudgetError when the
   * budget refuses after cleanup, AllocationStateError after close().
   */
  allocate(request: AllocationRequest): Allocation {
    const bytes = requestBytes(request, this.#o.maxBytes);
    return this.#allocate(bytes, request.label, request.kind, kindIndex(request.kind));
  }

  #allocate(bytes: number, label: string, kind: MemoryKind, ki: number, exact = false): Allocation {
    if (this.#closed) throw new AllocationStateError('the memory manager is closed', 'closed');
    let cls = exact ? bytes : sizeClass(bytes, this.#o.poolMaxBufferBytes);
    if (cls > this.#o.maxBytes) cls = bytes;
    const b = this.#books;
    if (b.kindUsed[ki]! + cls > this.#o.kindLimitBytes[ki]!) {
      if (ki === CACHE && this.#o.enableAutoCleanup) {
        this.cache.evictUntil(() => b.kindUsed[CACHE]! + cls <= this.#o.kindLimitBytes[CACHE]!);
      }
      if (b.kindUsed[ki]! + cls > this.#o.kindLimitBytes[ki]!) {
        this.#reject('kind', cls, kind, ki, this.#o.kindLimitBytes[ki]! - b.kindUsed[ki]!);
      }
    }
    const base = this.#pool.take(cls) ?? this.#grow(cls, kind, ki);
    b.add(ki, label, cls);
    const id = ++nextId;
    const track = this.#leaks.maybeTrack(id, label, kind, ki, cls, this.allocate);
    const a = new Allocation(this, id, bytes, base, label, kind, ki, track);
    if (track !== undefined) this.#leaks.watch(a, track);
    this.#metrics.recordAllocation(bytes, ki);
    return a;
  }

  /** New memory for a pool miss: cleanup at the threshold, then the budget and process checks. */
  #grow(cls: number, kind: MemoryKind, ki: number): Buffer {
    const o = this.#o;
    const b = this.#books;
    if (o.enableAutoCleanup && b.used + this.#pool.freeBytes + cls > o.gcThreshold * o.maxBytes) {
      this.#pool.trim();
      if (this.cache.evictUntil(() => b.used + cls <= o.gcThreshold * o.maxBytes) > 0) this.#pool.trim();
    }
    const over = b.used + this.#pool.freeBytes + cls - o.maxBytes;
    if (over > 0) this.#pool.trim(over);
    if (b.used + this.#pool.freeBytes + cls > o.maxBytes) {
      this.#reject('budget', cls, kind, ki, o.maxBytes - b.used - this.#pool.freeBytes);
    }
    if (cls > this.#sampler.roomBytes()) this.#reject('process', cls, kind, ki, this.#sampler.roomBytes());
    try {
      return Buffer.allocUnsafeSlow(cls);
    } catch {
      return this.#reject('process', cls, kind, ki, 0);
    }
  }

  #reject(
    reason: MemoryBudgetError['reason'],
    cls: number,
    kind: MemoryKind,
    ki: number,
    avail: number,
  ): never {
    this.#books.rejected[ki]!++;
    const byKind = {} as KindBudget;
    MEMORY_KINDS.forEach((k, i) => {
      byKind[k] = { usedBytes: this.#books.kindUsed[i]!, limitBytes: this.#o.kindLimitBytes[i]! };
    });
    const what = {
      budget: 'maxMemoryMb',
      kind: `kindLimitsMb.${kind}`,
      process: 'process headroom',
    }[reason];
    throw new MemoryBudgetError(
      `cannot allocate ${cls} bytes of ${kind}: ${what} leaves ${Math.max(0, avail)} bytes`,
      { reason, requestedBytes: cls, availableBytes: Math.max(0, avail), kind, byKind },
    );
  }

  /**
   * Returns an allocation's memory to the pool. Throws TypeError for a
   * non-allocation and AllocationStateError on a second release or an
   * allocation of another manager.
   */
  deallocate(allocation: Allocation): void {
    if (!(allocation instanceof Allocation)) throw new TypeError('allocation must be an Allocation');
    if (access.owner(allocation) !== this) {
      throw new AllocationStateError(
        `allocation ${allocation.id} belongs to another memory manager`,
        'foreign',
      );
    }
    if (!access.detach(allocation)) {
      throw new AllocationStateError(
        `allocation ${allocation.id} (${allocation.label}) was already released`,
        'double-release',
      );
    }
    const ki = access.kindIndex(allocation);
    const base = access.base(allocation);
    this.#books.remove(ki, allocation.label, base.length);
    const track = access.track(allocation);
    if (track !== undefined) this.#leaks.untrack(track as TrackRecord);
    if (this.#o.poisonReleased) base.fill(POISON);
    if (!this.#closed) this.#pool.give(base);
  }

  /** A leaked allocation was garbage-collected: its bytes are free again. */
  #reclaim(rec: TrackRecord, report: LeakReport): void {
    this.#books.remove(rec.kindIndex, rec.label, rec.reserved);
    try {
      this.#onLeak?.(report);
    } catch {
      // a throwing callback must not break the books
    }
  }

  /** Usage snapshot; byte figures are exact, MiB figures derived from them. */
  getMemoryStats(): MemoryStats {
    return buildStats(
      this.#books,
      this.#o,
      this.#pool.freeBytes,
      this.cache,
      this.#leaks.suspected(),
      this.#sampler.sample(),
    );
  }

  /**
   * Cleans up now: compresses idle cache entries (with compression on), evicts
   * cache entries while above the threshold, drops every pooled buffer, then runs
   * `global.gc()` when the process exposes it.
   */
  optimize(): OptimizeResult {
    const before = this.#books.used + this.#pool.freeBytes;
    const o = this.#o;
    const compressed = o.enableCompression ? this.cache.compressIdle(Date.now() - o.compressIdleMillis) : 0;
    const evicted = this.cache.evictUntil(() => this.#books.used <= o.gcThreshold * o.maxBytes);
    const poolTrimmedBytes = this.#pool.trim();
    const after = this.#books.used + this.#pool.freeBytes;
    (globalThis as { gc?: () => void }).gc?.();
    return { freedBytes: Math.max(0, before - after), evicted, compressed, poolTrimmedBytes };
  }

  /**
   * The timer's cleanup: compress idle entries; drop pooled buffers no allocation needed since the
   * last tick; above the threshold, evict and trim,
   * then `global.gc()` (when exposed) if that dropped anything, so the freed
   * buffers' memory goes back to the system promptly. Never on the allocation path.
   */
  #tick(): void {
    const o = this.#o;
    if (o.enableCompression) this.cache.compressIdle(Date.now() - o.compressIdleMillis);
    this.#pool.decay();
    if (this.#books.used + this.#pool.freeBytes > o.gcThreshold * o.maxBytes) {
      let dropped = this.#pool.trim();
      dropped += this.cache.evictUntil(() => this.#books.used <= o.gcThreshold * o.maxBytes);
      dropped += this.#pool.trim();
      if (dropped > 0) (globalThis as { gc?: () => void }).gc?.();
    }
  }

  #armCleanupTimer(): void {
    if (this.#cleanupTimer !== undefined) clearInterval(this.#cleanupTimer);
    this.#cleanupTimer = undefined;
    if (this.#closed || !this.#o.enableAutoCleanup || this.#o.cleanupIntervalMillis === 0) return;
    this.#cleanupTimer = setInterval(() => this.#tick(), this.#o.cleanupIntervalMillis);
    this.#cleanupTimer.unref();
  }

  /**
   * Changes gcThreshold, cacheSizeMb, enableCompression or enableAutoCleanup.
   * All-or-nothing: on a bad value it throws and changes nothing. Lowering
   * cacheSizeMb evicts at once.
   */
  configure(options: MemoryConfigureOptions): void {
    const next = resolveConfigure(this.#o, options);
    const timerChanged = next.enableAutoCleanup !== this.#o.enableAutoCleanup;
    Object.assign(this.#o, next);
    this.cache.resize(next.cacheBytes);
    if (timerChanged) this.#armCleanupTimer();
  }

  /** Suspected leaks: allocations collected without release, and tracked scratch allocations over leakAgeMillis. */
  findLeaks(): LeakReport[] {
    return this.#leaks.findLeaks();
  }

  /**
   * Stops the timers, unregisters the metric callbacks, empties the cache and the
   * pool. Live allocations stay valid and can still be released; allocate()
   * then throws AllocationStateError. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.cache.clear();
    this.#closed = true;
    this.#armCleanupTimer();
    this.#sampler.close();
    this.#metrics.close();
    this.#leaks.close();
    this.#pool.trim();
  }
}
