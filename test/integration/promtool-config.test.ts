import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/binaries.js';

const promtool = requireBinary('promtool', 'prometheus');
const config = fileURLToPath(new URL('../../grafana/prometheus.yml', import.meta.url));

describe.skipIf(promtool.skip)('grafana/prometheus.yml', () => {
  it('passes promtool check config, rule file included', async () => {
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile(promtool.path as string, ['check', 'config', config], (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, output: stdout + stderr }),
      ),
    );
    expect(output).toContain('SUCCESS');
    expect(output).toMatch(/aiva-performance\.rules\.yml/);
    expect(code).toBe(0);
  });
});
