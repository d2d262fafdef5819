/**
 * Size-class free lists (Netty/jemalloc style, four classes per power of two, so
 * at most 25% of a pooled buffer is slack). Requests above `maxBufferBytes` get
 * an exact-size buffer that is never pooled.
 *
 * The pool only holds buffers; the manager does the budget accounting.
 *
 * Free lists decay: each {@link BufferPool.decay} (the manager's cleanup timer) drops, per class, the
 * buffers that stayed unused for the whole period since the last one (the list's low-water mark), as
 * Go's and jemalloc's allocators return idle memory. Without it a list only ever grew to the most
 * buffers of its class ever free at once: under a random mix of sizes that high-water mark creeps up
 * for hours (the soak's allocate/release mix, replayed for two simulated hours: 45.5 → 50.3 MB),
 * bounded only by the budget.
 */

/** One size class's free buffers and the fewest it held since the last decay. */
interface FreeList {
  readonly buffers: Buffer[];
  lowWater: number;
}

/** Smallest size class in bytes. */
export const MIN_CLASS_BYTES = 64;

/** The size class serving `bytes`; `bytes` itself above the pooled range. */
export function sizeClass(bytes: number, maxBufferBytes: number): number {
  if (bytes <= MIN_CLASS_BYTES) return MIN_CLASS_BYTES;
  if (bytes > maxBufferBytes) return bytes;
  let cls: number;
  if (bytes <= 0x40000000) {
    // Integer path: the step is a quarter of the largest power of two below bytes.
    const step = (1 << (31 - Math.clz32(bytes - 1))) >>> 2;
    cls = (bytes + step - 1) & -step;
  } else {
    const step = 2 ** Math.floor(Math.log2(bytes - 1)) / 4;
    cls = Math.ceil(bytes / step) * step;
  }
  return cls > maxBufferBytes ? bytes : cls;
}

export class BufferPool {
  readonly #lists = new Map<number, FreeList>();
  #freeBytes = 0;
  #maxFreeBytes: number;
  readonly #maxBufferBytes: number;

  constructor(maxFreeBytes: number, maxBufferBytes: number) {
    this.#maxFreeBytes = maxFreeBytes;
    this.#maxBufferBytes = maxBufferBytes;
  }

  /** Bytes currently held in free lists. */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** A free buffer of exactly `cls` bytes, or undefined. */
  take(cls: number): Buffer | undefined {
    const list = this.#lists.get(cls);
    if (list === undefined) return undefined;
    const buf = list.buffers.pop();
    if (buf === undefined) return undefined;
    this.#freeBytes -= cls;
    if (list.buffers.length < list.lowWater) list.lowWater = list.buffers.length;
    return buf;
  }

  /** Keeps `buf` for reuse when it is poolable and fits; returns whether it was kept. */
  give(buf: Buffer): boolean {
    const cls = buf.length;
    if (cls > this.#maxBufferBytes || this.#freeBytes + cls > this.#maxFreeBytes) return false;
    if (sizeClass(cls, this.#maxBufferBytes) !== cls) return false; // an exact-size buffer: never asked for
    let list = this.#lists.get(cls);
    if (list === undefined) {
      // a new class starts at a low-water mark of 0: its first buffers are not idle yet
      list = { buffers: [], lowWater: 0 };
      this.#lists.set(cls, list);
    }
    list.buffers.push(buf);
    this.#freeBytes += cls;
    return true;
  }

  /**
   * Drops the buffers that no `take` needed since the previous decay (each class's low-water mark)
   * and starts a new period. Returns bytes dropped.
   */
  decay(): number {
    let dropped = 0;
    for (const [cls, list] of this.#lists) {
      const idle = list.lowWater;
      if (idle > 0) {
        list.buffers.length -= idle;
        dropped += idle * cls;
      }
      if (list.buffers.length === 0) this.#lists.delete(cls);
      else list.lowWater = list.buffers.length;
    }
    this.#freeBytes -= dropped;
    return dropped;
  }

  /** Drops free buffers, largest classes first, until at least `bytes` were dropped. Returns bytes dropped. */
  trim(bytes = Number.POSITIVE_INFINITY): number {
    if (this.#freeBytes === 0 || bytes <= 0) return 0;
    let dropped = 0;
    const classes = [...this.#lists.keys()].sort((a, b) => b - a);
    for (const cls of classes) {
      const list = this.#lists.get(cls)!;
      while (list.buffers.length > 0 && dropped < bytes) {
        list.buffers.pop();
        dropped += cls;
      }
      if (list.buffers.length < list.lowWater) list.lowWater = list.buffers.length;
      if (list.buffers.length === 0) this.#lists.delete(cls);
      if (dropped >= bytes) break;
    }
    this.#freeBytes -= dropped;
    return dropped;
  }
}
