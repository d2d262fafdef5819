import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/binaries.js';
import { type RunningPrometheus, startPrometheus } from '../helpers/prometheus.js';

/**
 * Every target of every panel of every committed dashboard, run against a real Prometheus that
 * scrapes the demo (`npm start`) once a second — template variables resolved through Prometheus'
 * API the way Grafana resolves them, `$__rate_interval` computed as Grafana computes it.
 */
const prometheusBinary = requireBinary('prometheus', 'prometheus');
const dashboardsDir = fileURLToPath(new URL('../../grafana/dashboards/', import.meta.url));
const demo = fileURLToPath(new URL('../../dist/src/demo/main.js', import.meta.url));

/** The datasource's timeInterval (= scrape interval here) and Grafana's interval for a 1 h range. */
const SCRAPE_SECONDS = 1;
const INTERVAL_SECONDS = 5; // 1 h over ~720 px, rounded by Grafana to 5 s
/** Grafana: $__rate_interval = max($__interval + scrape interval, 4 × scrape interval). */
const RATE_INTERVAL = `${Math.max(INTERVAL_SECONDS + SCRAPE_SECONDS, 4 * SCRAPE_SECONDS)}s`;

// biome-ignore lint/suspicious/noExplicitAny: dashboard JSON is inspected structurally
type Json = any;
interface Expression {
  dashboard: string;
  panel: string;
  expr: string;
  /** The panel reads native histograms (its description says so): run against the native Prometheus. */
  native: boolean;
}

/** Grafana's prometheusRegularEscape: regex-escaped, the backslash itself escaped for a PromQL string. */
const escapeRegex = (value: string) =>
  value.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');

/** Grafana's query variable: label_values(selector, label) through /api/v1/label/<label>/values. */
async function resolveVariable(prometheus: RunningPrometheus, query: string, values: Map<string, string>) {
  const m = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(query);
  if (!m) throw new Error(`unsupported variable query ${query}`);
  const selector = substitute(m[1] as string, values);
  const url = `${prometheus.url}/api/v1/label/${m[2]}/values?match[]=${encodeURIComponent(selector)}`;
  const body = (await (await fetch(url)).json()) as { status: string; data?: string[]; error?: string };
  if (body.status !== 'success') throw new Error(`${query} → ${selector}: ${body.error}`);
  return body.data ?? [];
}

/** Multi-value variables with one selected value: Grafana regex-escapes it into `=~"…"`. */
function substitute(expr: string, values: Map<string, string>): string {
  return expr
    .replaceAll('$__rate_interval', RATE_INTERVAL)
    .replace(/\$\{?(\w+)\}?/g, (whole, name: string) => values.get(name) ?? whole);
}

describe.skipIf(prometheusBinary.skip)('every Grafana panel query returns data for the demo', () => {
  let child: ChildProcess | undefined;
  let prometheus: RunningPrometheus | undefined;
  /** A second Prometheus with native histograms on, for the panels that read them (2.42 then ingests
   * a histogram as native only, so the classic panels keep their own Prometheus). */
  let nativePrometheus: RunningPrometheus | undefined;
  let output = '';
  let demoStartedAt = 0;
  const boards: Record<string, Json> = Object.fromEntries(
    readdirSync(dashboardsDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, JSON.parse(readFileSync(`${dashboardsDir}${f}`, 'utf8'))]),
  );

  beforeAll(async () => {
    demoStartedAt = Date.now();
    child = spawn(process.execPath, [demo], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (c) => (output += c));
    child.stderr?.on('data', (c) => (output += c));
    const deadline = Date.now() + 20_000;
    let target: string | undefined;
    while (!target && Date.now() < deadline) {
      target = /metrics:\s+http:\/\/(\S+)\/metrics/.exec(output)?.[1];
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!target) throw new Error(`demo did not start: ${output}`);
    prometheus = await startPrometheus(prometheusBinary.path as string, [target]);
    nativePrometheus = await startPrometheus(prometheusBinary.path as string, [target], '/metrics', [
      '--enable-feature=native-histograms',
    ]);
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await nativePrometheus?.stop();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('resolves the variables and gets a finite value from every target expression', async () => {
    const p = prometheus as RunningPrometheus;
    await p.waitFor('up{job="aiva"}', (r) => r[0]?.value[1] === '1');
    const expressions: Expression[] = [];
    const valuesByBoard = new Map<string, Map<string, string>>();
    for (const [file, board] of Object.entries(boards)) {
      const values = new Map<string, string>();
      for (const variable of board.templating.list) {
        if (variable.type !== 'query') continue;
        const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
        // The demo needs a few seconds before every label (pool, kind, task) has been scraped.
        let options: string[] = [];
        for (let i = 0; i < 60 && options.length === 0; i++) {
          options = await resolveVariable(p, query, values);
          if (options.length === 0) await new Promise((r) => setTimeout(r, 1000));
        }
        expect(options.length, `${file}: variable ${variable.name} (${query})`).toBeGreaterThan(0);
        values.set(variable.name, options.map(escapeRegex).join('|'));
      }
      valuesByBoard.set(file, values);
      for (const panel of board.panels.flatMap((x: Json) => [x, ...(x.panels ?? [])])) {
        for (const target of panel.targets ?? []) {
          expressions.push({
            dashboard: board.title,
            panel: panel.title,
            expr: substitute(target.expr, values),
            native: String(panel.description).startsWith('Needs native histograms'),
          });
        }
      }
    }

    const hasData = async (e: Expression) => {
      const result = await (e.native ? (nativePrometheus as RunningPrometheus) : p).query(e.expr);
      return result.some((s) => Number.isFinite(Number(s.value[1])));
    };
    // Rates need two scrapes inside the window and the demo's alert cycle needs ~30 s: poll, bounded.
    let missing = expressions;
    const deadline = Date.now() + 90_000;
    while (missing.length > 0 && Date.now() < deadline) {
      const still: Expression[] = [];
      for (const e of missing) if (!(await hasData(e))) still.push(e);
      missing = still;
      if (missing.length > 0) await new Promise((r) => setTimeout(r, 2000));
    }
    const panels = Object.values(boards).flatMap((b) => b.panels.filter((x: Json) => x.type !== 'row'));
    console.log(
      `grafana: ${Object.keys(boards).length} dashboards, ${panels.length} panels, ${expressions.length} expressions (${expressions.filter((e) => e.native).length} on native histograms), ${expressions.length - missing.length} with data (rate interval ${RATE_INTERVAL})`,
    );
    expect(missing.map((e) => `${e.dashboard} › ${e.panel}: ${e.expr}`)).toEqual([]);
    // The promise: every panel has data within 60 s of `npm start`.
    expect((Date.now() - demoStartedAt) / 1000).toBeLessThanOrEqual(60);
  }, 240_000);

  it('shows the demo alert going pending → firing → resolved', async () => {
    const p = prometheus as RunningPrometheus;
    const state = (s: string) => `aiva_alerts_active{alertname="DemoBurst",alertstate="${s}"}`;
    await p.waitFor(`max_over_time(${state('pending')}[5m]) == 1`, (r) => r.length === 1, 60_000);
    await p.waitFor(`max_over_time(${state('firing')}[5m]) == 1`, (r) => r.length === 1, 60_000);
    // resolved: firing went back to 0 after having been 1
    const resolved = await p.waitFor(
      `${state('firing')} == 0 and on () (max_over_time(${state('firing')}[5m]) == 1)`,
      (r) => r.length === 1,
      60_000,
    );
    expect(resolved).toHaveLength(1);
  }, 200_000);
});
