import { AlertConfigError } from './errors.js';
import type { AlertLogger, AlertNotification, Notifier } from './types.js';

/** Alertmanager delivery (v2 API). */
export interface AlertmanagerOptions {
  /** Base URL, e.g. `http://127.0.0.1:9093`; alerts go to `${url}/api/v2/alerts`. */
  url: string;
  /** Firing alerts are re-sent this often so Alertmanager keeps them active. Default 60000 (Prometheus' resend delay). */
  resendDelayMillis?: number;
  /** Link back to the source, sent as `generatorURL`. Default `${url of the SDK}/alerts` if known, else omitted. */
  generatorUrl?: string;
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
}

/** Generic JSON webhook: POSTs `{ version: '1', status, alerts: [...] }` (Alertmanager webhook shape). */
export interface WebhookOptions {
  url: string;
  headers?: Record<string, string>;
}

function checkUrl(url: unknown, field: string): URL {
  try {
    const parsed = new URL(String(url));
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
    return parsed;
  } catch {
    throw new AlertConfigError(field, 'must be an http(s) URL');
  }
}

async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });
  const text = await response.text().catch(() => '');
  if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${text.slice(0, 200)}`);
}

/**
 * Posts to Alertmanager's `POST /api/v2/alerts`. A firing alert is sent with
 * `endsAt` = now + 4 × resend delay (as Prometheus does, so Alertmanager
 * resolves it by itself if this process dies); a resolved one with `endsAt` =
 * the time it resolved.
 */
export class AlertmanagerNotifier implements Notifier {
  readonly name = 'alertmanager';
  readonly resendDelayMillis: number;
  private readonly endpoint: string;

  constructor(private readonly options: AlertmanagerOptions) {
    const base = checkUrl(options?.url, 'options.alertmanager.url');
    this.endpoint = new URL('api/v2/alerts', base.href.endsWith('/') ? base.href : `${base.href}/`).href;
    this.resendDelayMillis = options.resendDelayMillis ?? 60_000;
    if (!Number.isFinite(this.resendDelayMillis) || this.resendDelayMillis <= 0) {
      throw new AlertConfigError('options.alertmanager.resendDelayMillis', 'must be a positive number');
    }
    if (options.generatorUrl !== undefined)
      checkUrl(options.generatorUrl, 'options.alertmanager.generatorUrl');
  }

  /** The v2 request body for a batch. */
  toPostableAlerts(batch: readonly AlertNotification[], nowMs = Date.now()): Record<string, unknown>[] {
    return batch.map(({ status, alert }) => {
      const endsAt =
        status === 'resolved'
          ? (alert.resolvedAt ?? new Date(nowMs).toISOString())
          : new Date(nowMs + 4 * this.resendDelayMillis).toISOString();
      const out: Record<string, unknown> = {
        labels: { ...alert.labels },
        annotations: { ...alert.annotations },
        startsAt: alert.firedAt ?? alert.activeAt ?? new Date(nowMs).toISOString(),
        endsAt,
      };
      if (this.options.generatorUrl) {
        const u = new URL(this.options.generatorUrl);
        u.searchParams.set('alertname', alert.name);
        out.generatorURL = u.href;
      }
      return out;
    });
  }

  send(batch: readonly AlertNotification[], signal: AbortSignal): Promise<void> {
    return postJson(this.endpoint, this.toPostableAlerts(batch), this.options.headers ?? {}, signal);
  }
}

/** Generic JSON webhook. */
export class WebhookNotifier implements Notifier {
  readonly name = 'webhook';
  private readonly url: string;

  constructor(private readonly options: WebhookOptions) {
    this.url = checkUrl(options?.url, 'options.webhook.url').href;
  }

  send(batch: readonly AlertNotification[], signal: AbortSignal): Promise<void> {
    const status = batch.some((n) => n.status === 'firing') ? 'firing' : 'resolved';
    const body = { version: '1', status, alerts: batch.map((n) => ({ status: n.status, ...n.alert })) };
    return postJson(this.url, body, this.options.headers ?? {}, signal);
  }
}

/** Structured log line per notification: error for critical, warn for warning, info otherwise and on resolve. */
export class LogNotifier implements Notifier {
  readonly name = 'log';

  constructor(private readonly logger: AlertLogger) {}

  async send(batch: readonly AlertNotification[]): Promise<void> {
    for (const { status, alert } of batch) {
      const fields = {
        alertname: alert.name,
        severity: alert.severity,
        status,
        value: alert.value,
        threshold: alert.threshold,
        labels: alert.labels,
        annotations: alert.annotations,
      };
      const message = `alert ${alert.name} ${status}`;
      if (status === 'resolved' || alert.severity === 'normal') this.logger.info(message, fields);
      else if (alert.severity === 'critical') this.logger.error(message, fields);
      else this.logger.warn(message, fields);
    }
  }
}
