import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE, type TargetSpec, targets } from './layout.js';

/**
 * Panel factories: every panel gets a title, a description, a unit, the datasource variable and
 * targets with refIds — the dashboard-linter's panel rules hold by construction.
 */

export interface PanelSpec {
  title: string;
  description: string;
  /** A Grafana unit id (panel-units rule): s, bytes, Bps, percent, percentunit, ops, short, none … */
  unit: string;
  targets: readonly TargetSpec[];
}

/** Colour steps from a warning and a critical level (green below warning). */
export function levels(warning: number, critical: number): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: 'green' },
    { value: warning, color: 'orange' },
    { value: critical, color: 'red' },
  ]);
}

export function timeSeries(spec: PanelSpec, options: { stacked?: boolean; min?: number } = {}) {
  const panel = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(targets(spec.targets))
    .fillOpacity(options.stacked ? 60 : 10)
    .lineWidth(1)
    .showPoints(common.VisibilityMode.Never)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi));
  if (options.stacked) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (options.min !== undefined) panel.min(options.min);
  return panel;
}

/** A time series with the alert levels drawn as dashed threshold lines. */
export function timeSeriesWithLevels(spec: PanelSpec, warning: number, critical: number) {
  return timeSeries(spec, { min: 0 })
    .thresholds(levels(warning, critical))
    .thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
}

export function statPanel(spec: PanelSpec, thresholds?: dashboard.ThresholdsConfigBuilder) {
  const panel = new stat.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(targets(spec.targets.map((t) => ({ ...t, instant: true }))))
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Background)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .decimals(spec.unit === 'none' || spec.unit === 'short' ? 0 : 2);
  panel.thresholds(thresholds ?? levels(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
  return panel;
}

export function tablePanel(spec: PanelSpec) {
  return new table.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(targets(spec.targets.map((t) => ({ ...t, table: true }))))
    .withTransformation({ id: 'organize', options: { excludeByName: { Time: true } } });
}

export function stateTimeline(spec: PanelSpec) {
  return new statetimeline.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(targets(spec.targets))
    .mappings([
      {
        type: dashboard.MappingType.ValueToText,
        options: {
          '0': { text: 'inactive', color: 'green', index: 0 },
          '1': { text: 'pending', color: 'orange', index: 1 },
          '2': { text: 'firing', color: 'red', index: 2 },
        },
      },
    ]);
}

export function heatmapPanel(spec: PanelSpec) {
  return new heatmap.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(targets(spec.targets.map((t) => ({ ...t, heatmap: true }))))
    .calculate(false)
    .yAxis(new heatmap.YAxisConfigBuilder().unit(spec.unit))
    .color(new heatmap.HeatmapColorOptionsBuilder().mode(heatmap.HeatmapColorMode.Scheme).scheme('Oranges'));
}
