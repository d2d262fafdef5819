import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * What `npm publish` would ship, from `npm pack --dry-run --json` over the fresh build
 * (test/global-setup.ts). `--ignore-scripts`: the file list is the question, not a second build.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  dependencies: Record<string, string>;
};

let files: Set<string>;
beforeAll(() => {
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const [pack] = JSON.parse(json) as [{ files: { path: string }[] }];
  files = new Set(pack.files.map((f) => f.path));
}, 60_000);

const packed = (path: string): boolean => files.has(normalize(path).replace(/^\.\//, ''));

describe('npm pack', () => {
  it('ships the entry, its types, the worker the pool loads, the CLI and the Grafana files', () => {
    for (const path of [
      'package.json',
      'README.md',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/parallel/worker.js',
      'dist/src/cli.js',
      'grafana/prometheus.yml',
      'grafana/rules/aiva-performance.rules.yml',
      'grafana/dashboards/aiva-overview.json',
      'grafana/provisioning/dashboards/aiva.yaml',
      'grafana/README.md',
    ]) {
      expect(files, path).toContain(path);
    }
  });

  it('ships no tests, benchmarks, sources, source maps, demo, tools or dependencies', () => {
    const unwanted = [...files].filter(
      (path) =>
        /^(test|bench|src|scripts|docs|\.tools|node_modules|dist\/test|dist\/src\/demo)\//.test(path) ||
        path.endsWith('.map') ||
        (path.endsWith('.ts') && !path.endsWith('.d.ts')),
    );
    expect(unwanted).toEqual([]);
  });

  it('points main, types, bin and exports at packed files; exports only "." and ./package.json', () => {
    expect(Object.keys(manifest.exports).sort()).toEqual(['.', './package.json']);
    const targets = [
      manifest.main,
      manifest.types,
      ...Object.values(manifest.bin),
      ...Object.values(manifest.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t))),
    ];
    expect(targets.filter((target) => !packed(target))).toEqual([]);
  });

  it('every relative import of a packed module resolves to a packed file', () => {
    const broken: string[] = [];
    for (const path of files) {
      if (!/\.(js|d\.ts)$/.test(path)) continue;
      const text = readFileSync(join(root, path), 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = join(dirname(path), specifier ?? '');
        const candidates = path.endsWith('.d.ts') ? [target, target.replace(/\.js$/, '.d.ts')] : [target];
        if (!candidates.some(packed)) broken.push(`${path} → ${specifier}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('has no dead runtime dependency: each one is imported by a packed module', () => {
    const code = [...files]
      .filter((path) => path.endsWith('.js'))
      .map((path) => readFileSync(join(root, path), 'utf8'))
      .join('\n');
    const unused = Object.keys(manifest.dependencies).filter(
      // `resolve(` counts too: the dashboard reads uPlot's browser files through require.resolve.
      (name) => !new RegExp(`(?:from|import\\(|resolve\\()\\s*['"]${name}(?:/[^'"]*)?['"]`).test(code),
    );
    expect(unused).toEqual([]);
  });
});
