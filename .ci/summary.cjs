// Writes one line, `node vX: vitest: N passed, N failed, N skipped`, to .tmp/summary.txt and prints it;
// exits 1 on a failed, skipped or empty run (nothing may be skipped silently in CI).
const fs = require('node:fs');
if (!fs.existsSync('.tmp/vitest.json')) {
  fs.writeFileSync('.tmp/summary.txt', `node ${process.version}: no test report (lint or build failed)\n`);
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync('.tmp/vitest.json', 'utf8'));
const skipped = r.numPendingTests + r.numTodoTests;
const line = `node ${process.version}: vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`;
console.log(line);
fs.writeFileSync('.tmp/summary.txt', `${line}\n`);
if (r.numTotalTests === 0 || skipped > 0 || r.numFailedTests > 0) process.exit(1);
