/** A rule or an engine option is invalid; the message names the field. */
export class AlertConfigError extends Error {
  override readonly name = 'AlertConfigError';
}

/** A rule with the same name and severity is already registered. */
export class DuplicateAlertRuleError extends Error {
  override readonly name = 'DuplicateAlertRuleError';
}

/** The engine was shut down; it no longer evaluates or delivers. */
export class AlertEngineClosedError extends Error {
  override readonly name = 'AlertEngineClosedError';
}

/** A rule cannot be written as PromQL (e.g. a `transform` function without `promql`). */
export class PromqlExportError extends Error {
  override readonly name = 'PromqlExportError';
}
