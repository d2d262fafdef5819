import { createServer, get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SharedBody, STREAM_FROM_BYTES } from '../../../src/sdk/exposition/shared-body.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/**
 * Serves `body` on a local server and fetches it once. `attached` resolves once the request reached the
 * handler and the response is piped: what the test pushes after that, the response sees as it happens.
 */
async function serveOnce(
  body: SharedBody,
): Promise<{ attached: Promise<void>; answer: Promise<{ headers: IncomingHttpHeaders; bytes: Buffer }> }> {
  let onAttached!: () => void;
  const attached = new Promise<void>((resolve) => {
    onAttached = resolve;
  });
  server = createServer((_request, response) => {
    void body.pipeTo(response, { 'Content-Type': 'text/plain' });
    onAttached();
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const answer = new Promise<{ headers: IncomingHttpHeaders; bytes: Buffer }>((resolve, reject) => {
    get(`http://127.0.0.1:${port}/`, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ headers: response.headers, bytes: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
  return { attached, answer };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('SharedBody.pipeTo', () => {
  it('holds a small body still being written until it ends, then sends it whole with its Content-Length', async () => {
    const body = new SharedBody();
    const { attached, answer } = await serveOnce(body);
    await attached;
    for (const part of ['a 1\n', 'b 2\n', 'c 3\n']) {
      await tick();
      body.push(Buffer.from(part));
    }
    await tick();
    body.end();
    const { headers, bytes } = await answer;
    expect(bytes.toString()).toBe('a 1\nb 2\nc 3\n');
    expect(headers['content-length']).toBe('12');
    expect(headers['transfer-encoding']).toBeUndefined();
  });

  it(`streams a body once it passes ${STREAM_FROM_BYTES} bytes unfinished, before it ends`, async () => {
    const body = new SharedBody();
    const { attached, answer } = await serveOnce(body);
    const big = Buffer.alloc(STREAM_FROM_BYTES, 'x');
    // under load the request can reach the handler after a fixed delay: a body that had ended by then
    // would rightly go out whole, with a Content-Length
    await attached;
    body.push(big);
    // the response has started (chunked) while the body is unfinished: the end comes later
    await tick();
    body.push(Buffer.from('\nend\n'));
    body.end();
    const { headers, bytes } = await answer;
    expect(headers['transfer-encoding']).toBe('chunked');
    expect(headers['content-length']).toBeUndefined();
    expect(bytes.length).toBe(STREAM_FROM_BYTES + 5);
  });

  it('destroys the response when the body fails while it is held back', async () => {
    const body = new SharedBody();
    const { attached, answer } = await serveOnce(body);
    await attached;
    body.push(Buffer.from('partial'));
    body.fail(new Error('serializer broke'));
    await expect(answer).rejects.toThrow(/socket hang up|aborted|ECONNRESET/);
  });
});
