import type { IncomingMessage, ServerResponse } from 'node:http';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { diag } from '@opentelemetry/api';
import type { CollectionResult } from '@opentelemetry/sdk-metrics';
import { CHUNK_BYTES, ChunkPool } from './chunk-pool.js';
import { buildModel, type ScrapeModel } from './families.js';
import type { ExpositionFormat } from './format.js';
import { acceptsGzip, EXPOSITION_FORMATS, negotiateFormat } from './negotiate.js';
import { SeriesTextCache } from './series-cache.js';
import { SharedBody } from './shared-body.js';

/** Longest stretch the writer keeps the event loop before yielding, milliseconds. */
const SLICE_MILLIS = 2;
/**
 * A scrape within this long of a collection's start is served from it, so a burst of scrapers (or an
 * HA pair of Prometheus servers) that trickles in over a few milliseconds shares one collection.
 * Far below any scrape interval; a scrape after it always collects afresh.
 */
export const DEFAULT_COALESCE_MILLIS = 50;

/**
 * One collection and the bodies written from it. Every scrape that arrives while a round is open joins
 * it: one `collect()`, one body per format (and one gzip of it) for all of them. The round closes at
 * the end of the event-loop turn in which its last body completed (the requests a burst delivers in
 * one poll phase all join); the next scrape starts a new round, so a scrape is never served data
 * collected before it arrived, except from a collection still running or just finished in that turn.
 */
class ScrapeRound {
  readonly model: Promise<ScrapeModel>;
  readonly startedAt = performance.now();
  readonly #bodies = new Map<string, SharedBody>();
  #open = 0;
  closed = false;

