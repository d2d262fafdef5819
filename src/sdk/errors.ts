/** The metrics server could not listen because another process holds the address. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  readonly code = 'EADDRINUSE';
  readonly host: string;
  readonly port: number;

  constructor(host: string, port: number, options?: { cause?: unknown }) {
    super(
      `options.prometheus.port: ${host}:${port} is already in use; choose another port (0 picks a free one) or set OTEL_EXPORTER_PROMETHEUS_PORT`,
      options,
    );
    this.host = host;
    this.port = port;
  }
}

/**
 * A report could not be made: the source is unreachable or answered an error, the period holds no
 * data, or the file cannot be written. The CLI prints `message` and exits 2.
 */
export class ReportError extends Error {
  override readonly name = 'ReportError';
}
