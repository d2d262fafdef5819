import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allDashboards, serialize } from './index.js';
import { withMetricIndex } from './metric-index.js';

/** `npm run dashboards`: regenerates grafana/dashboards/*.json and the README's metric index. */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const boards = allDashboards();
mkdirSync(`${root}grafana/dashboards`, { recursive: true });
for (const [file, board] of Object.entries(boards)) {
  writeFileSync(`${root}grafana/dashboards/${file}`, serialize(board));
  console.log(`wrote grafana/dashboards/${file}`);
}
const readme = `${root}README.md`;
writeFileSync(readme, withMetricIndex(readFileSync(readme, 'utf8'), boards));
console.log('updated the metric index in README.md');
