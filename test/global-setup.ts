/**
 * Vitest global setup: build `dist/` when it is missing or older than `src/`.
 *
 * Some tests run the build, not the sources: the worker pool loads `dist/src/parallel/worker.js`, the
 * demo, CLI and shutdown tests spawn `node dist/...`, the API report reads `dist/src/index.d.ts`. Without
 * this, `npx vitest run` in a fresh clone fails them, and after an edit to `worker.ts` they run the stale
 * copy. `npm test` builds first (pretest), so there this finds every output fresh and costs a stat per file.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

function mtimeMillis(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1; // missing: older than any source
  }
}

/** The first source whose compiled `.js` is missing or older than it, or undefined when all are fresh. */
export function staleSource(rootDir: string = root): string | undefined {
  const configTime = mtimeMillis(join(rootDir, 'tsconfig.json'));
  for (const source of sources(join(rootDir, 'src'))) {
    const output = join(rootDir, 'dist', relative(rootDir, source)).replace(/\.ts$/, '.js');
    const built = mtimeMillis(output);
    if (built < mtimeMillis(source) || built < configTime) return relative(rootDir, source);
  }
  return undefined;
}

export default function setup(): void {
  const stale = staleSource();
  if (stale === undefined) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  process.stderr.write(
    `global-setup: dist/ is missing or older than ${stale}; building (tsc -p tsconfig.json)\n`,
  );
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
    throw new Error(`global-setup: tsc -p tsconfig.json failed, tests would run a stale build:\n${output}`);
  }
}
