import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_ALERT_RULES } from '../../src/alerts/defaults.js';
import { formatDuration, parseDuration } from '../../src/alerts/duration.js';
import { PromqlExportError } from '../../src/alerts/errors.js';
import { toPrometheusRules } from '../../src/alerts/prometheus.js';

interface RuleFile {
  groups: { name: string; interval: string; rules: Record<string, unknown>[] }[];
}

describe('toPrometheusRules', () => {
  it('exports the defaults as one group per severity with its interval', () => {
    const file = parse(toPrometheusRules(DEFAULT_ALERT_RULES)) as RuleFile;
    expect(file.groups.map((g) => [g.name, g.interval, g.rules.length])).toEqual([
      ['aiva-performance.critical', '1s', 4],
      ['aiva-performance.warning', '5s', 4],
    ]);
    const cpu = file.groups[0]?.rules[0];
    expect(cpu).toEqual({
      alert: 'HighCpuUsage',
      expr: '(clamp(100 * (1 - avg by (job, instance) (system_cpu_utilization{cpu_mode="idle"})), 0, 100)) > 90',
      for: '1m',
      keep_firing_for: '1m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'CPU usage is {{ printf "%.2f" $value }}% (threshold 90%)',
        runbook: 'Throttle or scale out: the pool is shrunk at critical.',
      },
    });
  });

  it('writes generic rules over exporter-prometheus names (dots → _, counters _total, histograms _bucket)', () => {
    const file = parse(
      toPrometheusRules([
        {
          name: 'Gc',
          metric: 'v8js.gc.duration',
          aggregate: 'p99',
          where: { 'v8js.gc.type': ['major', 'minor'] },
          threshold: 0.1,
        },
        {
          name: 'Jobs',
          metric: 'jobs.done',
          aggregate: 'rate',
          threshold: 5,
          op: '<',
          rangeMillis: 60_000,
          severity: 'normal',
          labels: { team: 'scan' },
        },
        {
          name: 'Ratio',
          metric: 'x',
          aggregate: 'ratio',
          where: { ok: 'false' },
          denominator: {},
          threshold: 0.5,
        },
      ]),
    ) as RuleFile;
    const exprs = file.groups.flatMap((g) => g.rules.map((r) => r.expr));
    expect(exprs).toEqual([
      '(histogram_quantile(0.99, sum by (job, instance, le) (rate(v8js_gc_duration_bucket{v8js_gc_type=~"major|minor"}[5m])))) > 0.1',
      '((sum by (job, instance) (rate(x_total{ok="false"}[5m]))) / (sum by (job, instance) (rate(x_total[5m])))) > 0.5',
      '(sum by (job, instance) (rate(jobs_done_total[1m]))) < 5',
    ]);
    expect(file.groups.at(-1)).toMatchObject({ name: 'aiva-performance.normal', interval: '30s' });
    expect(file.groups.at(-1)?.rules[0]?.labels).toEqual({ team: 'scan', severity: 'normal' });
  });

  it('refuses a transform function without promql, or skips it when asked', () => {
    const rules = [{ name: 'T', metric: 'm', threshold: 1, transform: (v: number) => v }];
    expect(() => toPrometheusRules(rules)).toThrow(PromqlExportError);
    const out = toPrometheusRules(rules, { skipUnsupported: true });
    expect(out).toContain('# Skipped (not expressible in PromQL): T/warning');
    expect(toPrometheusRules([{ ...rules[0]!, promql: '1 - avg(m)' }])).toContain('expr: (1 - avg(m)) > 1');
  });
});

describe('durations', () => {
  it('parses and formats Prometheus durations', () => {
    expect(parseDuration('1m30s', 'f')).toBe(90_000);
    expect(parseDuration('250ms', 'f')).toBe(250);
    expect(parseDuration(1500, 'f')).toBe(1500);
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(0)).toBe('0s');
  });
});
