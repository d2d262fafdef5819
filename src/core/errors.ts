/**
 * Thrown (as a rejection from async APIs) when an option is invalid. `field`
 * names the offending option path, e.g. `options.prometheus.port`, or the
 * environment variable it was read from.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`${field} ${message}`, options);
    this.field = field;
  }
}
