import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('../fixtures/start-shutdown-exit.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/src/index.js', import.meta.url)));

describe('shutdown', () => {
  it.skipIf(!built)('leaves no open handle: the process exits by itself after shutdown()', async () => {
    const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    // Bounded: a handle left open would keep the child alive until this kill.
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (c, s) => resolve([c, s])),
    );
    clearTimeout(killer);
    expect(stderr).toBe('');
    expect(signal).toBeNull();
    expect(code).toBe(0);
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { status: number; left: string[] };
    expect(report.status).toBe(200);
    expect(report.left).toEqual([]);
  });
});
