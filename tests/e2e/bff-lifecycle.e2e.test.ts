import net from 'node:net';
import { portVariable, SUBGRAPHS } from '../../lib/config/env';
import { subgraphUrlVariable } from '../../lib/config/subgraph-urls';
import { generatePrivateJwk } from '../../lib/identity/keys';
import { startService, waitUntilReady, type RunningService } from '../../tooling/processes';
import { freePort } from '../support/ports';
import { graphql } from '../support/stack';

/** A BFF's own life: it starts with every subgraph down, and on SIGTERM finishes what it was doing. */
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
let bff: RunningService | undefined;

afterEach(async () => {
  await bff?.stop();
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A server that accepts connections and never answers. */
async function hungServer(): Promise<number> {
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

async function startBff(subgraphPort: (name: string) => number, env: Record<string, string> = {}) {
  return startService('bff-web', {
    env: {
      GATEWAY_SIGNING_KEY: JSON.stringify(await generatePrivateJwk()),
      ...Object.fromEntries(SUBGRAPHS.map((name) => [subgraphUrlVariable(name), `http://127.0.0.1:${subgraphPort(name)}/graphql`])),
      [portVariable('bff-web')]: '0',
      ...env,
    },
  });
}

it('starts and is ready with every subgraph down, and answers with masked errors', async () => {
  const nothing = await freePort();
  bff = await startBff(() => nothing);
  await waitUntilReady(bff.origin);
  const { status, body } = await graphql(bff.origin, `{ posts(first: 2) { nodes { title } } }`);
  expect(status).toBe(200);
  expect(body.data).toBeNull();
  expect(body.errors?.map((e) => e.extensions)).toEqual([{ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'posts' }]);
  expect(JSON.stringify(body)).not.toContain(String(nothing));
});

it('on SIGTERM stops accepting, finishes the request in flight, and exits 0', async () => {
  const hung = await hungServer();
  bff = await startBff(() => hung, { POSTS_SUBGRAPH_TIMEOUT_MS: '1500' });
  await waitUntilReady(bff.origin);
  const started = Date.now();
  const inFlight = graphql(bff.origin, `{ posts(first: 2) { nodes { title } } }`);
  await new Promise((r) => setTimeout(r, 300)); // the request is waiting on the hung subgraph
  const exitCode = bff.stop();
  const { status, body } = await inFlight;
  expect(status).toBe(200);
  expect(body.errors?.[0].extensions).toEqual({ code: 'SUBGRAPH_TIMEOUT', serviceName: 'posts' });
  expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  expect(await exitCode).toBe(0);
  await expect(fetch(`${bff.origin}/health`)).rejects.toThrow();
});
