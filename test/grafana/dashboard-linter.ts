import { parser } from '@prometheus-io/lezer-promql';
import { GRAFANA_UNITS } from './grafana-units.js';

/**
 * The rules of Grafana's dashboard-linter (github.com/grafana/dashboard-linter, lint/rule_*.go),
 * ported rule by rule so they run in `npm test` without Go. Names and semantics follow the Go
 * source; PromQL is parsed with @prometheus-io/lezer-promql after the same variable expansion.
 */

export interface Finding {
  rule: string;
  where: string;
  message: string;
  severity: 'error' | 'warning';
}

// biome-ignore lint/suspicious/noExplicitAny: dashboard JSON is walked structurally, as the Go linter does
type Json = any;

/** lint/variables.go: sample values for Grafana's global variables. */
const GLOBALS: Record<string, string> = {
  __rate_interval: '8869990787ms',
  __interval: '4867856611ms',
  __interval_ms: '7781188786',
  __range_ms: '6737667980',
  __range_s: '9397795485',
  __range: '6069770749ms',
  __auto: '12345ms',
};
const RATE_INTERVAL_SAMPLE = GLOBALS.__rate_interval;
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
const DATASOURCE_REFS = ['$datasource', '${datasource}'];

function sampleValue(name: string, variables: Json[]): string {
  const bare = name.split(':')[0] ?? name;
  if (bare in GLOBALS) return GLOBALS[bare] as string;
  const variable = variables.find((v) => v.name === bare);
  const current = variable?.current?.value;
  const value = Array.isArray(current) ? current[0] : current;
  if (typeof value === 'string' && value !== '') {
    return expandVariables(
      value,
      variables.filter((v) => v !== variable),
    );
  }
  return bare;
}

/** lint/variables.go expandVariables: `$var`, `${var}`, `[[var]]` outside double-quoted strings. */
export function expandVariables(expr: string, variables: Json[]): string {
  return expr
    .split('"')
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(/\$(\w+)|\$\{([^}]+)\}|\[\[([^[\]]+)\]\]/g, (_m, a, b, c) =>
            sampleValue(a ?? b ?? c, variables),
          ),
    )
    .join('"');
}

interface Node {
  name: string;
  text: string;
  parents: Node[];
  children: () => Node[];
}

/** Parses PromQL; returns undefined on any syntax error (lezer marks them with error nodes). */
export function parsePromql(expr: string): Node | undefined {
  const tree = parser.parse(expr);
  let broken = false;
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) broken = true;
    },
  });
  if (broken || expr.trim() === '') return undefined;
  const wrap = (ref: { node: Json }, parents: Node[]): Node => {
    const self: Node = {
      name: ref.node.type.name,
      text: expr.slice(ref.node.from, ref.node.to),
      parents,
      children: () => {
        const out: Node[] = [];
        for (let c = ref.node.firstChild; c; c = c.nextSibling)
          out.push(wrap({ node: c }, [...parents, self]));
        return out;
      },
    };
    return self;
  };
  return wrap({ node: tree.topNode }, []);
}

function* walk(node: Node): Generator<Node> {
  yield node;
  for (const child of node.children()) yield* walk(child);
}

/** The function a node is an argument of: FunctionCall > FunctionCallBody > node. */
function enclosingCall(node: Node): string | undefined {
  const body = node.parents.at(-1);
  const call = node.parents.at(-2);
  if (body?.name !== 'FunctionCallBody' || call?.name !== 'FunctionCall') return undefined;
  return call.text.slice(0, call.text.indexOf('(')).trim();
}

const QUERY_PANELS = new Set(['singlestat', 'gauge', 'table', 'stat', 'state-timeline', 'timeseries']);
const LINTED_PANELS = new Set(['stat', 'singlestat', 'graph', 'table', 'timeseries', 'gauge']);
const DATASOURCE_PANELS = new Set(['singlestat', 'graph', 'table', 'timeseries']);

function panelsOf(dashboard: Json): Json[] {
  return (dashboard.panels ?? []).flatMap((p: Json) => [p, ...(p.panels ?? [])]);
}

