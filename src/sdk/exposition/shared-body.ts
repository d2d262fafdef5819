import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { createGzip } from 'node:zlib';
import type { ChunkPool } from './chunk-pool.js';

/**
 * A response to a body still being written waits until the body is finished or this large: the scrapers
 * of a burst, who mostly arrive during the collection, then each get one write with a Content-Length
 * instead of a chunk per writer slice and a chunked terminator; a large body still streams.
 */
export const STREAM_FROM_BYTES = 64 * 1024;

/**
 * A response body written once and read by any number of responses, each from its start, while it is
 * still being written: concurrent scrapes of one format share one serialization, and the first
 * scraper already receives chunks while later series are being written.
 *
 * Chunks pushed with their pool chunk go back to that pool once the body is sealed (no reader can
 * start any more) and every reader is done: a response or a gzip stream when it has closed.
 */
export class SharedBody {
  #chunks: Buffer[] = [];
  /** Pool chunks under `#chunks`, returned to `pool` when the body is no longer read. */
  #pooled: Buffer[] = [];
  #readers = 0;
  #sealed = false;
  #length = 0;
  #finished = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  #woken: Promise<void> | undefined;
  /** Settles when the body is complete (rejects when it failed). */
  readonly done: Promise<void>;
  #settle!: (error?: unknown) => void;

  constructor(private readonly pool?: ChunkPool) {
    this.done = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.done.catch(() => {}); // readers see the error; an unread failure is not unhandled
  }

  /** Appends `chunk`; `pooled`, when given, is the pool chunk it is a view of (returned with the body). */
  push(chunk: Buffer, pooled?: Buffer): void {
    if (pooled !== undefined) this.#pooled.push(pooled);
    if (this.#finished || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    this.#notify();
  }

  end(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#notify();
    this.#settle();
  }

  fail(error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#error = error ?? new Error('body failed');
    this.#notify();
    this.#settle(this.#error);
  }

  /** No reader starts after this: the pool chunks go back once the readers are done. */
  seal(): void {
    this.#sealed = true;
    this.#recycle();
  }

  /** Marks a reader; the returned function (idempotent) says it is done with the chunks. */
  #read(): () => void {
    this.#readers++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#readers--;
      this.#recycle();
    };
  }

  #recycle(): void {
    if (!this.#sealed || !this.#finished || this.#readers > 0 || this.#pooled.length === 0) return;
    const pooled = this.#pooled;
    this.#pooled = [];
    this.#chunks = [];
    for (const chunk of pooled) this.pool?.give(chunk);
  }

  /** The chunks from the first, as they come; throws the body's error. */
  async *chunks(): AsyncGenerator<Buffer> {
    let next = 0;
    for (;;) {
      while (next < this.#chunks.length) yield this.#chunks[next++]!;
      if (this.#finished) {
        if (this.#error !== undefined) throw this.#error;
        return;
      }
      await this.#changed();
    }
  }

  /** A gzip-compressed copy, compressed once (zlib runs off the event loop) for every reader. */
  gzip(): SharedBody {
    const out = new SharedBody();
    const zip = createGzip();
    // zlib reads its input on the thread pool: the chunks stay ours until the stream has closed
    zip.once('close', this.#read());
    zip.on('data', (chunk: Buffer) => out.push(chunk));
    zip.on('end', () => out.end());
    zip.on('error', (error) => out.fail(error));
    (async () => {
      for await (const chunk of this.chunks()) {
        if (!zip.write(chunk)) await new Promise((resolve) => zip.once('drain', resolve));
      }
      zip.end();
    })().catch((error: unknown) => {
      out.fail(error);
      zip.destroy();
    });
    return out;
  }

  /**
   * Answers `response` with the body: in one write with a Content-Length when it is finished before it
   * reaches {@link STREAM_FROM_BYTES} (no chunked framing to write or parse, one syscall each); else
   * streamed as it is written. Destroys the response when the body fails.
   */
  async pipeTo(response: ServerResponse, headers: OutgoingHttpHeaders): Promise<void> {
    // the socket writes the chunks themselves: they stay ours until the response closes, which it does
    // once its last byte is with the OS or its connection is gone (one listener: a burst has 50 of them)
    response.once('close', this.#read());
    while (!this.#finished && this.#length < STREAM_FROM_BYTES) await this.#changed();
    if (this.#finished && this.#error === undefined) {
      response.writeHead(200, { ...headers, 'Content-Length': this.#length });
      if (this.#chunks.length === 1) {
        response.end(this.#chunks[0]);
        return;
      }
      // one writev for the chunks (a copy into one buffer was a 1.5 MB allocation per round at 10k series)
      response.cork();
      for (const chunk of this.#chunks) response.write(chunk);
      response.end();
      response.uncork();
      return;
    }
    response.writeHead(200, headers);
    try {
      for await (const chunk of this.chunks()) {
        if (response.destroyed) return;
        if (!response.write(chunk)) await drained(response);
      }
      response.end();
    } catch (error) {
      response.destroy(error as Error);
    }
  }

  /** Settles at the next push, end or failure. */
  #changed(): Promise<void> {
    this.#woken ??= new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    return this.#woken;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    this.#woken = undefined;
    wake?.();
  }
}

function drained(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.once('drain', done);
    response.once('close', done);
  });
}
