import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { METRIC as INSTRUMENT, promName as prometheusName } from '../../src/core/metric-names.js';

/**
 * "Which dashboard charts this metric": for every instrument, the dashboards whose queries read
 * one of its series. Written into the README's metric reference between marker comments.
 */
export const INDEX_START = '<!-- dashboards-by-metric:start (npm run dashboards) -->';
export const INDEX_END = '<!-- dashboards-by-metric:end -->';

export function dashboardsByMetric(boards: Record<string, dashboard.Dashboard>): Map<string, string[]> {
  const exprs = Object.values(boards).map((board) => ({
    title: board.title ?? '',
    text: JSON.stringify(board.panels ?? []),
  }));
  const index = new Map<string, string[]>();
  for (const instrument of Object.values(INSTRUMENT)) {
    // A series name is the base name, optionally with a suffix, ended by `{`, `[`, `)` or a space.
    const pattern = new RegExp(`\\b${prometheusName(instrument)}(_total|_bucket|_count|_sum)?(?=[{\\[) ])`);
    index.set(
      instrument,
      exprs.filter((e) => pattern.test(e.text)).map((e) => e.title),
    );
  }
  return index;
}

export function metricIndexMarkdown(boards: Record<string, dashboard.Dashboard>): string {
  const rows = [...dashboardsByMetric(boards)].map(
    ([instrument, titles]) =>
      `| \`${instrument}\` | \`${prometheusName(instrument)}\` | ${titles.length ? titles.map((t) => t.replace('aiva / ', '')).join(', ') : '—'} |`,
  );
  return [
    INDEX_START,
    '| instrument | Prometheus name | charted on (grafana/dashboards) |',
    '|---|---|---|',
    ...rows,
    INDEX_END,
  ].join('\n');
}

/** Replaces the marked section of a README with the current index. */
export function withMetricIndex(readme: string, boards: Record<string, dashboard.Dashboard>): string {
  const start = readme.indexOf(INDEX_START);
  const end = readme.indexOf(INDEX_END);
  if (start < 0 || end < start) throw new Error(`README lacks the ${INDEX_START} … ${INDEX_END} markers`);
  return readme.slice(0, start) + metricIndexMarkdown(boards) + readme.slice(end + INDEX_END.length);
}
