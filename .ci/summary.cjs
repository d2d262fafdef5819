// Writes one line, `node vX: vitest: N passed, N failed, N skipped`, to .tmp/summary.txt and prints it;
// exits 1 on a failed, skipped or empty run (nothing may be skipped silently in CI).
// Failed and skipped tests are named under the line (with the first lines of each failure message),
// because a CI log is often read from its tail only.
const fs = require('node:fs');
if (!fs.existsSync('.tmp/vitest.json')) {
  fs.writeFileSync('.tmp/summary.txt', `node ${process.version}: no test report (lint or build failed)\n`);
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync('.tmp/vitest.json', 'utf8'));
const skipped = r.numPendingTests + r.numTodoTests;
const lines = [
  `node ${process.version}: vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`,
];
for (const file of r.testResults ?? []) {
  const relative = String(file.name).replace(`${process.cwd()}/`, '');
  for (const test of file.assertionResults ?? []) {
    if (test.status === 'passed') continue;
    lines.push(`  ${test.status}: ${relative} > ${test.fullName}`);
    for (const message of test.failureMessages ?? []) {
      for (const text of message.split('\n').slice(0, 6)) lines.push(`    ${text.slice(0, 300)}`);
    }
  }
  // A file that failed to load has no assertion results, only a message.
  if (file.status === 'failed' && !(file.assertionResults ?? []).length && file.message) {
    lines.push(
      `  failed to run: ${relative}`,
      `    ${String(file.message).split('\n').slice(0, 6).join('\n    ')}`,
    );
  }
}
const text = `${lines.join('\n')}\n`;
process.stdout.write(text);
fs.writeFileSync('.tmp/summary.txt', text);
if (r.numTotalTests === 0 || skipped > 0 || r.numFailedTests > 0) process.exit(1);
