import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allDashboards, serialize } from '../../grafana/generators/index.js';
import { DATASOURCE } from '../../grafana/generators/layout.js';
import { dashboardsByMetric, withMetricIndex } from '../../grafana/generators/metric-index.js';
import { defaultLevels } from '../../grafana/generators/overview.js';
import { DEFAULT_ALERT_RULES } from '../../src/alerts/defaults.js';
import { lintDashboard } from './dashboard-linter.js';

const dir = fileURLToPath(new URL('../../grafana/dashboards/', import.meta.url));
const generated = allDashboards();
// biome-ignore lint/suspicious/noExplicitAny: dashboard JSON is inspected structurally
type Json = any;
const committed: Record<string, Json> = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f, JSON.parse(readFileSync(`${dir}${f}`, 'utf8'))]),
);
// biome-ignore lint/suspicious/noExplicitAny: see above
const panelsOf = (d: Json): any[] => (d.panels ?? []).flatMap((p: any) => [p, ...(p.panels ?? [])]);

/** Findings the project accepts, each with the reason written beside it. None today. */
const EXCLUSIONS: Record<string, string> = {};

describe('grafana/dashboards', () => {
  it('are exactly what the generators produce (run `npm run dashboards` after a change)', () => {
    expect(Object.keys(committed).sort()).toEqual(Object.keys(generated).sort());
    for (const [file, board] of Object.entries(generated)) {
      expect(readFileSync(`${dir}${file}`, 'utf8'), file).toBe(serialize(board));
    }
  });

  it.each(Object.keys(generated))('%s: zero dashboard-linter findings', (file) => {
    const findings = lintDashboard(committed[file]).filter((f) => !(f.rule in EXCLUSIONS));
    expect(findings).toEqual([]);
  });

  it.each(Object.keys(generated))('%s: ids, refIds, datasource, grid', (file) => {
    const board = committed[file];
    expect([41, 42]).toContain(board.schemaVersion);
    expect(board.tags).toContain('aiva');
    expect(board.editable).toBe(false);
    expect(board.links[0]).toMatchObject({ type: 'dashboards', tags: ['aiva'] });
    const text = JSON.stringify(board);
    expect(text).not.toMatch(/\$\{DS_|__inputs/);
    const panels = panelsOf(board);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    const cells = new Set<string>();
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x + w, p.title).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`), `${p.title} overlaps at ${i},${j}`).toBe(false);
          cells.add(`${i},${j}`);
        }
      }
      if (p.type === 'row') continue;
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) {
        expect(t.refId, p.title).toMatch(/^[A-Z]$/);
        expect(t.datasource).toEqual(DATASOURCE);
      }
    }
  });

  it('have stable, unique uids', () => {
    const uids = Object.values(committed).map((d) => d.uid);
    expect(uids).toEqual([
      'aiva-alerts',
      'aiva-host-runtime',
      'aiva-memory',
      'aiva-overview',
      'aiva-tasks-pool',
    ]);
  });

  it('colour the overview at the default alert rules’ levels, read from DEFAULT_ALERT_RULES', () => {
    const overview = committed['aiva-overview.json'];
    const stat = (title: string) => panelsOf(overview).find((p) => p.type === 'stat' && p.title === title);
    for (const [title, metric] of [
      ['CPU busy', 'cpu_percent'],
      ['Memory used', 'memory_percent'],
      ['Queue size', 'queue_size'],
      ['p95 response time', 'response_time'],
    ] as const) {
      const rule = DEFAULT_ALERT_RULES.find((r) => r.metric === metric);
      const steps = stat(title).fieldConfig.defaults.thresholds.steps.map((s: { value: number }) => s.value);
      expect(steps, title).toEqual([null, defaultLevels(metric).warning, defaultLevels(metric).critical]);
      expect(rule?.threshold).toMatchObject({ warning: steps[1], critical: steps[2] });
    }
  });
});

describe('the dashboard-linter port catches what the Go rules catch', () => {
  const good = committed['aiva-overview.json'];
  const mutate = (change: (d: ReturnType<typeof structuredClone>) => void) => {
    const copy = structuredClone(good);
    change(copy);
    return lintDashboard(copy).map((f) => f.rule);
  };
  const firstQueryPanel = (d: unknown) => panelsOf(d).find((p) => p.type === 'timeseries');

  it.each([
    ['uneditable-dashboard', (d: Json) => (d.editable = true)],
    ['template-datasource-rule', (d: Json) => (d.templating.list[0].name = 'ds')],
    ['template-job-rule', (d: Json) => (d.templating.list[1].allValue = '.*')],
    ['template-instance-rule', (d: Json) => (d.templating.list[2].multi = false)],
    ['template-on-time-change-reload-rule', (d: Json) => (d.templating.list[1].refresh = 1)],
    ['template-label-promql-rule', (d: Json) => (d.templating.list[1].query.query = 'foo(up, job)')],
    ['panel-datasource-rule', (d: Json) => (firstQueryPanel(d).datasource = { uid: 'fixed-uid' })],
    ['panel-title-description-rule', (d: Json) => (firstQueryPanel(d).description = '')],
    ['panel-units-rule', (d: Json) => (firstQueryPanel(d).fieldConfig.defaults.unit = 'furlongs')],
    ['panel-no-targets-rule', (d: Json) => delete firstQueryPanel(d).targets],
    ['target-promql-rule', (d: Json) => (firstQueryPanel(d).targets[0].expr = 'sum(rate(x[')],
    [
      'target-rate-interval-rule',
      (d: Json) =>
        (firstQueryPanel(d).targets[0].expr = 'sum(rate(a_total{job=~"$job",instance=~"$instance"}[5m]))'),
    ],
    ['target-job-rule', (d: Json) => (firstQueryPanel(d).targets[0].expr = 'up{instance=~"$instance"}')],
    ['target-instance-rule', (d: Json) => (firstQueryPanel(d).targets[0].expr = 'up{job=~"$job"}')],
    [
      'target-counter-agg-rule',
      (d: Json) => (firstQueryPanel(d).targets[0].expr = 'sum(a_total{job=~"$job",instance=~"$instance"})'),
    ],
  ])('%s', (rule, change) => {
    expect(mutate(change as (d: unknown) => void)).toContain(rule);
  });
});

describe('README metric index', () => {
  it('names, for every instrument, the dashboards that chart it (run `npm run dashboards`)', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    expect(withMetricIndex(readme, generated)).toBe(readme);
    const index = dashboardsByMetric(generated);
    expect(index.get('aiva.task.duration')).toContain('aiva / Service overview');
    expect(index.get('v8js.gc.duration')).toEqual(['aiva / Host & runtime']);
  });
});
