import { describe, expect, it } from 'vitest';
import { normalizeRule } from '../../src/alerts/rules.js';
import { initialState, step } from '../../src/alerts/state.js';
import type { AlertRuleInput } from '../../src/alerts/types.js';

const rule = (extra: Partial<AlertRuleInput> = {}) =>
  normalizeRule({ name: 'T', metric: 'm', threshold: 10, ...extra })[0]!;

/** Feeds values at 1 s steps; returns the events per step and the final state. */
function run(values: (number | undefined)[], extra: Partial<AlertRuleInput> = {}) {
  const r = rule(extra);
  const st = initialState();
  const events = values.map((v, i) => step(r, st, v, i * 1000));
  return { events, st };
}

describe('alert state machine (Prometheus semantics)', () => {
  it('inactive → firing at once when for is 0', () => {
    const { events, st } = run([5, 20]);
    expect(events).toEqual([[], ['pending', 'firing']]);
    expect(st.state).toBe('firing');
    expect(st.firedAtMs).toBe(1000);
  });

  it('stays pending until the condition has held for `for` at every evaluation', () => {
    const { events, st } = run([20, 20, 20, 20], { for: '3s' });
    expect(events).toEqual([['pending'], [], [], ['firing']]);
    expect(st.activeAtMs).toBe(0);
  });

  it('drops a pending alert silently when the condition breaks before `for`', () => {
    const { events, st } = run([20, 20, 5, 20], { for: '3s' });
    expect(events).toEqual([['pending'], [], [], ['pending']]);
    expect(st.activeAtMs).toBe(3000);
  });

  it('resolves a firing alert when the condition is false', () => {
    const { events, st } = run([20, 5], {});
    expect(events[1]).toEqual(['resolved']);
    expect(st.state).toBe('inactive');
    expect(st.resolvedAtMs).toBe(1000);
  });

  it('keepFiringFor keeps it firing after the condition clears, then resolves', () => {
    const { events } = run([20, 5, 5, 5], { keepFiringFor: '2s' });
    expect(events).toEqual([['pending', 'firing'], [], ['resolved'], []]);
  });

  it('flapping: a condition that alternates never fires with `for`', () => {
    const { events, st } = run([20, 5, 20, 5, 20, 5, 20, 5], { for: '2s' });
    expect(events.flat()).not.toContain('firing');
    expect(st.state).toBe('inactive');
  });

  it('flapping: keepFiringFor does not resolve on brief dips', () => {
    const { events, st } = run([20, 5, 20, 5, 20, 5, 20], { keepFiringFor: '2s' });
    expect(events.flat().filter((e) => e === 'firing')).toHaveLength(1);
    expect(events.flat()).not.toContain('resolved');
    expect(st.state).toBe('firing');
  });

  it('missing data enters nodata (once), never silently inactive', () => {
    const { events, st } = run([undefined, undefined, 5]);
    expect(events).toEqual([['nodata'], [], []]);
    expect(st.state).toBe('inactive');
    expect(st.value).toBe(5);
  });

  it('a firing alert whose data disappears resolves, then shows nodata', () => {
    const { events, st } = run([20, undefined]);
    expect(events[1]).toEqual(['resolved', 'nodata']);
    expect(st.state).toBe('nodata');
  });

  it("noData: 'alerting' treats missing data as a breach", () => {
    const { events, st } = run([undefined, undefined], { noData: 'alerting', for: '1s' });
    expect(events).toEqual([['pending'], ['firing']]);
    expect(st.value).toBeNull();
  });

  it('NaN never fires (and resolves a firing alert)', () => {
    expect(run([Number.NaN, Number.NaN]).events.flat()).toEqual([]);
    expect(run([Number.NaN], { op: '!=' }).events.flat()).toEqual([]);
    expect(run([20, Number.NaN]).events[1]).toEqual(['resolved']);
  });

  it('supports every comparison operator', () => {
    expect(run([10], { op: '>=' }).st.state).toBe('firing');
    expect(run([9], { op: '<' }).st.state).toBe('firing');
    expect(run([10], { op: '<=' }).st.state).toBe('firing');
    expect(run([10], { op: '==' }).st.state).toBe('firing');
    expect(run([10], { op: '!=' }).st.state).toBe('inactive');
    expect(run([10], { op: '>' }).st.state).toBe('inactive');
  });
});
