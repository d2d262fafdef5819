import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_ALERT_RULES } from '../../src/alerts/defaults.js';
import { toPrometheusRules } from '../../src/alerts/prometheus.js';
import { DERIVED_METRICS } from '../../src/core/derived-metrics.js';
import { requireBinary } from '../helpers/binaries.js';

const run = promisify(execFile);
const promtool = requireBinary('promtool', 'prometheus');
const root = fileURLToPath(new URL('../../', import.meta.url));
const committed = join(root, 'grafana/rules/aiva-performance.rules.yml');
const unitTests = join(root, 'test/integration/fixtures/alerts/aiva-performance.rules.test.yml');

describe.skipIf(promtool.skip)('exported alert rules under promtool (Prometheus 2.42)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aiva-rules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('promtool check rules passes on the committed rule file', async () => {
    const { stdout } = await run(promtool.path!, ['check', 'rules', committed], { timeout: 30_000 });
    expect(stdout).toContain('SUCCESS: 8 rules found');
  });

  it('promtool check rules passes on a fresh export with custom rules too', async () => {
    const file = join(dir, 'custom.rules.yml');
    writeFileSync(
      file,
      toPrometheusRules([
        ...DEFAULT_ALERT_RULES,
        { name: 'ErrorRate', metric: 'error_rate', threshold: 0.05, severity: 'critical', for: '5m' },
        {
          name: 'GcPauses',
          metric: 'v8js.gc.duration',
          aggregate: 'p99',
          threshold: 0.1,
          keepFiringFor: '10m',
        },
        { name: 'NoJobs', metric: 'jobs.done', aggregate: 'rate', op: '<', threshold: 1, severity: 'normal' },
      ]),
    );
    const { stdout } = await run(promtool.path!, ['check', 'rules', file], { timeout: 30_000 });
    expect(stdout).toContain('SUCCESS: 11 rules found');
  });

  it('promtool check rules accepts the PromQL of every derived metric, at the default and a custom range', async () => {
    const file = join(dir, 'derived.rules.yml');
    const names = Object.keys(DERIVED_METRICS);
    writeFileSync(
      file,
      toPrometheusRules(
        names.flatMap((metric) => [
          { name: `Derived_${metric}`, metric, threshold: 0 },
          { name: `Derived_${metric}_1m`, metric, threshold: 0, rangeMillis: 60_000 },
        ]),
      ),
    );
    const { stdout } = await run(promtool.path!, ['check', 'rules', file], { timeout: 30_000 });
    expect(stdout).toContain(`SUCCESS: ${names.length * 2} rules found`);
  });

  it('promtool test rules: the exported CPU, queue and p95 rules fire when they should (and not before)', async () => {
    const { stdout } = await run(promtool.path!, ['test', 'rules', unitTests], { timeout: 60_000 });
    expect(stdout).toContain('SUCCESS');
  });

  it('promtool test rules: error_rate is 0 before the first failure (not no data) and the failed share after', async () => {
    const rules = join(dir, 'error-rate.rules.yml');
    writeFileSync(
      rules,
      toPrometheusRules([
        {
          name: 'Errors',
          metric: 'error_rate',
          op: '>=',
          threshold: 0,
          rangeMillis: 60_000,
          annotations: { summary: '{{value}}' },
        },
      ]),
    );
    const count = (outcome: string, values: string) => ({
      series: `aiva_task_duration_count{aiva_task_name="scan",aiva_task_outcome="${outcome}",job="s",instance="a"}`,
      values,
    });
    const expectSummary = (summary: string) => [
      {
        eval_time: '2m',
        alertname: 'Errors',
        exp_alerts: [
          { exp_labels: { severity: 'warning', job: 's', instance: 'a' }, exp_annotations: { summary } },
        ],
      },
    ];
    const tests = join(dir, 'error-rate.test.yml');
    writeFileSync(
      tests,
      stringify({
        rule_files: [rules],
        evaluation_interval: '15s',
        tests: [
          { interval: '15s', input_series: [count('ok', '0+10x20')], alert_rule_test: expectSummary('0.00') },
          {
            interval: '15s',
            input_series: [count('ok', '0+6x20'), count('error', '0+2x20')],
            alert_rule_test: expectSummary('0.25'),
          },
        ],
      }),
    );
    const { stdout } = await run(promtool.path!, ['test', 'rules', tests], { timeout: 60_000 });
    expect(stdout).toContain('SUCCESS');
  });

  it('promtool check rules rejects a broken file (the check can fail)', async () => {
    const file = join(dir, 'broken.rules.yml');
    writeFileSync(file, toPrometheusRules([{ name: 'Bad', metric: 'm', threshold: 1, promql: 'sum(' }]));
    await expect(run(promtool.path!, ['check', 'rules', file], { timeout: 30_000 })).rejects.toThrow();
  });
});
