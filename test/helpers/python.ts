import { execFile, execFileSync } from 'node:child_process';
import { findBinary } from './binaries.js';

/**
 * A python3 that can import prometheus_client (Debian's python3-prometheus-client lives under
 * /usr/bin/python3; a pyenv shim first on PATH may not see it). Skipped with a message on a laptop
 * without it; with CI=true a failure, as for the other real binaries.
 */
export function requirePrometheusClientPython(): { path: string | undefined; skip: boolean } {
  const candidates = ['/usr/bin/python3', findBinary('python3')].filter((p): p is string => p !== undefined);
  for (const candidate of candidates) {
    try {
      execFileSync(
        candidate,
        ['-c', 'import prometheus_client.parser, prometheus_client.openmetrics.parser'],
        {
          stdio: 'ignore',
        },
      );
      return { path: candidate, skip: false };
    } catch {
      // this python lacks prometheus_client; try the next one
    }
  }
  const message =
    "python3 with prometheus_client not found: install it with 'apt-get install -y python3-prometheus-client' to run this suite";
  if (process.env.CI === 'true') throw new Error(`CI=true and ${message}`);
  console.warn(`[skipped] ${message}`);
  return { path: undefined, skip: true };
}

const PARSE = `
import sys, json
from prometheus_client.parser import text_string_to_metric_families as text
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
parse = openmetrics if sys.argv[1] == 'openmetrics' else text
families = [{'name': f.name, 'type': f.type, 'unit': f.unit, 'samples': len(f.samples)} for f in parse(sys.stdin.read())]
print(json.dumps(families))
`;

export interface ParsedFamily {
  name: string;
  type: string;
  unit: string;
  samples: number;
}

/** Parses `body` with prometheus_client's text or OpenMetrics parser; rejects with the parser's error. */
export function parseWithPython(
  python: string,
  format: 'text' | 'openmetrics',
  body: string,
): Promise<ParsedFamily[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      python,
      ['-c', PARSE, format],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${format} parser rejected the body: ${stderr.trim().split('\n').pop()}`));
        else resolve(JSON.parse(stdout) as ParsedFamily[]);
      },
    );
    child.stdin?.end(body);
  });
}
