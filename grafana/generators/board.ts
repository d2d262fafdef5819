import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { Grid, standardVariables } from './layout.js';

/** What every aiva dashboard shares: tag, links to the others, variables, read-only, refresh. */
export interface BoardSpec {
  uid: string;
  title: string;
  description: string;
  /** Extra template variables after datasource/job/instance. */
  variables?: cog.Builder<dashboard.VariableModel>[];
  /** Adds rows and panels through the grid, which assigns ids and positions. */
  content(add: BoardContent): void;
}

export interface BoardContent {
  row(title: string): void;
  panel<
    T extends cog.Builder<dashboard.Panel> & {
      id(id: number): unknown;
      gridPos(p: dashboard.GridPos): unknown;
    },
  >(panel: T, w: number, h: number): void;
}

export const TAG = 'aiva';

export function board(spec: BoardSpec): dashboard.Dashboard {
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([TAG])
    .readonly()
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(
      new dashboard.DashboardLinkBuilder('aiva dashboards')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    );
  for (const variable of [...standardVariables(), ...(spec.variables ?? [])]) builder.withVariable(variable);
  const grid = new Grid();
  spec.content({
    row: (title) => {
      builder.withRow(grid.row(title));
    },
    panel: (panel, w, h) => {
      builder.withPanel(grid.place(panel, w, h));
    },
  });
  return builder.build();
}
