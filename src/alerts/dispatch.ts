import { type DeliveryOptions, type DeliveryOutcome, DeliveryQueue } from './delivery.js';
import type { Alert, AlertLogger, AlertNotification, Notifier } from './types.js';

/** An alert that is firing after a round, built only if a re-send is due. */
export interface FiringAlert {
  readonly id: string;
  build(): Alert;
}

/**
 * Fans a round's notifications out to every notifier's queue, and re-sends
 * still-firing alerts to notifiers that ask for it (`resendDelayMillis`).
 */
export class Dispatcher {
  private readonly queues: DeliveryQueue[];
  /** Last send time per notifier, per alert id. */
  private readonly lastSent = new Map<string, Map<string, number>>();

  constructor(
    notifiers: readonly Notifier[],
    options: DeliveryOptions,
    count: (notifier: string, outcome: DeliveryOutcome, n: number) => void,
    logger: AlertLogger,
  ) {
    this.queues = notifiers.map((n) => new DeliveryQueue(n, options, count, logger));
    for (const n of notifiers) this.lastSent.set(n.name, new Map());
  }

  dispatch(outbox: readonly AlertNotification[], firing: readonly FiringAlert[], nowMs: number): void {
    for (const q of this.queues) {
      const sent = this.lastSent.get(q.notifier.name) ?? new Map<string, number>();
      const batch = outbox.slice();
      const inOutbox = new Set<string>();
      for (const n of outbox) {
        inOutbox.add(n.alert.id);
        if (n.status === 'firing') sent.set(n.alert.id, nowMs);
        else sent.delete(n.alert.id);
      }
      const resend = q.notifier.resendDelayMillis;
      if (resend !== undefined) {
        for (const f of firing) {
          const last = sent.get(f.id);
          if (last !== undefined && nowMs - last >= resend && !inOutbox.has(f.id)) {
            batch.push({ status: 'firing', alert: f.build() });
            sent.set(f.id, nowMs);
          }
        }
      }
      q.enqueue(batch);
    }
  }

  /** Drains every queue within `timeoutMillis`, then drops what is left. */
  async close(timeoutMillis: number): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close(timeoutMillis)));
  }
}
