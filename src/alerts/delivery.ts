import type { AlertLogger, AlertNotification, Notifier } from './types.js';

/** How notifications are delivered to each notifier. */
export interface DeliveryOptions {
  /** Notifications waiting per notifier; the oldest are dropped beyond it. Default 1000. */
  maxQueue: number;
  /** Attempts after the first failure. Default 3. */
  maxRetries: number;
  /** First retry delay, doubled each retry (capped at 30 s). Default 500 ms. */
  backoffMillis: number;
  /** One attempt is abandoned (and aborted) after this. Default 5000 ms. */
  timeoutMillis: number;
  /** Notifications per `send` call. Default 64. */
  maxBatch: number;
}

export const DEFAULT_DELIVERY_OPTIONS: Readonly<DeliveryOptions> = Object.freeze({
  maxQueue: 1000,
  maxRetries: 3,
  backoffMillis: 500,
  timeoutMillis: 5000,
  maxBatch: 64,
});

export type DeliveryOutcome = 'success' | 'failure' | 'dropped';

const MAX_BACKOFF_MILLIS = 30_000;

/**
 * One bounded queue and one sender loop per notifier: a notifier that throws,
 * hangs or answers 4xx/5xx only delays its own queue. Every notification ends
 * as exactly one outcome, reported to `count`.
 */
export class DeliveryQueue {
  private readonly queue: AlertNotification[] = [];
  private running: Promise<void> | undefined;
  private closed = false;
  private current: AbortController | undefined;
  private wake: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly notifier: Notifier,
    private readonly options: DeliveryOptions,
    private readonly count: (notifier: string, outcome: DeliveryOutcome, n: number) => void,
    private readonly logger: AlertLogger,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  enqueue(items: readonly AlertNotification[]): void {
    if (items.length === 0) return;
    if (this.closed) {
      this.count(this.notifier.name, 'dropped', items.length);
      return;
    }
    this.queue.push(...items);
    const overflow = this.queue.length - this.options.maxQueue;
    if (overflow > 0) {
      this.queue.splice(0, overflow);
      this.count(this.notifier.name, 'dropped', overflow);
    }
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
  }

  /** Waits until the queue is empty or `timeoutMillis` passed; then drops what is left. */
  async close(timeoutMillis: number): Promise<void> {
    if (this.running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.running,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMillis);
          timer.unref?.();
        }),
      ]);
      clearTimeout(timer);
    }
    this.closed = true;
    this.current?.abort();
    this.wake?.();
    if (this.queue.length > 0) {
      this.count(this.notifier.name, 'dropped', this.queue.length);
      this.queue.length = 0;
    }
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      let delivered = false;
      for (let attempt = 0; attempt <= this.options.maxRetries && !this.closed; attempt++) {
        if (attempt > 0)
          await this.sleep(Math.min(MAX_BACKOFF_MILLIS, this.options.backoffMillis * 2 ** (attempt - 1)));
        if (this.closed) break;
        try {
          await this.attempt(batch);
          delivered = true;
          break;
        } catch (error) {
          this.logger.warn('alert notifier failed', {
            notifier: this.notifier.name,
            attempt: attempt + 1,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
      this.count(this.notifier.name, delivered ? 'success' : 'failure', batch.length);
    }
  }

  private async attempt(batch: readonly AlertNotification[]): Promise<void> {
    const controller = new AbortController();
    this.current = controller;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(() => this.notifier.send(batch, controller.signal)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            controller.abort();
            reject(new Error(`timed out after ${this.options.timeoutMillis} ms`));
          }, this.options.timeoutMillis);
          timer.unref?.();
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.current = undefined;
    }
  }

  private sleep(millis: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = () => resolve();
      this.sleepTimer = setTimeout(resolve, millis);
      this.sleepTimer.unref?.();
    }).finally(() => {
      clearTimeout(this.sleepTimer);
      this.wake = undefined;
    });
  }
}
