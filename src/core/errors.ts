/**
 * Thrown (as a rejection from async APIs) when an option is invalid. `field` is the full path of the
 * offending option (`options.prometheus.port`, `options.memory.maxMemoryMb`,
 * `options.alerts.rules[2].threshold`) or the environment variable it was read from; the message is
 * `<field> must be …, got <value>`.
 */
export class ConfigError extends Error {
  // `string`, not the literal, so a component may keep its own name (AlertConfigError) as a subclass.
  override readonly name: string = 'ConfigError';
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`${field} ${message}`, options);
    this.field = field;
  }
}
