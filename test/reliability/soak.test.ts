import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The short soak (issue 13): two minutes of the demo under 1 s scrapes, a 50-way burst, cardinality
// abuse, alert flapping, pool faults and memory churn. Under CI only: it takes ~2.5 minutes.
describe.runIf(process.env.CI === 'true')('bench/soak.js --minutes 2', () => {
  it('keeps the series flat under cardinality abuse, with no unhandled error and no refused scrape', () => {
    const run = spawnSync(
      process.execPath,
      ['bench/soak.js', '--minutes', '2', '--sample-seconds', '15', '--burst-every-seconds', '60', '--json'],
      { cwd: root, encoding: 'utf8', timeout: 240_000 },
    );
    const line = run.stdout.trim().split('\n').at(-1) ?? '';
    const result = JSON.parse(line);
    expect(['PASS', 'FAIL']).toContain(result.verdict);
    expect(result.samples).toBeGreaterThanOrEqual(5);
    // thousands of new task names went in, the exported series did not follow them
    expect(result.end.taskNames).toBeGreaterThan(10_000);
    // (a few bounded sets still appear late: a pool outcome, an alert state; never one per name)
    expect(result.slopePer10Min.series).toBeLessThan(result.end.series * 0.01);
    expect(result.end.series - result.middle.series).toBeLessThan(result.end.series * 0.01);
    expect(result.unhandled).toBe(0);
    // every answered scrape was a 200; the only failures allowed are slow answers to the burst
    expect(Object.keys(result.failureReasons).filter((reason) => reason !== 'TimeoutError')).toEqual([]);
    expect(result.scrapes - result.failedScrapes).toBeGreaterThan(100);
  }, 300_000);
});
