import type { ScrapeModel } from './families.js';
import type { SeriesTextCache } from './series-cache.js';

/** One media range of an `Accept` header: `type/subtype; key=value…; q=…`. */
export interface MediaRange {
  readonly type: string;
  readonly subtype: string;
  /** Parameters other than `q`, keys lower-cased, quotes removed. */
  readonly params: Readonly<Record<string, string>>;
  readonly q: number;
}

/**
 * An exposition format the metrics endpoint can write. The endpoint negotiates among the registered
 * formats (Prometheus text 0.0.4, OpenMetrics 1.0; issue 17 adds the protobuf one), so adding a format
 * is one more object of this shape in {@link EXPOSITION_FORMATS}.
 */
export interface ExpositionFormat {
  /** Short id, used as the cache key of a coalesced body (`text`, `openmetrics`, …). */
  readonly id: string;
  /** The `Content-Type` of a response in this format. */
  readonly contentType: string;
  /** Whether this format serves `range` (wildcards are handled by the negotiation, not here). */
  matches(range: MediaRange): boolean;
  /**
   * The body in pieces, in order. The writer pulls pieces, batches them into chunks and yields to the
   * event loop between slices, so a piece should be small (one series, or one family header). A
   * `Uint8Array` piece is kept as it is until its chunk is sent: it must not change afterwards.
   * `cache` is this format's own, kept by the endpoint from one body to the next (text formats).
   */
  write(model: ScrapeModel, cache?: SeriesTextCache): Iterable<string | Uint8Array>;
}
