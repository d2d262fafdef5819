import { escapeText, type Family, type ScrapeModel, TARGET_INFO } from './families.js';
import type { ExpositionFormat, MediaRange } from './format.js';
import { seriesOf } from './prometheus-text.js';
import type { SeriesTextCache } from './series-cache.js';

/**
 * OpenMetrics 1.0 text: the same sample names, labels and values as the 0.0.4 format, with the
 * OpenMetrics rules around them — a counter family is named without `_total` (its samples keep it),
 * `target_info` is the `info` family `target`, `untyped` is `unknown`, histogram buckets come before
 * `_count`/`_sum`, HELP escapes `"` too, and the body ends with `# EOF`.
 *
 * `# UNIT` is written when the family name ends with the unit (OpenMetrics requires it, and both
 * Prometheus' and Python's parsers reject the scrape otherwise). Our names carry no unit suffix
 * (the dashboards and rules depend on them), so for them no UNIT line is written; an application
 * metric named like `http.server.duration_seconds` with unit `s` gets `# UNIT … seconds`.
 */
export const OPENMETRICS_TEXT: ExpositionFormat = Object.freeze({
  id: 'openmetrics',
  contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
  matches: (range: MediaRange) =>
    range.type === 'application' &&
    range.subtype === 'openmetrics-text' &&
    // 0.0.1 is the pre-1.0 draft Prometheus still lists; 1.0.0 bodies satisfy its parsers.
    (range.params.version === undefined ||
      range.params.version === '1.0.0' ||
      range.params.version === '0.0.1'),
  write: writeOpenMetrics,
});

function* writeOpenMetrics(model: ScrapeModel, cache?: SeriesTextCache): Generator<string | Uint8Array> {
  for (const family of model.families) {
    if (family.name === TARGET_INFO) {
      const labels = model.resourceLabels ? `{${model.resourceLabels}}` : '';
      yield `# HELP target ${escapeHelp(family.help)}\n# TYPE target info\ntarget_info${labels} 1\n`;
      continue; // another metric named target_info would clash with the info family; the 0.0.4 body keeps it
    }
    yield header(family);
    for (const member of family.members)
      yield* seriesOf(family.name, member.metric, member.scopeLabels, 'buckets-first', cache);
  }
  yield '# EOF\n';
}

function header(family: Family): string {
  const counter = family.type === 'counter';
  const name = counter ? family.name.slice(0, -'_total'.length) : family.name;
  const type = family.type === 'untyped' ? 'unknown' : family.type;
  const unit = prometheusUnit(family.unit);
  const unitLine = unit !== '' && name.endsWith(`_${unit}`) ? `# UNIT ${name} ${unit}\n` : '';
  return `# HELP ${name} ${escapeHelp(family.help || 'description missing')}\n# TYPE ${name} ${type}\n${unitLine}`;
}

function escapeHelp(text: string): string {
  return escapeText(text).replace(/"/g, '\\"');
}

/** UCUM units as the OpenTelemetry specification's Prometheus mapping names them. */
const UNITS: Readonly<Record<string, string>> = Object.freeze({
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
  '1': 'ratio',
});

/** `s` → `seconds`, `By/s` → `bytes_per_second`, `{task}` → `` (annotations are not units). */
export function prometheusUnit(unit: string): string {
  const plain = unit.replace(/\{[^}]*\}/g, '').trim();
  if (plain === '') return '';
  const [numerator = '', denominator] = plain.split('/', 2);
  const top = UNITS[numerator] ?? numerator;
  if (denominator === undefined) return sanitizeUnit(top);
  const bottom = UNITS[denominator] ?? denominator;
  const per = bottom.endsWith('s') && bottom !== 'celsius' ? bottom.slice(0, -1) : bottom;
  return sanitizeUnit(top === '' || top === 'ratio' ? `per_${per}` : `${top}_per_${per}`);
}

function sanitizeUnit(unit: string): string {
  return unit
    .replace(/[^a-zA-Z0-9_]/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^_|_$/g, '');
}
