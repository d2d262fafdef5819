import { parser } from '@prometheus-io/lezer-promql';
import { SCOPE } from './layout.js';

/**
 * Adds the dashboard's `job=~"$job",instance=~"$instance"` matchers to every vector selector of
 * an expression, by walking its PromQL syntax tree — so the derived-metric table (shared with the
 * Prometheus rule export) stays free of Grafana variables and is still never retyped in a panel.
 */
export function scoped(expr: string): string {
  const inserts: { at: number; text: string }[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.name !== 'VectorSelector') return;
      const matchers = node.node.getChild('LabelMatchers');
      if (!matchers) {
        inserts.push({ at: node.to, text: `{${SCOPE}}` });
        return false;
      }
      const inner = expr.slice(matchers.from + 1, matchers.to - 1).trim();
      inserts.push({ at: matchers.from + 1, text: inner === '' ? SCOPE : `${SCOPE},` });
      return false;
    },
  });
  let out = expr;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at))
    out = out.slice(0, at) + text + out.slice(at);
  return out;
}
