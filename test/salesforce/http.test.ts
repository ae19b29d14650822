import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SalesforceError } from '../../src/salesforce/errors';
import { SalesforceHttp } from '../../src/salesforce/http';

/** A server that answers each request with `handler`, counting requests. */
async function serve(handler: http.RequestListener): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: () => hits,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('SalesforceHttp', () => {
  let client: SalesforceHttp;

  beforeEach(() => {
    client = new SalesforceHttp({ timeoutMs: 300 });
  });

  afterEach(() => client.close());

  it('answers a hung server with an unavailable error once the timeout passes', async () => {
    const hung = await serve(() => undefined);
    try {
      const started = Date.now();
      const error = await client.get(`${hung.url}/services/data/`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SalesforceError);
      expect(error).toMatchObject({ kind: 'unavailable' });
      expect((error as Error).message).toContain('timed out after 300 ms');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await hung.close();
    }
  });

  it('times out a body that starts but never ends', async () => {
    const trickle = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"records":[');
    });
    try {
      await expect(client.get(`${trickle.url}/services/data/`)).rejects.toMatchObject({ kind: 'unavailable' });
    } finally {
      await trickle.close();
    }
  });

  it('reports a refused connection as unavailable, without the query string', async () => {
    const gone = await serve(() => undefined);
    const url = gone.url;
    await gone.close();
    const error = (await client.get(`${url}/services/data/v60.0/query?q=secret-email%40x.com`).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ kind: 'unavailable' });
    expect(error.message).not.toContain('secret-email');
  });

  it('sends a form POST and reads the whole body', async () => {
    let received = '';
    const echo = await serve((req, res) => {
      req.on('data', (chunk: Buffer) => (received += chunk.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ contentType: req.headers['content-type'] }));
      });
    });
    try {
      const response = await client.postForm(`${echo.url}/services/oauth2/token`, { grant_type: 'client_credentials', client_id: 'a b' });
      expect(received).toBe('grant_type=client_credentials&client_id=a+b');
      expect(JSON.parse(response.body)).toEqual({ contentType: 'application/x-www-form-urlencoded' });
    } finally {
      await echo.close();
    }
  });

  it.each([
    ['GET', '/services/oauth2/token'],
    ['GET', '/services/apexrest/x'],
    ['POST', '/services/data/v60.0/sobjects/Contact'],
    ['POST', '/services/oauth2/introspect'],
  ] as const)('refuses %s %s before anything is sent', async (method, path) => {
    const server = await serve((_req, res) => res.end('{}'));
    try {
      const send = method === 'GET' ? client.get(`${server.url}${path}`) : client.postForm(`${server.url}${path}`, {});
      await expect(send).rejects.toThrow(/Refusing/);
      expect(server.hits()).toBe(0);
    } finally {
      await server.close();
    }
  });
});
