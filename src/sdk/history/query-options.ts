import { configError, options, parseOptions, positive, satisfies, v } from '../../core/options-schema.js';
import type { HistoryQuery } from './store.js';

const time = () =>
  satisfies<number | Date>(
    (x) => (typeof x === 'number' && Number.isFinite(x)) || (x instanceof Date && !Number.isNaN(x.getTime())),
    'must be a time in ms since the epoch or a Date',
  );

/** The options of `monitor.history()`. */
export const HISTORY_QUERY_SCHEMA = options({
  from: time(),
  to: v.optional(time()),
  step: v.optional(positive('milliseconds')),
  series: v.optional(v.array(v.string('must be a string'), 'must be an array of series names')),
});

/** Validates a history query (ConfigError naming the field); `to` defaults to now. */
export function parseHistoryQuery(input: unknown, field: string, now = Date.now()): HistoryQuery {
  const q = parseOptions(HISTORY_QUERY_SCHEMA, input, field);
  const from = +q.from;
  const to = q.to === undefined ? now : +q.to;
  if (!(to > from)) throw configError(`${field}.to`, `must be after ${field}.from (${from})`, to);
  return { from, to, step: q.step, series: q.series };
}
