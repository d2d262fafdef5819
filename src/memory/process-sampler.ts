import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { MIB, type ProcessMemorySample } from './types.js';

/** The cgroup limit when there is one (below physical memory), else physical memory. */
export function defaultRssLimitBytes(): number {
  const total = totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}

/**
 * Samples `process.memoryUsage()` on an unref'd timer (it walks pages; never
 * per allocate) and answers whether the process is within the headroom of its
 * heap or RSS ceiling.
 */
export class ProcessSampler {
  #rss = 0;
  #heapUsed = 0;
  #external = 0;
  #arrayBuffers = 0;
  #sampledAt = 0;
  readonly #heapLimit = getHeapStatistics().heap_size_limit;
  readonly #rssLimit: number;
  readonly #headroom: number;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(intervalMillis: number, headroomBytes: number, rssLimitBytes: number | undefined) {
    this.#headroom = headroomBytes;
    this.#rssLimit = rssLimitBytes ?? defaultRssLimitBytes();
    this.refresh();
    if (intervalMillis > 0) {
      this.#timer = setInterval(() => this.refresh(), intervalMillis);
      this.#timer.unref();
    }
  }

  refresh(): void {
    const m = process.memoryUsage();
    this.#rss = m.rss;
    this.#heapUsed = m.heapUsed;
    this.#external = m.external;
    this.#arrayBuffers = m.arrayBuffers;
    this.#sampledAt = Date.now();
  }

  /** Bytes that may still be added before the RSS or heap headroom is reached (≥ 0). */
  roomBytes(): number {
    const rssRoom = this.#rssLimit - this.#headroom - this.#rss;
    const heapRoom = this.#heapLimit - this.#headroom - this.#heapUsed;
    return Math.max(0, heapRoom <= 0 ? 0 : rssRoom);
  }

  sample(): ProcessMemorySample {
    return {
      rssMb: this.#rss / MIB,
      heapUsedMb: this.#heapUsed / MIB,
      heapLimitMb: this.#heapLimit / MIB,
      externalMb: this.#external / MIB,
      arrayBuffersMb: this.#arrayBuffers / MIB,
      sampledAt: this.#sampledAt,
    };
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }
}
