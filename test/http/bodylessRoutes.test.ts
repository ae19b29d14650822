/**
 * Only /graphql reads a body: anywhere else a request that declares one gets 413 at once, and what it goes on
 * sending is dropped within the refusal bounds, then the connection is cut (Node would otherwise read it all).
 */
import net from 'node:net';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraph';

const DISCARD_BYTES = 1024 * 1024;

describe('a body outside /graphql', () => {
  let subgraph: TestSubgraph;
  let port: number;

  beforeAll(async () => {
    subgraph = await startTestSubgraph({ env: { GRAPHQL_REFUSED_BODY_DISCARD_BYTES: String(DISCARD_BYTES), GRAPHQL_REFUSED_BODY_DISCARD_MS: '2000' } });
    port = Number(new URL(subgraph.url).port);
  });

  afterAll(async () => {
    await subgraph?.stop();
  });

  it.each(['/health', '/metrics', '/no-such-path'])('is refused at %s with 413, and the connection closes', async (path) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ errors: [{ message: 'Only /graphql accepts a request body', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
  });

  it('leaves requests without a body alone', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/no-such-path`)).status).toBe(404);
    const graphql = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ _service { sdl } }"}' });
    expect(graphql.status).toBe(200);
  });

  it('cuts a sender that never stops at the byte bound', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /health HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n');
    let closed = false;
    let answer = '';
    socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
    socket.on('close', () => (closed = true));
    socket.on('error', () => (closed = true));
    const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x61), Buffer.from('\r\n')]);
    let sent = 0;
    const until = Date.now() + 10_000;
    while (!closed && Date.now() < until) {
      sent += chunk.length;
      if (!socket.write(chunk)) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    socket.destroy();
    expect(closed).toBe(true);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
    // What the client got onto the wire before the cut: the bound plus what sockets buffer on the way.
    expect(sent).toBeLessThan(DISCARD_BYTES + 16 * 1024 * 1024);
  });
});
