import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

describe('aiva-perf CLI', () => {
  it('rules export prints exactly the committed grafana/rules/aiva-performance.rules.yml', async () => {
    const committed = readFileSync(
      new URL('../grafana/rules/aiva-performance.rules.yml', import.meta.url),
      'utf8',
    );
    const { code, out } = await runCli('rules', 'export');
    expect(code).toBe(0);
    expect(out).toBe(committed);
  });
  it('--help prints usage; an unknown command exits 2 with usage on stderr', async () => {
    expect(await runCli('--help')).toMatchObject({ code: 0, out: expect.stringContaining('rules export') });
    expect(await runCli('rules', 'import')).toMatchObject({
      code: 2,
      err: expect.stringContaining("unknown command 'rules import'"),
    });
    expect(await runCli()).toMatchObject({ code: 2 });
  });

  const built = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
  // dist/ is fresh: test/global-setup.ts builds it when it is missing or older than src/.
  it('the built bin (dist/src/cli.js) prints the same file', () => {
    const committed = readFileSync(
      new URL('../grafana/rules/aiva-performance.rules.yml', import.meta.url),
      'utf8',
    );
    expect(readFileSync(built, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    expect(
      execFileSync(process.execPath, [built, 'rules', 'export'], { encoding: 'utf8', timeout: 20_000 }),
    ).toBe(committed);
  });
});
