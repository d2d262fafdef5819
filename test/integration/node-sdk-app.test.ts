import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A user's fresh app: the current NodeSDK and this package, installed from `npm pack` as a user
 * would get it. Proves the dependency tree holds one copy of the OpenTelemetry SDK and API, and
 * that the README's NodeSDK recipe works as printed.
 */
const NODE_SDK_VERSION = '0.301.0';
const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
let app = '';

/** The README's NodeSDK snippet, verbatim: the first ```ts block under its heading. */
function readmeNodeSdkSnippet(readme: string): string {
  const section = readme.split('## Already running the OpenTelemetry NodeSDK?')[1];
  const snippet = section ? /```ts\n([\s\S]*?)```/.exec(section)?.[1] : undefined;
  if (!snippet) throw new Error('README: NodeSDK recipe not found');
  return snippet;
}

describe('a fresh app with @opentelemetry/sdk-node and aiva-performance', () => {
  beforeAll(async () => {
    if (!existsSync(join(repo, 'dist/src/index.js'))) throw new Error('dist/ missing: run npm run build');
    app = mkdtempSync(join(tmpdir(), 'aiva-node-sdk-app-'));
    // --ignore-scripts: `prepack` would rebuild dist/ (tsc rewrites every file) while other test files
    // run from it, and a worker importing the build mid-rewrite fails; global-setup built it already.
    const { stdout } = await run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', app], {
      cwd: repo,
    });
    const tarball = join(app, stdout.trim().split('\n').pop() as string);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'fresh-app',
        private: true,
        type: 'module',
        dependencies: { '@opentelemetry/sdk-node': NODE_SDK_VERSION, 'aiva-performance': `file:${tarball}` },
      }),
    );
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app });
  }, 240_000);

  afterAll(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('holds one copy of @opentelemetry/sdk-metrics and one of @opentelemetry/api (npm ls)', async () => {
    const { stdout } = await run(
      'npm',
      ['ls', '--all', '--json', '@opentelemetry/sdk-metrics', '@opentelemetry/api'],
      { cwd: app },
    );
    const versions = {
      '@opentelemetry/sdk-metrics': new Set<string>(),
      '@opentelemetry/api': new Set<string>(),
    };
    const walk = (deps: Record<string, { version?: string; dependencies?: object }> | undefined) => {
      for (const [name, node] of Object.entries(deps ?? {})) {
        if (name in versions && node.version) versions[name as keyof typeof versions].add(node.version);
        walk(node.dependencies as Record<string, { version?: string }> | undefined);
      }
    };
    walk(JSON.parse(stdout).dependencies);
    expect([...versions['@opentelemetry/sdk-metrics']]).toHaveLength(1);
    expect([...versions['@opentelemetry/api']]).toHaveLength(1);
    expect([...versions['@opentelemetry/sdk-metrics']][0]).toMatch(/^3\./);
    expect([...versions['@opentelemetry/api']][0]).toMatch(/^1\.10\./);
  });

  it('runs the README NodeSDK recipe verbatim and serves /metrics through NodeSDK', async () => {
    const snippet = readmeNodeSdkSnippet(readFileSync(join(repo, 'README.md'), 'utf8'));
    const probe = `
import { metrics } from '@opentelemetry/api';
metrics.getMeter('fresh-app').createCounter('fresh.orders').add(3);
const body = await (await fetch(perf.url + '/metrics')).text();
console.log(JSON.stringify({ body }));
await perf.shutdown();
await otel.shutdown();
`;
    writeFileSync(join(app, 'recipe.mjs'), `${snippet}\n${probe}`);
    const { stdout } = await run(process.execPath, ['recipe.mjs'], {
      cwd: app,
      timeout: 60_000,
      env: {
        ...process.env,
        OTEL_EXPORTER_PROMETHEUS_PORT: '0',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      },
    });
    const { body } = JSON.parse(stdout.trim().split('\n').pop() as string) as { body: string };
    expect(body).toMatch(/^fresh_orders_total\{otel_scope_name="fresh-app"\} 3$/m);
    expect(body).toContain('system_memory_linux_available');
    // The snippet's serviceName reached NodeSDK's provider (it used to say unknown_service:…),
    // over the SDK's default resource.
    const targetInfo = body.split('\n').find((line) => line.startsWith('target_info{')) ?? '';
    expect(targetInfo).toContain('service_name="api"');
    expect(targetInfo).toContain('telemetry_sdk_language="nodejs"');
  }, 90_000);
});