  constructor(
    collection: Promise<CollectionResult>,
    readonly coalesceMillis: number,
    private readonly caches: SeriesTextCaches,
    private readonly chunks: ChunkPool,
  ) {
    this.model = collection.then(({ resourceMetrics, errors }) => {
      if (errors.length > 0) diag.error('aiva-performance: metrics collection errors', ...errors);
      return buildModel(resourceMetrics);
    });
    this.model.catch(() => this.#close());
  }

  /** No scrape joins after this; the bodies' chunks go back to the pool as their readers finish. */
  #close(): void {
    this.closed = true;
    for (const body of this.#bodies.values()) body.seal();
  }

  body(format: ExpositionFormat, gzip: boolean): SharedBody {
    const key = gzip ? `${format.id}+gzip` : format.id;
    let body = this.#bodies.get(key);
    if (body) return body;
    if (gzip) body = this.body(format, false).gzip();
    else {
      const plain = new SharedBody(this.chunks);
      body = plain;
      this.model
        .then((model) => writeBody(format, model, plain, this.caches.of(format), this.chunks))
        .catch((error) => plain.fail(error));
    }
    this.#bodies.set(key, body);
    this.#open++;
    const settled = () => {
      if (--this.#open > 0) return;
      const close = () => {
        if (this.#open === 0) this.#close();
      };
      const left = this.startedAt + this.coalesceMillis - performance.now();
      if (left > 0) setTimeout(close, left).unref();
      else setImmediate(close);
    };
    body.done.then(settled, settled);
    return body;
  }
}

/** An endpoint's {@link SeriesTextCache} per format, made when a format is first written. */
class SeriesTextCaches {
  readonly #byFormat = new Map<string, SeriesTextCache>();

  of(format: ExpositionFormat): SeriesTextCache {
    let cache = this.#byFormat.get(format.id);
    if (cache === undefined) {
      cache = new SeriesTextCache();
      this.#byFormat.set(format.id, cache);
    }
    return cache;
  }
}

/** Pulls the format's pieces into chunks, yielding to the event loop every {@link SLICE_MILLIS}. */
async function writeBody(
  format: ExpositionFormat,
  model: ScrapeModel,
  body: SharedBody,
  cache: SeriesTextCache | undefined,
  pool: ChunkPool,
): Promise<void> {
  cache?.begin();
  const chunks = new ChunkBuilder(body, pool);
  let sliceStart = performance.now();
  let pieces = 0;
  for (const piece of format.write(model, cache)) {
    chunks.add(piece);
    if ((++pieces & 31) === 0 && performance.now() - sliceStart > SLICE_MILLIS) {
      chunks.flush();
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
  chunks.flush();
  body.end();
}

/**
 * Copies pieces into the pool's chunks of {@link CHUNK_BYTES}: text is encoded straight into the chunk
 * and a cached series' bytes are copied in, once each. (Gathering the pieces and `Buffer.concat`-ing them
 * cost a second pass and an encoded copy of every text piece: at 2,000 series, a tenth of a scrape.)
 * A flush at a slice's end hands over what is written and keeps filling the same chunk, so a body takes
 * as many chunks as its size needs, however many slices a loaded machine cuts its writing into.
 */
class ChunkBuilder {
  #chunk: Buffer | undefined;
  /** Where the bytes not yet handed to the body start in `#chunk`. */
  #flushed = 0;
  #used = 0;

  constructor(
    private readonly body: SharedBody,
    private readonly pool: ChunkPool,
  ) {}

  add(piece: string | Uint8Array): void {
    const bytes = typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length;
    if (bytes > CHUNK_BYTES - this.#used) this.#nextChunk();
    if (bytes > CHUNK_BYTES) {
      this.body.push(typeof piece === 'string' ? Buffer.from(piece) : asBuffer(piece));
      return;
    }
    this.#chunk ??= this.pool.take();
    if (typeof piece === 'string') this.#chunk.write(piece, this.#used);
    else this.#chunk.set(piece, this.#used);
    this.#used += bytes;
  }

  flush(): void {
    if (this.#chunk === undefined || this.#used === this.#flushed) return;
    // the chunk goes with its first view: the body hands it back to the pool when its readers are done
    const pooled = this.#flushed === 0 ? this.#chunk : undefined;
    this.body.push(this.#chunk.subarray(this.#flushed, this.#used), pooled);
    this.#flushed = this.#used;
  }

  #nextChunk(): void {
    this.flush();
    if (this.#used === 0) return; // nothing written yet: the chunk serves the next piece
    this.#chunk = undefined;
    this.#flushed = 0;
    this.#used = 0;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Distinct Accept/Accept-Encoding pairs whose negotiation is remembered. */
const NEGOTIATIONS_KEPT = 32;

interface Negotiated {
  readonly format: ExpositionFormat;
  readonly gzip: boolean;
  readonly headers: Readonly<Record<string, string>>;
}

export interface MetricsEndpoint {
  /** The `/metrics` route handler. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** Collections made so far (the coalescing bench and tests read it). */
  readonly collections: number;
  /** Body chunks allocated so far; a steady scraper's bodies reuse them (tests read it). */
  readonly chunksMade: number;
  /** Body chunks back in the pool, waiting for the next body (tests read it). */
  readonly chunksIdle: number;
}

/**
 * The metrics endpoint over a pull reader's `collect()` (exporter-prometheus' reader): negotiates the
 * format on `Accept` (q weights), gzips when `Accept-Encoding` asks, coalesces concurrent scrapes
 * into one collection and one body per format, writes in slices and streams the response.
 */
export function createMetricsEndpoint(
  collect: () => Promise<CollectionResult>,
  {
    formats = EXPOSITION_FORMATS,
    coalesceMillis = DEFAULT_COALESCE_MILLIS,
  }: { formats?: readonly ExpositionFormat[]; coalesceMillis?: number } = {},
): MetricsEndpoint {
  let round: ScrapeRound | undefined;
  let collections = 0;
  const caches = new SeriesTextCaches();
  const chunks = new ChunkPool();
  // A scraper sends the same headers every time (Prometheus' Accept lists four ranges: parsing it was
  // ~6 µs a scrape), so negotiations are remembered; the headers are the client's, so the memory is
  // bounded.
  const negotiated = new Map<string, Negotiated>();
  const negotiate = (accept: string | undefined, acceptEncoding: string | undefined): Negotiated => {
    const key = `${accept ?? ''}\n${acceptEncoding ?? ''}`;
    let known = negotiated.get(key);
    if (known !== undefined) return known;
    const format = negotiateFormat(accept, formats);
    const gzip = acceptsGzip(acceptEncoding);
    const headers: Record<string, string> = {
      'Content-Type': format.contentType,
      Vary: 'Accept, Accept-Encoding',
      'Cache-Control': 'no-store',
    };
    if (gzip) headers['Content-Encoding'] = 'gzip';
    known = { format, gzip, headers: Object.freeze(headers) };
    if (negotiated.size >= NEGOTIATIONS_KEPT) negotiated.clear();
    negotiated.set(key, known);
    return known;
  };
  return {
    get collections() {
      return collections;
    },
    get chunksMade() {
      return chunks.made;
    },
    get chunksIdle() {
      return chunks.idle;
    },
    async handle(request, response) {
      const { format, gzip, headers } = negotiate(request.headers.accept, request.headers['accept-encoding']);
      if (request.method === 'HEAD') {
        response.writeHead(200, headers);
        response.end();
        return;
      }
      if (round === undefined || round.closed) {
        collections++;
        round = new ScrapeRound(collect(), coalesceMillis, caches, chunks);
      }
      const current = round;
      const body = current.body(format, gzip);
      try {
        await current.model;
      } catch (error) {
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        response.end(`# failed to export metrics: ${String(error)}\n`);
        return;
      }
      await body.pipeTo(response, headers);
    },
  };
}
