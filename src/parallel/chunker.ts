/**
 * Automatic chunk sizing. Per call, an exponentially weighted estimate of the
 * time per item (measured in the worker) turns into a chunk of about
 * {@link TARGET_CHUNK_SECONDS} of work, so tiny items travel in batches while
 * slow items go one at a time. The chunk is also capped at half of a fair
 * share of what is left (guided self-scheduling), so the tail is split finer
 * and idle workers take the last items.
 */

/** Work per chunk the sizing aims for, in seconds. */
export const TARGET_CHUNK_SECONDS = 0.004;
/** Upper bound of an automatic chunk, in items. */
export const MAX_AUTO_CHUNK_ITEMS = 10_000;
/** Weight of the newest measurement in the estimate. */
const ALPHA = 0.3;

/** One call's estimate of the time per item; each map or stream starts fresh, with a one-item probe. */
export class ChunkEstimator {
  #perItemSeconds: number | undefined;

  /** Feeds one measurement: seconds per item over a chunk. */
  update(perItemSeconds: number): void {
    if (!(perItemSeconds >= 0)) return;
    const previous = this.#perItemSeconds;
    this.#perItemSeconds =
      previous === undefined ? perItemSeconds : previous + ALPHA * (perItemSeconds - previous);
  }

  /** Current estimate in seconds per item, if any measurement arrived. */
  get estimate(): number | undefined {
    return this.#perItemSeconds;
  }

  /** Items for the next chunk with `remaining` items waiting and `workers` workers; one item before any measurement. */
  size(remaining: number, workers: number): number {
    const estimate = this.#perItemSeconds;
    const byTime =
      estimate === undefined
        ? 1
        : estimate <= TARGET_CHUNK_SECONDS / MAX_AUTO_CHUNK_ITEMS
          ? MAX_AUTO_CHUNK_ITEMS
          : Math.floor(TARGET_CHUNK_SECONDS / estimate);
    const share = Math.ceil(remaining / (2 * workers));
    return Math.max(1, Math.min(byTime, share, MAX_AUTO_CHUNK_ITEMS));
  }
}
