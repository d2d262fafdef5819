import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { staleSource } from './global-setup.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'aiva-global-setup-'));
  mkdirSync(join(root, 'src/parallel'), { recursive: true });
  mkdirSync(join(root, 'dist/src/parallel'), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Writes `path` under the temp root with its modification time `seconds` after the epoch. */
function file(path: string, seconds: number): void {
  writeFileSync(join(root, path), '');
  utimesSync(join(root, path), seconds, seconds);
}

describe('global setup: is dist/ stale?', () => {
  it('is fresh when every source has a newer compiled .js', () => {
    file('tsconfig.json', 100);
    file('src/index.ts', 100);
    file('src/parallel/worker.ts', 100);
    file('dist/src/index.js', 200);
    file('dist/src/parallel/worker.js', 200);
    expect(staleSource(root)).toBeUndefined();
  });

  it('names a source edited after the build (the stale-worker bug)', () => {
    file('tsconfig.json', 100);
    file('src/index.ts', 100);
    file('src/parallel/worker.ts', 300);
    file('dist/src/index.js', 200);
    file('dist/src/parallel/worker.js', 200);
    expect(staleSource(root)).toBe(join('src', 'parallel', 'worker.ts'));
  });

  it('names a source with no output (a fresh clone) and sees a tsconfig change', () => {
    file('tsconfig.json', 100);
    file('src/index.ts', 100);
    expect(staleSource(root)).toBe(join('src', 'index.ts'));
    file('dist/src/index.js', 200);
    expect(staleSource(root)).toBeUndefined();
    file('tsconfig.json', 300);
    expect(staleSource(root)).toBe(join('src', 'index.ts'));
  });
});
