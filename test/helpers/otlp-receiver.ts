import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

/**
 * A stand-in OpenTelemetry Collector OTLP/HTTP receiver on 127.0.0.1. It decodes protobuf with the
 * real OTLP schema (test/fixtures/otlp-proto, through protobufjs) and JSON as OTLP/JSON, into one
 * shape, so a test asserts what a Collector would see, not what our exporter meant to send.
 */

const PROTO_DIR = fileURLToPath(new URL('../fixtures/otlp-proto/', import.meta.url));
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => PROTO_DIR + target;
root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
const ExportMetricsServiceRequest = root.lookupType(
  'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
);

/** OTLP's AggregationTemporality enum values. */
export const DELTA = 1;
export const CUMULATIVE = 2;

export interface ReceivedMetric {
  readonly name: string;
  readonly unit: string;
  readonly kind: 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram' | 'summary';
  /** `undefined` for gauges (they have none). */
  readonly temporality: number | undefined;
}

export interface ReceivedExport {
  readonly path: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly encoding: 'protobuf' | 'json';
  /** Resource attributes of the first ResourceMetrics, values as strings. */
  readonly resource: Record<string, string>;
  readonly metrics: ReceivedMetric[];
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>/v1/metrics` */
  readonly url: string;
  /** `http://127.0.0.1:<port>`, for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly endpoint: string;
  readonly received: ReceivedExport[];
  /** Resolves once `count` exports have arrived (checked on each arrival, no polling). */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface DecodedRequest {
  resourceMetrics?: {
    resource?: { attributes?: { key: string; value?: AnyValue }[] };
    scopeMetrics?: { metrics?: Record<string, unknown>[] }[];
  }[];
}

const KINDS = ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'] as const;

export function decodeExport(
  body: Buffer,
  contentType: string | undefined,
): Omit<ReceivedExport, 'path' | 'headers'> {
  let request: DecodedRequest;
  let encoding: ReceivedExport['encoding'];
  if (contentType === 'application/x-protobuf') {
    encoding = 'protobuf';
    // enums and longs as numbers/strings: the same shape OTLP/JSON has.
    request = ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(body), {
      longs: String,
      enums: Number,
    }) as DecodedRequest;
  } else if (contentType === 'application/json') {
    encoding = 'json';
    request = JSON.parse(body.toString('utf8')) as DecodedRequest;
  } else {
    throw new Error(`OTLP receiver: unexpected content-type ${contentType}`);
  }
  const first = request.resourceMetrics?.[0];
  const resource: Record<string, string> = {};
  for (const { key, value } of first?.resource?.attributes ?? []) {
    resource[key] = String(value?.stringValue ?? value?.intValue ?? value?.boolValue ?? value?.doubleValue);
  }
  const metrics: ReceivedMetric[] = [];
  for (const resourceMetrics of request.resourceMetrics ?? []) {
    for (const scope of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scope.metrics ?? []) {
        const kind = KINDS.find((k) => metric[k] !== undefined);
        if (!kind) throw new Error(`OTLP receiver: metric ${String(metric.name)} has no data`);
        const data = metric[kind] as { aggregationTemporality?: number };
        metrics.push({
          name: String(metric.name),
          unit: String(metric.unit ?? ''),
          kind,
          temporality: data.aggregationTemporality,
        });
      }
    }
  }
  return { encoding, resource, metrics };
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedExport[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const contentType = request.headers['content-type'];
      try {
        received.push({ path: request.url, headers: request.headers, ...decodeExport(body, contentType) });
      } catch (error) {
        response.writeHead(400).end(String(error));
        return;
      }
      for (const waiter of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      // An empty ExportMetricsServiceResponse in either encoding.
      response.writeHead(200, { 'Content-Type': contentType ?? 'application/json' });
      response.end(contentType === 'application/json' ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${endpoint}/v1/metrics`,
    endpoint,
    received,
    waitFor: (count) =>
      received.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens: a port the OS handed out and took back. */
export async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1/metrics`;
}
