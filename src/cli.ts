#!/usr/bin/env node
/**
 * `aiva-perf` command line.
 *
 *   aiva-perf rules export    print the default alert rules as a Prometheus rule file
 *   aiva-perf --help
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DEFAULT_ALERT_RULES } from './alerts/defaults.js';
import { toPrometheusRules } from './alerts/prometheus.js';

const USAGE = `Usage: aiva-perf <command>

Commands:
  rules export   Print the default alert rules as a Prometheus rule-group file (YAML) on stdout.
                 Example: aiva-perf rules export > aiva-performance.rules.yml

Options:
  -h, --help     Show this help.
`;

/** Runs the CLI; returns the exit code. Exported for tests. */
export function main(argv: readonly string[], out: (s: string) => void, err: (s: string) => void): number {
  const args = argv.filter((a) => a !== '--');
  if (args.length === 0 || args.includes('-h') || args.includes('--help')) {
    (args.length === 0 ? err : out)(USAGE);
    return args.length === 0 ? 2 : 0;
  }
  if (args[0] === 'rules' && args[1] === 'export' && args.length === 2) {
    out(toPrometheusRules(DEFAULT_ALERT_RULES));
    return 0;
  }
  err(`aiva-perf: unknown command '${args.join(' ')}'\n\n${USAGE}`);
  return 2;
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  process.exitCode = main(
    process.argv.slice(2),
    (s) => process.stdout.write(s),
    (s) => process.stderr.write(s),
  );
}
