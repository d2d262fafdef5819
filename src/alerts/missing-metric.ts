import type { MetricSnapshot } from '../core/query.js';
import { isFriendlyMetric } from './friendly.js';
import type { AlertLogger, AlertRule } from './types.js';

/** Evaluations with no series of the rule's metric at all before it is reported as missing. */
export const MISSING_AFTER_EVALUATIONS = 3;

/**
 * A rule on an instrument name that no instrument reports (a typo, a metric never created) would sit
 * in "no data" forever, looking like a quiet service. After a few evaluations that find no series of
 * that name at all, it is reported once — a log warning and `missingMetrics` in `GET /alerts` — and
 * cleared if the metric appears later. Friendly metrics and rules with their own PromQL are exempt.
 */
export class MissingMetricWatch {
  readonly #misses = new Map<string, number>();
  readonly #reported = new Map<string, string>();

  constructor(private readonly logger: AlertLogger) {}

  observe(rule: AlertRule, snapshot: MetricSnapshot | undefined): void {
    if (!snapshot || isFriendlyMetric(rule.metric)) return;
    if (snapshot.select(rule.metric).length > 0) {
      this.#misses.delete(rule.id);
      this.#reported.delete(rule.id);
      return;
    }
    const misses = (this.#misses.get(rule.id) ?? 0) + 1;
    this.#misses.set(rule.id, misses);
    if (misses === MISSING_AFTER_EVALUATIONS) {
      this.#reported.set(rule.id, rule.metric);
      this.logger.warn(
        `alert ${rule.name}: no instrument named "${rule.metric}" reported in ${misses} evaluations; check the metric name`,
        { rule: rule.id, metric: rule.metric },
      );
    }
  }

  forget(ruleId: string): void {
    this.#misses.delete(ruleId);
    this.#reported.delete(ruleId);
  }

  /** Rules whose metric is reported missing now. */
  list(): { rule: string; metric: string }[] {
    return [...this.#reported].map(([rule, metric]) => ({ rule, metric }));
  }
}
