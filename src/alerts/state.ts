import { compare } from './rules.js';
import type { AlertEventName, AlertRule, AlertState } from './types.js';

/** Mutable evaluation state of one rule. */
export interface RuleState {
  state: AlertState;
  /** Last value; null = no data. */
  value: number | null;
  activeAtMs: number | undefined;
  firedAtMs: number | undefined;
  resolvedAtMs: number | undefined;
  lastTrueAtMs: number | undefined;
  lastEvaluatedAtMs: number | undefined;
}

export function initialState(): RuleState {
  return {
    state: 'inactive',
    value: null,
    activeAtMs: undefined,
    firedAtMs: undefined,
    resolvedAtMs: undefined,
    lastTrueAtMs: undefined,
    lastEvaluatedAtMs: undefined,
  };
}

/**
 * Advances one rule by one evaluation, as Prometheus does: a true condition
 * makes an inactive alert pending, and firing once it has held for `for` at
 * every evaluation (at once when `for` is 0); a false condition drops a
 * pending alert silently and resolves a firing one, unless it was true less
 * than `keepFiringFor` ago. NaN is false. Missing data (`undefined`) is
 * false too under `noData: 'nodata'`, and the non-firing alert enters
 * `nodata`; under `'alerting'` it counts as true. Returns the events, in order.
 */
export function step(
  rule: AlertRule,
  st: RuleState,
  value: number | undefined,
  nowMs: number,
): AlertEventName[] {
  const events: AlertEventName[] = [];
  st.value = value === undefined ? null : value;
  st.lastEvaluatedAtMs = nowMs;
  const holds = value === undefined ? rule.noData === 'alerting' : compare(value, rule.op, rule.threshold);

  if (holds) {
    st.lastTrueAtMs = nowMs;
    if (st.state === 'inactive' || st.state === 'nodata') {
      st.state = 'pending';
      st.activeAtMs = nowMs;
      st.resolvedAtMs = undefined;
      events.push('pending');
    }
    if (st.state === 'pending' && nowMs - (st.activeAtMs ?? nowMs) >= rule.forMillis) {
      st.state = 'firing';
      st.firedAtMs = nowMs;
      events.push('firing');
    }
  } else {
    if (st.state === 'pending') {
      st.state = 'inactive';
      st.activeAtMs = undefined;
    } else if (st.state === 'firing' && nowMs - (st.lastTrueAtMs ?? nowMs) >= rule.keepFiringForMillis) {
      st.state = 'inactive';
      st.resolvedAtMs = nowMs;
      st.activeAtMs = undefined;
      events.push('resolved');
    }
    if (value === undefined && st.state !== 'firing' && st.state !== 'nodata') {
      st.state = 'nodata';
      events.push('nodata');
    } else if (value !== undefined && st.state === 'nodata') {
      st.state = 'inactive';
    }
  }
  return events;
}
