import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/sdk/reports/model.js';
import { requireBinary } from '../helpers/binaries.js';
import { runCli } from '../helpers/cli.js';
import { type RunningDemo, startDemo } from '../helpers/demo.js';
import { freePort, type RunningPrometheus, startPrometheus } from '../helpers/prometheus.js';

const prometheusBinary = requireBinary('prometheus', 'prometheus');

const report = (...args: string[]) => runCli('report', ...args);

describe.skipIf(prometheusBinary.skip)(
  'aiva-perf report --prometheus, against a Prometheus that scraped the demo',
  () => {
    let demo: RunningDemo;
    let prometheus: RunningPrometheus;

    beforeAll(async () => {
      demo = await startDemo({ AIVA_DEMO_INTERVAL_MS: '1000' });
      prometheus = await startPrometheus(prometheusBinary.path as string, [new URL(demo.base).host]);
      // Enough scrapes that one second of tasks is well under 5 % of the total.
      await prometheus.waitFor(
        'count_over_time(up{job="aiva"}[5m])',
        (r) => Number(r[0]?.value[1]) >= 40,
        90_000,
      );
    }, 120_000);

    afterAll(async () => {
      await prometheus?.stop();
      await demo?.stop();
    });

    it('has the same sections as the in-process report and agrees on task totals within 5 %', async () => {
      // One end for both, a little in the past, so each has its last sample before it.
      const to = String(Date.now() - 2000);
      const fromPrometheus = await report(
        '--prometheus',
        prometheus.url,
        '--job',
        'aiva',
        '--period',
        '3m',
        '--to',
        to,
      );
      const fromService = await report('--url', demo.base, '--period', '3m', '--to', to);
      expect(fromPrometheus.err).toBe('');
      expect(fromPrometheus.code).toBe(0);
      expect(fromService.code).toBe(0);
      const p = JSON.parse(fromPrometheus.out) as Report;
      const s = JSON.parse(fromService.out) as Report;
      expect(p.source).toBe('prometheus');
      expect(s.source).toBe('service');
      expect(Object.keys(p)).toEqual(Object.keys(s));
      expect(p.metrics.map((m) => m.name)).toEqual(s.metrics.map((m) => m.name));
      expect(p.series.timestamps).toEqual(s.series.timestamps);
      expect(p.topTasks.map((t) => t.name).sort()).toEqual(s.topTasks.map((t) => t.name).sort());
      const tasks = [p.totals.tasks ?? 0, s.totals.tasks ?? 0] as const;
      console.log(`task totals: prometheus ${tasks[0]}, in-process ${tasks[1]}`);
      expect(Math.min(...tasks)).toBeGreaterThan(100);
      expect(Math.abs(tasks[0] - tasks[1]) / tasks[1]).toBeLessThan(0.05);
      const errors = [p.totals.errors ?? 0, s.totals.errors ?? 0] as const;
      expect(Math.abs(errors[0] - errors[1])).toBeLessThanOrEqual(Math.max(2, 0.05 * errors[1]));
      // The demo's CPU from PromQL and from the monitor measure the same machine.
      expect(p.metrics.find((m) => m.name === 'cpu_percent')?.samples).toBeGreaterThan(10);
    });

    it('renders the Prometheus report as a PDF too', async () => {
      const r = await report(
        '--prometheus',
        prometheus.url,
        '--job',
        'aiva',
        '--period',
        '3m',
        '--format',
        'pdf',
      );
      expect(r.code).toBe(0);
      expect(r.out.slice(0, 5)).toBe('%PDF-');
    });

    it('exits 2 with one line for an unknown job (empty period) and for an unreachable server', async () => {
      const empty = await report('--prometheus', prometheus.url, '--job', 'no-such-job', '--period', '3m');
      expect(empty.code).toBe(2);
      expect(empty.err).toMatch(/^aiva-perf report: no data for no-such-job between \S+ and \S+\n$/);
      const closed = await freePort();
      const down = await report(
        '--prometheus',
        `http://127.0.0.1:${closed}`,
        '--job',
        'aiva',
        '--period',
        '3m',
      );
      expect(down.code).toBe(2);
      expect(down.err).toMatch(
        /^aiva-perf report: cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/,
      );
    });
  },
);
