import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mobileCors } from '../../bff-mobile/cors';

/** bff-mobile's CORS (bff-mobile/cors.ts) in front of a real HTTP server; the BFF's own answers are in bff-mobile.e2e. */
const APP = 'http://127.0.0.1:8081';

function serve(allowed: string[]): Promise<{ server: Server; url: string }> {
  const cors = mobileCors(allowed);
  const server = createServer((req, res) => {
    if (cors(req, res)) return;
    res.appendHeader('vary', 'Accept-Encoding');
    res.end('{}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` })));
}

describe('bff-mobile’s CORS', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => ({ server, url } = await serve([APP])));
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('allows the configured origin, without credentials, and says the answer varies by Origin', async () => {
    const answer = await fetch(url, { headers: { origin: APP } });
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP);
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    expect(answer.headers.get('vary')).toBe('Origin, Accept-Encoding');
  });

  it('says so on answers without CORS headers too, so a shared cache keeps them apart from the allowed origin’s', async () => {
    for (const headers of [{}, { origin: 'http://evil.test' }, { origin: 'null' }] as Record<string, string>[]) {
      const answer = await fetch(url, { headers });
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      expect(answer.headers.get('vary')).toBe('Origin, Accept-Encoding');
    }
  });

  it('answers the preflight of the configured origin only', async () => {
    const preflight = (origin: string) => fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const allowed = await preflight(APP);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('vary')).toBe('Origin');
    const other = await preflight('http://evil.test');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-methods')).toBeNull();
  });
});

it('adds nothing where no origin is configured (a native app sends no Origin)', async () => {
  const { server, url } = await serve([]);
  try {
    const answer = await fetch(url, { headers: { origin: APP } });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('vary')).toBe('Accept-Encoding');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