/** Every rule of the linter over one dashboard. `exclusions` maps `rule` → reason (must be given). */
export function lintDashboard(dashboard: Json): Finding[] {
  const findings: Finding[] = [];
  const add = (rule: string, where: string, message: string, severity: Finding['severity'] = 'error') =>
    findings.push({ rule, where, message, severity });
  const variables: Json[] = dashboard.templating?.list ?? [];
  const dsVars = variables.filter((v) => v.type === 'datasource');
  const isPrometheus = dsVars[0]?.query === 'prometheus';

  // template-datasource-rule
  if (dsVars.length === 0)
    add('template-datasource-rule', 'dashboard', 'does not have a templated data source');
  for (const ds of dsVars) {
    const query = String(ds.query ?? '');
    const uids = [`${query.toLowerCase()}_datasource`, ...(dsVars.length === 1 ? ['datasource'] : [])];
    const labels = [
      `${query[0]?.toUpperCase()}${query.slice(1)} data source`,
      ...(dsVars.length === 1 ? ['Data source'] : []),
    ];
    if (!uids.includes(ds.name)) add('template-datasource-rule', 'dashboard', `variable named '${ds.name}'`);
    if (!labels.includes(ds.label))
      add('template-datasource-rule', 'dashboard', `labeled '${ds.label}'`, 'warning');
  }

  // template-job-rule, template-instance-rule
  if (isPrometheus) {
    for (const name of ['job', 'instance']) {
      const rule = `template-${name}-rule`;
      const t = variables.find((v) => v.name === name);
      if (!t) {
        add(rule, 'dashboard', `is missing the ${name} template`);
        continue;
      }
      if (!DATASOURCE_REFS.includes(t.datasource?.uid)) add(rule, name, 'should use $datasource');
      if (t.type !== 'query') add(rule, name, 'should be a Prometheus query');
      if (t.label !== `${name[0]?.toUpperCase()}${name.slice(1)}`)
        add(rule, name, `label '${t.label}'`, 'warning');
      if (!t.multi) add(rule, name, 'should be a multi select');
      if (t.allValue !== '.+') add(rule, name, `allValue should be '.+', is '${t.allValue}'`);
    }
  }

  for (const t of variables.filter((v) => v.type === 'query')) {
    // template-label-promql-rule
    if (isPrometheus) {
      const query = typeof t.query === 'string' ? t.query : String(t.query?.query ?? '');
      const m = /([a-z_]+)\((.+)\)/.exec(query);
      const fn = m?.[1];
      if (!m || !fn || !['label_names', 'label_values', 'metrics', 'query_result'].includes(fn)) {
        add('template-label-promql-rule', t.name, `invalid templated label '${query}'`);
      } else {
        // label_values(selector, label): the selector is the PromQL part
        const arg =
          fn === 'label_values'
            ? (m[2] as string).replace(/,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*$/, '')
            : (m[2] as string);
        if (fn !== 'label_names' && !parsePromql(expandVariables(arg, variables))) {
          add('template-label-promql-rule', t.name, `invalid PromQL in '${query}'`);
        }
      }
    }
    // template-on-time-change-reload-rule
    if (t.refresh !== 2)
      add('template-on-time-change-reload-rule', t.name, `refresh is ${t.refresh}, should be 2`);
  }

  // uneditable-dashboard
  if (dashboard.editable)
    add('uneditable-dashboard', 'dashboard', "is editable, it should be set to 'editable: false'");

  for (const panel of panelsOf(dashboard)) {
    const where = `panel '${panel.title}'`;
    if (DATASOURCE_PANELS.has(panel.type) && !DATASOURCE_REFS.includes(panel.datasource?.uid)) {
      add(
        'panel-datasource-rule',
        where,
        `does not use a templated datasource, uses '${panel.datasource?.uid}'`,
      );
    }
    if (LINTED_PANELS.has(panel.type)) {
      if (!panel.title || !panel.description)
        add('panel-title-description-rule', where, 'missing title or description');
      if (!panel.targets) add('panel-no-targets-rule', where, 'has no targets');
      const hasMappings = panel.fieldConfig?.defaults?.mappings?.length > 0;
      const statFields = panel.type === 'stat' && panel.options?.reduceOptions?.fields;
      const unit =
        panel.fieldConfig?.overrides
          ?.flatMap((o: Json) => o.properties ?? [])
          .find((p: Json) => p.id === 'unit')?.value ?? panel.fieldConfig?.defaults?.unit;
      if (!hasMappings && !statFields && !GRAFANA_UNITS.has(unit)) {
        add('panel-units-rule', where, `has no or invalid units defined: '${unit ?? ''}'`);
      }
    }
    for (const target of panel.targets ?? []) lintTarget(panel, target, variables, isPrometheus, add);
  }
  return findings;
}

function lintTarget(
  panel: Json,
  target: Json,
  variables: Json[],
  isPrometheus: boolean,
  add: (rule: string, where: string, message: string) => void,
): void {
  if (!isPrometheus) return;
  const where = `panel '${panel.title}' target ${target.refId}`;
  const expr = String(target.expr ?? '');
  const tree = parsePromql(expandVariables(expr, variables));
  if (!tree) {
    if (QUERY_PANELS.has(panel.type)) add('target-promql-rule', where, `invalid PromQL query '${expr}'`);
    return;
  }
  for (const node of walk(tree)) {
    if (node.name === 'MatrixSelector' && QUERY_PANELS.has(panel.type)) {
      const range = node
        .children()
        .find((c) => c.name === 'DurationExpr' || c.name === 'NumberDurationLiteralInDurationContext');
      const call = enclosingCall(node);
      if (range?.text !== RATE_INTERVAL_SAMPLE && node.parents.length > 1) {
        // Go: a range outside any call is an error; inside rate/irate it must be $__rate_interval.
        if (call === undefined)
          add('target-rate-interval-rule', where, `'${expr}': range vector outside a function`);
        else if (call === 'rate' || call === 'irate') {
          add('target-rate-interval-rule', where, `'${expr}' should use $__rate_interval`);
        }
      }
    }
    if (node.name === 'VectorSelector') {
      for (const label of ['job', 'instance']) {
        const matcher = node.children().find((c) => c.name === 'LabelMatchers');
        if (!matcher?.text.includes(`${label}=~"$${label}"`)) {
          add(`target-${label}-rule`, where, `'${node.text}' lacks ${label}=~"$${label}"`);
        }
      }
      const metric = node.children().find((c) => c.name === 'Identifier')?.text ?? '';
      if (metric.endsWith('_total')) {
        const matrix = node.parents.at(-1);
        const call = matrix?.name === 'MatrixSelector' ? enclosingCall(matrix) : undefined;
        if (!call || !['rate', 'irate', 'increase'].includes(call)) {
          add(
            'target-counter-agg-rule',
            where,
            `counter metric '${node.text}' is not aggregated with rate, irate, or increase`,
          );
        }
      }
    }
  }
}
