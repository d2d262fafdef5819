import { MEMORY_KINDS } from './types.js';

/** Labels with no live allocation kept before a prune (amortised: one scan per this many). */
const ZERO_LABELS_KEPT = 1024;

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
  /** May hold entries with count 0 (at most ZERO_LABELS_KEPT of them); see prune(). */
  readonly byLabel = new Map<string, { bytes: number; count: number }>();
  /** Entries of byLabel with count 0. */
  zeroLabels = 0;

  add(kindIndex: number, label: string, reserved: number): void {
    this.used += reserved;
    if (this.used > this.peak) this.peak = this.used;
    this.live++;
    this.kindUsed[kindIndex]! += reserved;
    this.kindCount[kindIndex]!++;
    this.allocated[kindIndex]!++;
    const l = this.byLabel.get(label);
    if (l === undefined) {
      this.byLabel.set(label, { bytes: reserved, count: 1 });
    } else {
      if (l.count === 0) this.zeroLabels--;
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
    // Zero entries stay (a Map delete+set per allocate/release pair costs on the hot
    // path) until there are enough of them that one scan is cheap per release.
    const l = this.byLabel.get(label);
    if (l !== undefined) {
      l.bytes -= reserved;
      if (--l.count === 0 && ++this.zeroLabels > ZERO_LABELS_KEPT) this.prune();
    }
  }

  /** Drops labels with no live allocation. */
  prune(): void {
    if (this.zeroLabels === 0) return;
    for (const [label, l] of this.byLabel) if (l.count === 0) this.byLabel.delete(label);
    this.zeroLabels = 0;
  }
}
