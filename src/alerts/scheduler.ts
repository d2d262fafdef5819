import { SEVERITIES } from './rules.js';
import type { AlertIntervals, Severity } from './types.js';

/**
 * One unref'd timer for all severities: it fires at the earliest due time and
 * hands every severity due at that moment to `onDue` together, so they can
 * share one collection. Missed periods are skipped, not replayed.
 */
export class SeverityScheduler {
  private readonly nextDue = new Map<Severity, number>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly intervals: AlertIntervals,
    private readonly onDue: (severities: Severity[]) => void,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = Date.now();
    for (const s of SEVERITIES) this.nextDue.set(s, now + this.intervals[s]);
    this.arm();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Changes intervals; a changed severity is next due one new interval from now. */
  update(intervals: Partial<AlertIntervals>): void {
    const now = Date.now();
    for (const [s, ms] of Object.entries(intervals) as [Severity, number][]) {
      this.intervals[s] = ms;
      if (this.running) this.nextDue.set(s, now + ms);
    }
    if (this.running) this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    let earliest = Number.POSITIVE_INFINITY;
    for (const t of this.nextDue.values()) earliest = Math.min(earliest, t);
    this.timer = setTimeout(() => this.fire(), Math.max(0, earliest - Date.now()));
    this.timer.unref?.();
  }

  private fire(): void {
    const now = Date.now();
    const due: Severity[] = [];
    for (const s of SEVERITIES) {
      let next = this.nextDue.get(s) ?? now;
      if (next > now) continue;
      due.push(s);
      while (next <= now) next += this.intervals[s];
      this.nextDue.set(s, next);
    }
    if (!this.running) return;
    this.arm();
    if (due.length > 0) this.onDue(due);
  }
}
