import { describe, expect, it } from 'vitest';
import { acceptsGzip, negotiateFormat, parseAccept } from '../../../src/sdk/exposition/negotiate.js';

const PROMETHEUS_2_42 =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('content negotiation on Accept', () => {
  it.each([
    [undefined, 'text'],
    ['', 'text'],
    ['*/*', 'text'],
    ['text/*', 'text'],
    ['text/plain', 'text'],
    ['text/plain;version=0.0.4', 'text'],
    [PROMETHEUS_2_42, 'openmetrics'],
    ['application/openmetrics-text', 'openmetrics'],
    ['application/openmetrics-text; version="1.0.0"; charset=utf-8', 'openmetrics'],
    ['text/plain;version=0.0.4;q=0.9, application/openmetrics-text;version=1.0.0;q=0.8', 'text'],
    ['text/plain;q=0.2, application/openmetrics-text;q=0.8', 'openmetrics'],
    ['application/openmetrics-text;version=1.0.0;q=0, text/plain', 'text'],
    // equal q: the one listed first
    ['application/openmetrics-text;version=1.0.0, text/plain;version=0.0.4', 'openmetrics'],
    ['text/plain;version=0.0.4, application/openmetrics-text;version=1.0.0', 'text'],
    // versions we do not write are not matched; nothing acceptable falls back to text 0.0.4
    ['application/openmetrics-text;version=2.0.0', 'text'],
    ['application/json', 'text'],
    ['application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited', 'text'],
  ])('Accept %j → %s', (accept, id) => {
    expect(negotiateFormat(accept).id).toBe(id);
  });

  it('parses q weights, clamps them, and treats an unparsable q as 0', () => {
    expect(parseAccept('a/b;q=0.5, c/d;q=7, e/f;q=x, g').map((r) => r.q)).toEqual([0.5, 1, 0, 1]);
  });

  it.each([
    [undefined, false],
    ['gzip', true],
    ['deflate, gzip;q=0.5', true],
    ['gzip;q=0', false],
    ['*', true],
    ['identity', false],
    ['*;q=1, gzip;q=0', false],
  ])('Accept-Encoding %j → gzip %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
