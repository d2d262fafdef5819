import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_RULES } from '../../src/alerts/defaults.js';
import { toPrometheusRules } from '../../src/alerts/prometheus.js';
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

  it('promtool test rules: the exported CPU, queue and p95 rules fire when they should (and not before)', async () => {
    const { stdout } = await run(promtool.path!, ['test', 'rules', unitTests], { timeout: 60_000 });
    expect(stdout).toContain('SUCCESS');
  });

  it('promtool check rules rejects a broken file (the check can fail)', async () => {
    const file = join(dir, 'broken.rules.yml');
    writeFileSync(file, toPrometheusRules([{ name: 'Bad', metric: 'm', threshold: 1, promql: 'sum(' }]));
    await expect(run(promtool.path!, ['check', 'rules', file], { timeout: 30_000 })).rejects.toThrow();
  });
});
