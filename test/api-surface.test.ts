import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * API report: every name `src/index.ts` exports, as `value NAME` (exists at run time) or `type NAME`
 * (erased), compared with the committed `test/api-surface.txt`. A change to the public surface must
 * change that file in the same commit, so it is seen in review. To accept a deliberate change:
 * `UPDATE_API_SURFACE=1 npx vitest run test/api-surface.test.ts`.
 */
const reportFile = fileURLToPath(new URL('./api-surface.txt', import.meta.url));
// The build's declaration file, so `export type * from` and re-export chains resolve as a user sees them
// (test/global-setup.ts builds dist/ when it is missing or older than src/).
const declarations = fileURLToPath(new URL('../dist/src/index.d.ts', import.meta.url));

function declaredNames(): string[] {
  const program = ts.createProgram([declarations], { noEmit: true, skipLibCheck: true, types: [] });
  const source = program.getSourceFile(declarations);
  const checker = program.getTypeChecker();
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`cannot read the exports of ${declarations}`);
  return checker.getExportsOfModule(module).map((symbol) => symbol.name);
}

async function currentReport(): Promise<string> {
  const values = new Set(Object.keys(await import('../src/index.js')));
  const declared = declaredNames();
  // A run-time export missing from the declarations would be untyped for users.
  expect([...values].filter((name) => !declared.includes(name))).toEqual([]);
  const lines = declared.map((name) => `${values.has(name) ? 'value' : 'type'} ${name}`);
  return `${lines.sort((a, b) => a.localeCompare(b)).join('\n')}\n`;
}

describe('public API surface (src/index.ts)', () => {
  let current: string;
  beforeAll(async () => {
    current = await currentReport();
  });

  it('matches test/api-surface.txt', () => {
    if (process.env.UPDATE_API_SURFACE) writeFileSync(reportFile, current);
    expect(
      current,
      'the public API changed: review it, then run UPDATE_API_SURFACE=1 npx vitest run test/api-surface.test.ts',
    ).toBe(readFileSync(reportFile, 'utf8'));
  });

  it('stays curated: no DEFAULT_* tables, bucket constants, resolved-option types or internal classes', () => {
    const names = current.split('\n').filter(Boolean);
    // 43 before the dashboard and reports, which added six (PerformanceDashboard, ReportError and four types).
    expect(names.length).toBeLessThanOrEqual(49);
    const leaked = names.filter((line) =>
      /^\S+ (DEFAULT_|Resolved|FRIENDLY_|PRESETS$|MEMORY_KINDS$)|_BUCKETS$/.test(line),
    );
    expect(leaked).toEqual([]);
    // Constructors that need internal readers are types only.
    expect(names).toEqual(expect.arrayContaining(['type AlertEngine', 'type PerformanceMonitor']));
  });
});
