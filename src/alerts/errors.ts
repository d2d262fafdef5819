import { ConfigError } from '../core/errors.js';

/**
 * A rule or an engine option is invalid. A {@link ConfigError} (catch either): `field` is the full path
 * (`options.rules[2].threshold`, `options.alerts.rules[2].threshold` when the SDK builds the engine).
 */
export class AlertConfigError extends ConfigError {
  override readonly name: string = 'AlertConfigError';
}

/**
 * A rule with the same name and severity is already registered. `field` names the repeating entry
 * (`options.alerts.rules[3]`) when it comes from options; `undefined` from `addRule()`.
 */
export class DuplicateAlertRuleError extends Error {
  override readonly name = 'DuplicateAlertRuleError';
  readonly field: string | undefined;

  constructor(message: string, field?: string) {
    super(field === undefined ? message : `${field} ${message}`);
    this.field = field;
  }
}

/** The engine was shut down; it no longer evaluates or delivers. */
export class AlertEngineClosedError extends Error {
  override readonly name = 'AlertEngineClosedError';
}

/** A rule cannot be written as PromQL (e.g. a `transform` function without `promql`). */
export class PromqlExportError extends Error {
  override readonly name = 'PromqlExportError';
}
