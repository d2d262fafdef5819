import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// dist/ is fresh: test/global-setup.ts builds it when it is missing or older than src/.
const demo = fileURLToPath(new URL('../../dist/src/demo/main.js', import.meta.url));

export interface RunningDemo {
  /** Base URL of its server, e.g. http://127.0.0.1:39321 */
  base: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `npm start`'s demo on a free port with `env`; resolves once it printed its dashboard URL. */
export async function startDemo(env: Record<string, string>): Promise<RunningDemo> {
  const child: ChildProcess = spawn(process.execPath, [demo], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const url = /dashboard:\s+(http:\/\/[^/\s]+)\/dashboard/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${output}`)));
  });
  return {
    base,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
