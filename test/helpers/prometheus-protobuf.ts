import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/**
 * Decodes a `/metrics` body in Prometheus' protobuf format with the real schema
 * (test/fixtures/prometheus-proto, through protobufjs), not with our writer's code.
 */
const root = new protobuf.Root();
root.resolvePath = (_origin, target) =>
  target.startsWith('google/')
    ? target
    : fileURLToPath(new URL(`../fixtures/prometheus-proto/${target}`, import.meta.url));
root.loadSync('io/prometheus/client/metrics.proto', { keepCase: true });
const MetricFamily = root.lookupType('io.prometheus.client.MetricFamily');

export interface DecodedHistogram {
  sample_count: number;
  sample_sum: number;
  bucket: { cumulative_count: number; upper_bound: number }[];
  schema?: number;
  zero_count?: number;
  positive_span: { offset: number; length: number }[];
  positive_delta: number[];
}

export interface DecodedMetric {
  label: { name: string; value: string }[];
  gauge?: { value: number };
  counter?: { value: number };
  histogram?: DecodedHistogram;
}

export interface DecodedFamily {
  name: string;
  help: string;
  type: number;
  metric: DecodedMetric[];
}

/** Every length-delimited MetricFamily of a body. */
export function decodeFamilies(body: Uint8Array): DecodedFamily[] {
  const reader = protobuf.Reader.create(body);
  const families: DecodedFamily[] = [];
  while (reader.pos < reader.len) {
    const message = MetricFamily.decodeDelimited(reader);
    families.push(
      MetricFamily.toObject(message, { longs: Number, defaults: false, arrays: true }) as DecodedFamily,
    );
  }
  return families;
}

/** Absolute bucket counts of a native histogram, by Prometheus bucket index. */
export function nativeBuckets(h: DecodedHistogram): Map<number, number> {
  const out = new Map<number, number>();
  let index = 0;
  let count = 0;
  let delta = 0;
  for (const span of h.positive_span) {
    index += span.offset; // the first span starts there; later ones skip a gap after the previous
    for (let k = 0; k < span.length; k++) {
      count += h.positive_delta[delta++] ?? 0;
      out.set(index, count);
      index++;
    }
  }
  return out;
}
