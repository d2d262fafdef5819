import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// The page's own files ship in the package (`assets/dashboard`), uPlot comes from its npm package:
// nothing is fetched from a CDN, so the page works offline.
// From src/sdk/dashboard (tests) the package root is three levels up, from dist/src/sdk/dashboard four.
const ASSETS = ['../../../assets/dashboard/', '../../../../assets/dashboard/']
  .map((relative) => new URL(relative, import.meta.url))
  .find((url) => existsSync(new URL('index.html', url))) as URL;

let cached:
  | { html: string; app: string; charts: string; css: string; uplotJs: string; uplotCss: string }
  | undefined;

function load() {
  cached ??= {
    html: readFileSync(new URL('index.html', ASSETS), 'utf8'),
    app: readFileSync(new URL('app.js', ASSETS), 'utf8'),
    charts: readFileSync(new URL('charts.js', ASSETS), 'utf8'),
    css: readFileSync(new URL('app.css', ASSETS), 'utf8'),
    uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return cached;
}

/** Inline text cannot close its element early. */
const inlineScript = (s: string) => s.replaceAll('</script', '<\\/script');
const inlineStyle = (s: string) => s.replaceAll('</style', '<\\/style');

/**
 * The dashboard as one self-contained HTML document (scripts and styles inline, under a nonce), with
 * a Content-Security-Policy that allows nothing else: no inline handlers, no remote anything.
 */
export function renderPage(config: { apiBase: string; service: string }): { html: string; csp: string } {
  const a = load();
  const nonce = randomBytes(16).toString('base64');
  const settings = JSON.stringify(config).replaceAll('<', '\\u003c');
  const html = a.html
    .replaceAll('{{NONCE}}', nonce)
    .replace('/*STYLES*/', () => inlineStyle(`${a.uplotCss}\n${a.css}`))
    .replace('{"settings":"SETTINGS"}', () => settings)
    .replace('/*UPLOT*/', () => inlineScript(a.uplotJs))
    .replace('/*CHARTS*/', () => inlineScript(a.charts))
    .replace('/*APP*/', () => inlineScript(a.app));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, csp };
}
