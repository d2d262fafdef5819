import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';

/**
 * Shared building blocks for every dashboard: the template variables, the label selector every
 * query carries, targets with a refId and the datasource variable, and a row-major grid layout
 * that hands out panel ids and positions (the foundation SDK sets neither).
 */

/** The datasource variable's reference: panels and targets use it, never a fixed uid. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
export const DATASOURCE: { type: string; uid: string } = { type: 'prometheus', uid: '${datasource}' };

/** Every selector carries this (dashboard-linter target-job / target-instance). */
export const SCOPE = 'job=~"$job",instance=~"$instance"';

/** Grafana computes it as max($__interval + scrape, 4 × scrape); the linter requires it in rate(). */
export const RATE = '$__rate_interval';

/** `name{job=~"$job",instance=~"$instance",extra}` — extra matchers appended, never retyped. */
export function sel(metric: string, ...matchers: string[]): string {
  return `${metric}{${[SCOPE, ...matchers].join(',')}}`;
}

export function datasourceVariable(): cog.Builder<dashboard.VariableModel> {
  return new dashboard.DatasourceVariableBuilder('datasource')
    .label('Data source')
    .type('prometheus')
    .description('The Prometheus that scrapes the service (or its federation / long-term store).');
}

/** job / instance from target_info: one series per process, present on every scrape. */
export function labelVariable(
  name: string,
  label: string,
  query: string,
  description: string,
): cog.Builder<dashboard.VariableModel> {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(DATASOURCE)
    .query({ query, refId: `${name}-variable` })
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.+')
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

export function standardVariables(): cog.Builder<dashboard.VariableModel>[] {
  return [
    datasourceVariable(),
    labelVariable('job', 'Job', 'label_values(target_info, job)', 'Prometheus job of the service.'),
    labelVariable(
      'instance',
      'Instance',
      'label_values(target_info{job=~"$job"}, instance)',
      'Scrape target (host:port) of one process.',
    ),
  ];
}

export interface TargetSpec {
  expr: string;
  legend?: string;
  /** Stat/gauge/table panels read the latest value only. */
  instant?: boolean;
  /** Table of series (alerts list) rather than a time series. */
  table?: boolean;
  /** Heatmaps read `le` buckets. */
  heatmap?: boolean;
}

export function targets(specs: readonly TargetSpec[]): cog.Builder<cog.Dataquery>[] {
  return specs.map((spec, index) => {
    const query = new prometheus.DataqueryBuilder()
      .refId(String.fromCharCode(65 + index))
      .datasource(DATASOURCE)
      .expr(spec.expr)
      .legendFormat(spec.legend ?? '__auto');
    if (spec.table) query.format(prometheus.PromQueryFormat.Table).instant();
    else if (spec.heatmap) query.format(prometheus.PromQueryFormat.Heatmap).range();
    else if (spec.instant) query.instant();
    else query.range();
    return query;
  });
}

/** A panel builder the grid can place: anything with id() and gridPos(). */
interface Placeable {
  id(id: number): unknown;
  gridPos(pos: dashboard.GridPos): unknown;
}

/**
 * Places panels left to right, wrapping at 24 columns; a row header takes a full line. Ids are
 * 1, 2, 3 … in layout order, so generated JSON is stable.
 */
export class Grid {
  #x = 0;
  #y = 0;
  #rowHeight = 0;
  #nextId = 1;

  place<T extends Placeable>(panel: T, w: number, h: number): T {
    if (this.#x + w > 24) this.#newLine();
    panel.id(this.#nextId++);
    panel.gridPos({ x: this.#x, y: this.#y, w, h });
    this.#x += w;
    this.#rowHeight = Math.max(this.#rowHeight, h);
    return panel;
  }

  row(title: string): dashboard.RowBuilder {
    this.#newLine();
    const row = new dashboard.RowBuilder(title).collapsed(false);
    row.id(this.#nextId++);
    row.gridPos({ x: 0, y: this.#y, w: 24, h: 1 });
    this.#y += 1;
    return row;
  }

  #newLine(): void {
    this.#y += this.#rowHeight;
    this.#x = 0;
    this.#rowHeight = 0;
  }
}
