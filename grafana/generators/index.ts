import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { hostRuntimeDashboard } from './host-runtime.js';
import { alertsDashboard, memoryDashboard } from './memory-alerts.js';
import { overviewDashboard } from './overview.js';
import { tasksPoolDashboard } from './tasks-pool.js';

/** Every dashboard, by the file name it is committed under in grafana/dashboards/. */
export function allDashboards(): Record<string, dashboard.Dashboard> {
  return {
    'aiva-overview.json': overviewDashboard(),
    'aiva-host-runtime.json': hostRuntimeDashboard(),
    'aiva-tasks-pool.json': tasksPoolDashboard(),
    'aiva-memory.json': memoryDashboard(),
    'aiva-alerts.json': alertsDashboard(),
  };
}

/** The committed form: two-space JSON with a trailing newline, so diffs stay readable. */
export function serialize(board: dashboard.Dashboard): string {
  return `${JSON.stringify(board, null, 2)}\n`;
}
