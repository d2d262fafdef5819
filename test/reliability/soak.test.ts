import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The short soak (issue 13): two minutes of the demo under 1 s scrapes, a 50-way burst, cardinality
// abuse, alert flapping, pool faults and memory churn; then a minute with a deliberate leak. Under CI
// only: they take ~4 minutes.
describe.runIf(process.env.CI === 'true')('bench/soak.js, short runs', () => {
  it('keeps the series flat under cardinality abuse, with no unhandled error and no refused scrape', () => {
    const result = soak(['--minutes', '2', '--sample-seconds', '15', '--burst-every-seconds', '60']);
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

  // The verdict can fail: a deliberate leak of 1,000 MB per 10 minutes (four times the short run's RSS
  // limit, which allows the memory load's first ramp) must be caught and named.
  it('fails a run with a deliberate leak, on the RSS slope', () => {
    const result = soak(['--minutes', '1', '--sample-seconds', '10', '--leak-mb-per-10min', '1000']);
    expect(result.leakMbPer10Min).toBe(1000);
    expect(result.verdict).toBe('FAIL');
    expect(result.reasons.some((reason: string) => reason.startsWith('rssMb slope'))).toBe(true);
    expect(result.slopePer10Min.rssMb).toBeGreaterThan(500);
    expect(result.unhandled).toBe(0);
  }, 300_000);
});

function soak(args: string[]) {
  const run = spawnSync(process.execPath, ['bench/soak.js', ...args, '--json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 240_000,
  });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`bench/soak.js ${args.join(' ')} printed no result (exit ${run.status}):\n${run.stderr}`);
  }
}
