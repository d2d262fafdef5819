import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type Allocation, allocationAccess } from './allocation.js';

/** What the cache needs from its manager. */
export interface CacheHost {
  /** A `cache`-kind allocation of `bytes`, exactly that size when `exact` (may throw MemoryBudgetError). */
  allocateEntry(bytes: number, exact: boolean): Allocation;
  /** Bytes a pooled allocation of `bytes` is charged (its size class). */
  charge(bytes: number): number;
  /** Counts evictions. */
  evicted(count: number): void;
}

interface Entry {
  alloc: Allocation;
  /** Uncompressed length. */
  length: number;
  compressed: boolean;
  /** Compression was tried and did not pay. */
  incompressible: boolean;
  /** Bytes saved by compression (reserved before − after). */
  saved: number;
  lastAccess: number;
}

/** Data a cache entry can be made from. Strings are stored as UTF-8. */
export type CacheValue = Uint8Array | string;

const access = allocationAccess();

/**
 * The task data cache (`mem.cache`): an LRU bounded by `cacheSizeMb` whose
 * entries are `cache`-kind allocations from the manager's budget. `get`
 * returns a copy, so an evicted entry's memory can be reused safely. With
 * compression on, entries idle for `compressIdleMillis` are stored deflated
 * and inflated on `get`.
 */
export class MemoryCache {
  readonly #host: CacheHost;
  readonly #entries = new Map<string, Entry>();
  #limitBytes: number;
  #bytes = 0;
  #saved = 0;

  /** Made by the manager only. */
  constructor(host: CacheHost, limitBytes: number) {
    this.#host = host;
    this.#limitBytes = limitBytes;
  }

  /** Entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** Bytes the entries hold against the budget (size classes). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes saved by compression across live entries. */
  get compressedSavedBytes(): number {
    return this.#saved;
  }

  /**
   * Stores a copy of `value` under `key`, evicting least recently used entries to
   * stay within `cacheSizeMb`. Throws RangeError/TypeError on bad input and
   * MemoryBudgetError when the budget refuses; the previous value then stays.
   */
  set(key: string, value: CacheValue): this {
    if (typeof key !== 'string') throw new TypeError('key must be a string');
    const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    if (!(data instanceof Uint8Array)) throw new TypeError('value must be a Uint8Array, Buffer or string');
    if (data.length === 0) throw new RangeError('value must not be empty');
    if (data.length > this.#limitBytes) {
      throw new RangeError(
        `value (${data.length} bytes) is larger than cacheSizeMb (${this.#limitBytes} bytes)`,
      );
    }
    // A size class above the bound would break it: take an exact-size buffer instead.
    const exact = this.#host.charge(data.length) > this.#limitBytes;
    const charge = exact ? data.length : this.#host.charge(data.length);
    const old = this.#entries.get(key);
    const oldBytes = old === undefined ? 0 : access.reserved(old.alloc);
    // Make room under the cache bound, never evicting the entry being replaced.
    this.#evictWhile(
      (e) => e === old,
      () => this.#bytes - oldBytes + charge > this.#limitBytes,
    );
    const alloc = this.#host.allocateEntry(data.length, exact);
    alloc.buffer.set(data);
    const prev = this.#entries.get(key); // auto-cleanup may have evicted `old` meanwhile
    if (prev !== undefined) this.#drop(key, prev);
    this.#entries.set(key, {
      alloc,
      length: data.length,
      compressed: false,
      incompressible: false,
      saved: 0,
      lastAccess: Date.now(),
    });
    this.#bytes += access.reserved(alloc);
    // The new entry's size class may exceed its length; keep the bound exact.
    const added = this.#entries.get(key);
    this.#evictWhile(
      (e) => e === added,
      () => this.#bytes > this.#limitBytes,
    );
    return this;
  }

  /** A copy of the value (inflated when stored compressed), or undefined. Marks it recently used. */
  get(key: string): Buffer | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, e);
    e.lastAccess = Date.now();
    const stored = e.alloc.buffer;
    return e.compressed ? inflateRawSync(stored) : Buffer.from(stored);
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Removes the entry and releases its memory; false when absent. */
  delete(key: string): boolean {
    const e = this.#entries.get(key);
    if (e === undefined) return false;
    this.#drop(key, e);
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    for (const [k, e] of this.#entries) this.#drop(k, e);
  }

  /** Keys, least recently used first. */
  keys(): string[] {
    return [...this.#entries.keys()];
  }

  #drop(key: string, e: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= access.reserved(e.alloc);
    this.#saved -= e.saved;
    e.alloc.release();
  }

  /** Evicts LRU first, skipping `skip`, while `over()` holds. */
  #evictWhile(skip: (e: Entry) => boolean, over: () => boolean): number {
    let n = 0;
    for (const [k, e] of this.#entries) {
      if (!over()) break;
      if (skip(e)) continue;
      this.#drop(k, e);
      n++;
    }
    if (n > 0) this.#host.evicted(n);
    return n;
  }

  /** Evicts LRU entries until `done()` holds or the cache is empty. Returns entries evicted. */
  evictUntil(done: () => boolean): number {
    let n = 0;
    for (const [k, e] of this.#entries) {
      if (done()) break;
      this.#drop(k, e);
      n++;
    }
    if (n > 0) this.#host.evicted(n);
    return n;
  }

  /** Sets a new bound and evicts down to it. */
  resize(limitBytes: number): number {
    this.#limitBytes = limitBytes;
    return this.evictUntil(() => this.#bytes <= this.#limitBytes);
  }

  /**
   * Deflates entries idle since `idleBefore` (epoch ms) when that saves at least
   * an eighth of their size. Returns entries compressed. Skips an entry the
   * budget cannot fit compressed.
   */
  compressIdle(idleBefore: number): number {
    let n = 0;
    for (const [key, e] of [...this.#entries]) {
      if (this.#entries.get(key) !== e) continue; // evicted meanwhile
      if (e.compressed || e.incompressible || e.lastAccess > idleBefore) continue;
      const packed = deflateRawSync(e.alloc.buffer, { level: 1 });
      const before = access.reserved(e.alloc);
      if (packed.length === 0 || packed.length > before - before / 8) {
        e.incompressible = true;
        continue;
      }
      let alloc: Allocation;
      try {
        alloc = this.#host.allocateEntry(packed.length, false);
      } catch {
        continue;
      }
      if (this.#entries.get(key) !== e) {
        alloc.release(); // auto-cleanup evicted it while allocating
        continue;
      }
      alloc.buffer.set(packed);
      const after = access.reserved(alloc);
      e.alloc.release();
      e.alloc = alloc;
      e.compressed = true;
      e.saved = before - after;
      this.#bytes += after - before;
      this.#saved += e.saved;
      n++;
    }
    return n;
  }
}
