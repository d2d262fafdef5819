/** Size of the body chunks handed to the responses, bytes. */
export const CHUNK_BYTES = 64 * 1024;
/** Idle chunks kept for the next bodies (4 MiB); past it, a returned chunk is left to the GC. */
export const MAX_IDLE_CHUNKS = 64;

/**
 * Body chunks for reuse. A body's chunks come back once its round is over and every response and gzip
 * stream that read them is done with them, so a steady scraper's bodies are written into the same
 * memory each time: nothing to malloc and nothing for the GC per scrape. With fresh chunks a 1.5 MB body
 * was 24 new 64 KiB buffers a scrape; those that outlived a burst's responses waited for a full GC, and
 * malloc's main arena fragmented around them (issue 13's soak).
 */
export class ChunkPool {
  readonly #idle: Buffer[] = [];
  #made = 0;

  take(): Buffer {
    const chunk = this.#idle.pop();
    if (chunk !== undefined) return chunk;
    this.#made++;
    return Buffer.allocUnsafeSlow(CHUNK_BYTES);
  }

  give(chunk: Buffer): void {
    if (this.#idle.length < MAX_IDLE_CHUNKS) this.#idle.push(chunk);
  }

  /** Chunks allocated so far. */
  get made(): number {
    return this.#made;
  }

  /** Chunks waiting for the next body. */
  get idle(): number {
    return this.#idle.length;
  }
}
