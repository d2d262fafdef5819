import { MEMORY_KINDS } from './types.js';

const zeros = (): number[] => MEMORY_KINDS.map(() => 0);

/**
 * The manager's plain-number books. The hot path updates these; observable
 * instruments read them at collection time, so allocate/release make at most
 * one synchronous instrument call.
 */
export class Books {
  /** Bytes of live allocations (size classes). */
  used = 0;
  peak = 0;
  live = 0;
  readonly kindUsed = zeros();
  readonly kindCount = zeros();
  /** Cumulative per kind. */
  readonly allocated = zeros();
  readonly rejected = zeros();
  readonly released = zeros();
  evictions = 0;
  /** May hold zero entries; see prune(). */
  readonly byLabel = new Map<string, { bytes: number; count: number }>();

  add(kindIndex: number, label: string, reserved: number): void {
    this.used += reserved;
    if (this.used > this.peak) this.peak = this.used;
    this.live++;
    this.kindUsed[kindIndex]! += reserved;
    this.kindCount[kindIndex]!++;
    this.allocated[kindIndex]!++;
    const l = this.byLabel.get(label);
    if (l === undefined) {
      if (this.byLabel.size >= 4096) this.prune();
      this.byLabel.set(label, { bytes: reserved, count: 1 });
    } else {
      l.bytes += reserved;
      l.count++;
    }
  }

  remove(kindIndex: number, label: string, reserved: number): void {
    this.used -= reserved;
    this.live--;
    this.kindUsed[kindIndex]! -= reserved;
    this.kindCount[kindIndex]!--;
    this.released[kindIndex]!++;
    // Zero entries stay (Map delete+set churn costs on the hot path); prune() drops them.
    const l = this.byLabel.get(label);
    if (l !== undefined) {
      l.bytes -= reserved;
      l.count--;
    }
  }

  /** Drops labels with no live allocation. */
  prune(): void {
    for (const [label, l] of this.byLabel) if (l.count === 0) this.byLabel.delete(label);
  }
}
