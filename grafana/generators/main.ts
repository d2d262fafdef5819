import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { allDashboards, serialize } from './index.js';

/** `npm run dashboards`: regenerates grafana/dashboards/*.json from the generators. */
const out = fileURLToPath(new URL('../../../grafana/dashboards/', import.meta.url));
mkdirSync(out, { recursive: true });
for (const [file, board] of Object.entries(allDashboards())) {
  writeFileSync(`${out}${file}`, serialize(board));
  console.log(`wrote grafana/dashboards/${file}`);
}
