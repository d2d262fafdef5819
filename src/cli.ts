#!/usr/bin/env node
/**
 * `aiva-perf` command line.
 *
 *   aiva-perf rules export    print the default alert rules as a Prometheus rule file
 *   aiva-perf report ...      a JSON / CSV / PDF report from Prometheus or a running service
 *   aiva-perf --help
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DEFAULT_ALERT_RULES } from './alerts/defaults.js';
import { toPrometheusRules } from './alerts/prometheus.js';
import { type CliIo, reportCommand } from './cli-report.js';

const USAGE = `Usage: aiva-perf <command>

Commands:
  rules export   Print the default alert rules as a Prometheus rule-group file (YAML) on stdout.
                 Example: aiva-perf rules export > aiva-performance.rules.yml
  report         A performance report (json, csv, pdf) from Prometheus or a running service.
                 Example: aiva-perf report --prometheus http://127.0.0.1:9090 --job my-service --period 24h -o report.pdf
                 See: aiva-perf report --help

Options:
  -h, --help     Show this help.
`;

/** Runs the CLI; returns the exit code (a promise for `report`). Exported for tests. */
export function main(
  argv: readonly string[],
  out: (s: string) => void,
  err: (s: string) => void,
  io: Partial<CliIo> = {},
): number | Promise<number> {
  if (argv[0] === 'report') return reportCommand(argv.slice(1), { out: out as CliIo['out'], err, ...io });
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
  Promise.resolve(
    main(
      process.argv.slice(2),
      (s) => process.stdout.write(s),
      (s) => process.stderr.write(s),
      { tty: process.stderr.isTTY === true },
    ),
  ).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`aiva-perf: ${(error as Error)?.stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
}
