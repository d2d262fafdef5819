import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The layers (README, Architecture) are enforced by biome's noRestrictedImports overrides in
 * biome.json. Each case writes a probe file into a layer's folder, lints it with the project's
 * config and removes it: a wrong import must be reported, a right one must not.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const biome = fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url));

async function restrictedImportFindings(folder: string, importLine: string): Promise<number> {
  const probe = `src/${folder}/layer-probe-${process.pid}.ts`;
  writeFileSync(`${root}/${probe}`, `${importLine}\n\nexport const probe = imported;\n`);
  try {
    const { stdout } = await run(
      biome,
      ['lint', '--only=style/noRestrictedImports', '--reporter=json', probe],
      { cwd: root },
    ).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
    const report = JSON.parse(stdout) as { diagnostics: { category: string }[] };
    return report.diagnostics.filter((d) => d.category === 'lint/style/noRestrictedImports').length;
  } finally {
    rmSync(`${root}/${probe}`, { force: true });
  }
}

describe('import direction (biome noRestrictedImports)', () => {
  it.each([
    ['core', "import imported from 'yaml';"],
    ['core', "import { startPerformanceSdk as imported } from '../sdk/start.js';"],
    ['core', "import { TaskRecorder as imported } from '../instrumentation/tasks.js';"],
    ['memory', "import { startPerformanceSdk as imported } from '../sdk/start.js';"],
    ['memory', "import { ParallelProcessor as imported } from '../parallel/processor.js';"],
    ['memory', "import { MeterProvider as imported } from '@opentelemetry/sdk-metrics';"],
    ['parallel', "import { UnifiedMemoryManager as imported } from '../memory/manager.js';"],
    ['alerts', "import { TaskRecorder as imported } from '../instrumentation/tasks.js';"],
    ['instrumentation', "import { AlertEngine as imported } from '../alerts/engine.js';"],
    ['sdk', "import { startPerformanceSdk as imported } from '../index.js';"],
  ])('rejects in src/%s: %s', async (folder, importLine) => {
    expect(await restrictedImportFindings(folder, importLine)).toBeGreaterThan(0);
  });

  it.each([
    ['core', "import { diag as imported } from '@opentelemetry/api';"],
    ['memory', "import { ConfigError as imported } from '../core/errors.js';"],
    ['alerts', "import { queryPoints as imported } from '../core/query.js';"],
    ['sdk', "import { AlertEngine as imported } from '../alerts/engine.js';"],
  ])('allows in src/%s: %s', async (folder, importLine) => {
    expect(await restrictedImportFindings(folder, importLine)).toBe(0);
  });
});
