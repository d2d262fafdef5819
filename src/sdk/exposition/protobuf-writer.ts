/**
 * The few protobuf primitives Prometheus' `io.prometheus.client.MetricFamily` needs (proto2, delimited):
 * varints, zig-zag sint32/sint64, doubles, strings and length-delimited sub-messages. Field numbers
 * are the caller's; see prometheus-protobuf.ts.
 */
export class ProtobufWriter {
  #buffer = new Uint8Array(256);
  #length = 0;
  readonly #scratch = new DataView(new ArrayBuffer(8));

  get length(): number {
    return this.#length;
  }

  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }

  #ensure(extra: number): void {
    if (this.#length + extra <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < this.#length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }

  /** Unsigned varint of a non-negative integer up to 2^53. */
  varint(value: number): this {
    this.#ensure(10);
    let v = value;
    while (v >= 0x80) {
      this.#buffer[this.#length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buffer[this.#length++] = v;
    return this;
  }

  tag(field: number, wireType: 0 | 1 | 2): this {
    return this.varint(field * 8 + wireType);
  }

  uint(field: number, value: number): this {
    return this.tag(field, 0).varint(value);
  }

  /** sint32 / sint64 (zig-zag) of an integer within ±2^52. */
  sint(field: number, value: number): this {
    return this.tag(field, 0).varint(zigzag(value));
  }

  double(field: number, value: number): this {
    this.tag(field, 1);
    this.#ensure(8);
    this.#scratch.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.#buffer[this.#length++] = this.#scratch.getUint8(i);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  bytesField(field: number, value: Uint8Array): this {
    this.tag(field, 2).varint(value.length);
    this.#ensure(value.length);
    this.#buffer.set(value, this.#length);
    this.#length += value.length;
    return this;
  }

  /** A nested message, written by `build` into its own writer. */
  message(field: number, build: (w: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    build(inner);
    return this.bytesField(field, inner.bytes());
  }

  /** A packed repeated sint64 field. */
  packedSint(field: number, values: readonly number[]): this {
    const inner = new ProtobufWriter();
    for (const v of values) inner.varint(zigzag(v));
    return this.bytesField(field, inner.bytes());
  }
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** One delimited message: its length as a varint, then its bytes. */
export function delimited(message: Uint8Array): Uint8Array {
  const prefix = new ProtobufWriter().varint(message.length).bytes();
  const out = new Uint8Array(prefix.length + message.length);
  out.set(prefix);
  out.set(message, prefix.length);
  return out;
}
