import type { AlertEngine } from '../../alerts/engine.js';
import type { Alert, AlertRule } from '../../alerts/types.js';

/** What the monitor reads of the alert engine: its states and transitions. */
export type AlertSource = Pick<AlertEngine, 'on' | 'list' | 'rules' | 'status'>;

/** One firing of an alert, in the alert history of the dashboard and the reports. */
export interface AlertRecord {
  /** Rule id, `name/severity`. */
  id: string;
  name: string;
  severity: string;
  /** The rule's metric (friendly name or instrument); `null` when the rule is gone. */
  metric: string | null;
  op: string;
  threshold: number;
  /** Value when it fired; `null` with no data. */
  value: number | null;
  /** ms since the epoch. */
  firedAt: number;
  /** ms since the epoch; `null` while still firing. */
  resolvedAt: number | null;
}

/** Most records kept; the oldest are dropped first. */
export const MAX_ALERT_RECORDS = 1000;

/** Records fired → resolved transitions of an alert engine into a bounded list. */
export class AlertLog {
  readonly #records: AlertRecord[] = [];
  readonly #open = new Map<string, AlertRecord>();
  readonly #unsubscribe: (() => void)[] = [];

  constructor(
    readonly source: AlertSource,
    readonly now: () => number = Date.now,
  ) {
    this.#unsubscribe.push(source.on('firing', (alert) => this.#fired(alert)));
    this.#unsubscribe.push(source.on('resolved', (alert) => this.#resolved(alert)));
  }

  /** Records overlapping `[from, to]`, oldest first (copies). */
  records(from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): AlertRecord[] {
    return this.#records
      .filter((r) => r.firedAt <= to && (r.resolvedAt === null || r.resolvedAt >= from))
      .map((r) => ({ ...r }));
  }

  /** The rules in force, for threshold lines. */
  rules(): AlertRule[] {
    return this.source.rules();
  }

  close(): void {
    for (const off of this.#unsubscribe) off();
  }

  #fired(alert: Alert): void {
    const rule = this.source.rules().find((r) => r.id === alert.id);
    const record: AlertRecord = {
      id: alert.id,
      name: alert.name,
      severity: alert.severity,
      metric: rule?.metric ?? null,
      op: alert.op,
      threshold: alert.threshold,
      value: alert.value,
      firedAt: alert.firedAt ? Date.parse(alert.firedAt) : this.now(),
      resolvedAt: null,
    };
    this.#open.set(alert.id, record);
    this.#records.push(record);
    if (this.#records.length > MAX_ALERT_RECORDS) this.#records.shift();
  }

  #resolved(alert: Alert): void {
    const record = this.#open.get(alert.id);
    if (!record) return;
    record.resolvedAt = alert.resolvedAt ? Date.parse(alert.resolvedAt) : this.now();
    this.#open.delete(alert.id);
  }
}
