import type { ExpositionFormat, MediaRange } from './format.js';
import { OPENMETRICS_TEXT } from './openmetrics.js';
import { PROMETHEUS_TEXT } from './prometheus-text.js';

/** The formats the endpoint serves; the first is the default (no `Accept`, `*\/*`, nothing acceptable). */
export const EXPOSITION_FORMATS: readonly ExpositionFormat[] = Object.freeze([
  PROMETHEUS_TEXT,
  OPENMETRICS_TEXT,
]);

/** Parses an `Accept` (or `Accept-Encoding`) header into media ranges; malformed entries are skipped. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [media = '', ...parameters] = part.split(';');
    const [type = '', subtype = '*'] = media.trim().toLowerCase().split('/', 2);
    if (type === '') continue;
    const params: Record<string, string> = {};
    let q = 1;
    for (const parameter of parameters) {
      const eq = parameter.indexOf('=');
      if (eq < 0) continue;
      const key = parameter.slice(0, eq).trim().toLowerCase();
      const value = parameter
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (key === 'q') {
        const parsed = Number(value);
        q = Number.isFinite(parsed) ? Math.min(1, Math.max(0, parsed)) : 0;
      } else params[key] = value;
    }
    ranges.push({ type, subtype: subtype.trim(), params, q });
  }
  return ranges;
}

/**
 * Content negotiation as Prometheus' scrape-protocol guidelines describe it: the acceptable format with
 * the highest `q` wins; on equal `q` the one listed first; `q=0` refuses; `*\/*` and `text/*` mean the
 * default format; with nothing acceptable the default (text 0.0.4) is served, as Prometheus' own
 * client libraries do.
 */
export function negotiateFormat(
  accept: string | undefined,
  formats: readonly ExpositionFormat[] = EXPOSITION_FORMATS,
): ExpositionFormat {
  const fallback = formats[0]!;
  let best: ExpositionFormat | undefined;
  let bestQ = 0;
  for (const range of parseAccept(accept)) {
    if (range.q <= bestQ) continue;
    const format =
      range.type === '*' || (range.subtype === '*' && range.type === 'text')
        ? fallback
        : formats.find((candidate) => candidate.matches(range));
    if (format === undefined) continue;
    best = format;
    bestQ = range.q;
  }
  return best ?? fallback;
}

/** Whether `Accept-Encoding` asks for gzip (`gzip` or `*` with `q` > 0, and gzip not refused). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  let gzip: number | undefined;
  let star: number | undefined;
  for (const range of parseAccept(acceptEncoding)) {
    if (range.type === 'gzip' || range.type === 'x-gzip') gzip = range.q;
    else if (range.type === '*') star = range.q;
  }
  return (gzip ?? star ?? 0) > 0;
}
