import type { ServerResponse } from 'node:http';

/**
 * Server-sent events to at most `maxClients` browsers. A client over the bound gets 503 and retries
 * later (`Retry-After`), so an open tab storm cannot pin the service's memory; a comment every
 * `heartbeatMillis` keeps proxies from closing an idle stream.
 */
export class SseHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #maxClients: number;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(maxClients: number, heartbeatMillis = 15_000) {
    this.#maxClients = maxClients;
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), heartbeatMillis);
    this.#heartbeat.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Opens a stream on `response`, or answers 503 when full. */
  open(response: ServerResponse, first?: { event: string; data: unknown }): void {
    if (this.#clients.size >= this.#maxClients) {
      response.writeHead(503, {
        'Content-Type': 'application/json',
        'Retry-After': '10',
        'Cache-Control': 'no-store',
      });
      response.end(JSON.stringify({ error: `too many dashboard streams (at most ${this.#maxClients})` }));
      return;
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.write('retry: 3000\n\n');
    if (first) response.write(frame(first.event, first.data));
    this.#clients.add(response);
    response.on('close', () => this.#clients.delete(response));
  }

  send(event: string, data: unknown): void {
    if (this.#clients.size > 0) this.#write(frame(event, data));
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  #write(chunk: string): void {
    for (const client of this.#clients) {
      // A client that cannot keep up is dropped rather than buffered without bound.
      if (client.writableLength > 1 << 20) client.destroy();
      else client.write(chunk);
    }
  }
}

/** JSON on one `data:` line (JSON escapes line breaks, so a value cannot end the frame). */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
