import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Locates a system binary an integration test needs (prometheus, promtool,
 * alertmanager, chromium). On a laptop without it the suite is skipped with
 * a message saying how to install it; with CI=true a missing binary is a
 * failure, because in CI nothing may be skipped silently.
 */
export function findBinary(name: string, extraPaths: string[] = []): string | undefined {
  const dirs = [...extraPaths, ...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = dir.endsWith(name) ? dir : join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

export interface RequiredBinary {
  /** Absolute path, or undefined when the suite must be skipped. */
  path: string | undefined;
  /** Pass to `describe.skipIf(...)`. */
  skip: boolean;
}

export function requireBinary(name: string, debianPackage: string): RequiredBinary {
  const path = findBinary(name);
  if (path) return { path, skip: false };
  const message = `${name} not found: install it with 'apt-get install -y ${debianPackage}' to run this suite`;
  if (process.env.CI === 'true') {
    throw new Error(`CI=true and ${message}`);
  }
  console.warn(`[skipped] ${message}`);
  return { path: undefined, skip: true };
}
